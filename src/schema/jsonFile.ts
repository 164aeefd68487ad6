// Reading a JSON file that a schema defines (rule packs, lists, derived features, models): one place
// for the read, the decode, the parse and the validation, each failure a coded error naming the file.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ErrorCode, FengkongError } from '../errors.js';
import { describeIssues } from './issues.js';

export function readFileBytes(path: string, code: ErrorCode = ErrorCode.FILE_READ): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new FengkongError(code, `${path}: cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
  }
}

/**
 * Decodes (refusing bytes that are not UTF-8 rather than replacing them), parses and validates.
 * `explain` may rewrite the issue description (to name a rule rather than its index, say).
 */
export function parseJsonFile<Output>(
  path: string,
  bytes: Uint8Array,
  schema: z.ZodType<Output>,
  code: ErrorCode,
  explain: (described: string, raw: unknown) => string = (described) => described,
): Output {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new FengkongError(code, `${path}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new FengkongError(code, `${path}: ${explain(describeIssues(parsed.error), raw)}`, { cause: parsed.error });
  return parsed.data;
}
