// A condition's `path`, without jsonpath-plus: member access and array indices only, parsed once at load
// and walked by a few lines of code. What json-rules-engine would hand to jsonpath-plus beyond that
// (filters `?()`, scripts `()`, wildcards, `..`, unions, slices) is refused, never evaluated: script
// evaluation in jsonpath-plus was a remote-code-execution hole (CVE-2024-21534).
import { ErrorCode, FengkongError } from '../../errors.js';

/** The keys a path follows, in order (array indices as their decimal strings, as jsonpath-plus keeps them). */
export type PathKeys = readonly string[];

// Grammar (each form checked against jsonpath-plus 10.4 in the tests):
//   path    = ( "$" / name ) *( "." name / "[" digits "]" / "['" quoted "']" / "[\"" quoted "\"]" )
//   name    = 1*( ALPHA / DIGIT / "_" )
//   quoted  = 1*( ALPHA / DIGIT / "_" / "-" / " " / "." ), but not ".." (jsonpath-plus reads it as descent)
// Every character jsonpath-plus gives a meaning to ($ @ * ? ( ) , : ~ ^ ` # % ; quotes, brackets) is
// outside it. `.[` is refused too: jsonpath-plus turns `$.a.['b']` into the recursive descent `$.a..b`.
const NAME = /^[A-Za-z0-9_]+/;
const INDEX = /^\[([0-9]+)\]/;
const QUOTED = /^\[(['"])([A-Za-z0-9_ .-]+)\1\]/;

/**
 * The keys of a path in the safe subset, or why it is not in it. A path without `$` must start with a
 * name, which must not be a member of Object.prototype: jsonpath-plus looks the whole path up in a
 * plain-object cache first, so `constructor` or `toString` as a path makes it throw.
 */
export function parseSafePath(path: string): { readonly keys: PathKeys } | { readonly error: string } {
  const keys: string[] = [];
  let rest: string;
  if (path.startsWith('$')) {
    rest = path.slice(1);
  } else {
    const first = NAME.exec(path);
    if (first === null) return { error: 'must start with $ or a name' };
    if (path in Object.prototype) return { error: 'is a member of Object.prototype, which jsonpath-plus mistakes for a cached path' };
    keys.push(first[0]);
    rest = path.slice(first[0].length);
  }
  while (rest.length > 0) {
    let match: RegExpExecArray | null;
    if (rest.startsWith('.') && (match = NAME.exec(rest.slice(1))) !== null) {
      keys.push(match[0]);
      rest = rest.slice(1 + match[0].length);
    } else if ((match = INDEX.exec(rest)) !== null) {
      keys.push(match[1]!);
      rest = rest.slice(match[0].length);
    } else if ((match = QUOTED.exec(rest)) !== null && match[2] !== '..') {
      keys.push(match[2]!);
      rest = rest.slice(match[0].length);
    } else {
      return { error: `is outside the safe subset ($.a.b, $.a[0], $['a']) at "${rest.slice(0, 20)}"` };
    }
  }
  return { keys };
}

/**
 * The value at `keys` under `value`, as jsonpath-plus finds it with `wrap: false`: each step follows an
 * own property of a truthy value (string indices and `length` included); anything else is undefined.
 */
export function walkPath(value: unknown, keys: PathKeys): unknown {
  let current = value;
  for (let i = 0; i < keys.length; i += 1) {
    if (!current || !Object.hasOwn(current as object, keys[i]!)) return undefined;
    current = (current as Record<string, unknown>)[keys[i]!];
  }
  return current;
}

const parsedPaths = new Map<string, PathKeys>();

/**
 * A json-rules-engine `pathResolver` (engine option) that walks the safe subset, so the `Engine.run`
 * fallback never reaches jsonpath-plus. A path outside the subset throws: packs are checked at load
 * (compileRules), so reaching one here means a pack skipped that check.
 */
export function safePathResolver(value: object, path: string): unknown {
  let keys = parsedPaths.get(path);
  if (keys === undefined) {
    const parsed = parseSafePath(path);
    if ('error' in parsed) throw new FengkongError(ErrorCode.RULE_INVALID, `path "${path}" ${parsed.error}`);
    keys = parsed.keys;
    parsedPaths.set(path, keys);
  }
  return walkPath(value, keys);
}
