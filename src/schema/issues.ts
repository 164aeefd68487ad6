// Turns zod issues into one readable line that names each field. zod's messages describe the expected
// shape ("expected number, received string") and never echo the offending value, which keeps raw
// identifiers out of errors.
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

export function describeIssues(error: z.ZodError, maxIssues = 5): string {
  const issues = error.issues.flatMap((issue) => explainUnion(issue, []));
  const described = issues.slice(0, maxIssues).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `${where}: ${issue.code === 'unrecognized_keys' ? describeUnknownKeys(issue.keys) : issue.message}`;
  });
  const more = issues.length - described.length;
  return more > 0 ? `${described.join('; ')}; and ${more} more` : described.join('; ');
}

/**
 * A union (a rule condition is a fact test, or all / any / not) fails as one vague "Invalid input".
 * Report the branch that came closest instead: the one whose issues reach deepest, then the fewest.
 */
function explainUnion(issue: Issue, prefix: PropertyKey[]): Issue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ ...issue, path }];
  const depth = (branch: Issue[]) => Math.max(...branch.map((inner) => inner.path.length));
  const closest = [...issue.errors].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0]!;
  return closest.flatMap((inner) => explainUnion(inner, path));
}

/** Keys are input too (an email address can arrive as a key): echo only the ones shaped like field names. */
function describeUnknownKeys(keys: readonly string[]): string {
  const nameLike = keys.filter((key) => /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(key));
  const others = keys.length - nameLike.length;
  const parts = nameLike.length > 0 ? [`unknown field(s) ${nameLike.map((key) => JSON.stringify(key)).join(', ')}`] : [];
  if (others > 0) parts.push(`${others} unknown field(s) with names that are not field names`);
  return parts.join('; ');
}
