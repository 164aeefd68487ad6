// The files one command writes, as a set: each is written beside its name (`<name>.partial`) and all
// are renamed into place together at the end, so a command that fails (exit 2) leaves no output, not
// a half-written file or a report without its JSON. Paths are checked before the work starts, so a
// typo in `--report` fails in a moment, not after a replay of the whole history.
import { accessSync, constants, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ErrorCode, FengkongError } from '../errors.js';

export interface OutputSet {
  /** Writes `text` beside `path` and answers where (a caller may read the staged file); nothing is in place until commit. */
  stage(path: string, text: string): string;
  /** Renames every staged file into place. */
  commit(): void;
  /** Removes the staged files (after a failure); the outputs in place, if any, stay as they were. */
  discard(): void;
}

/** A set whose paths are checked now: each is a file name in a directory that exists and can be written. */
export function createOutputSet(paths: readonly string[]): OutputSet {
  const unique = new Set(paths.map((path) => resolve(path)));
  if (unique.size !== paths.length)
    throw new FengkongError(ErrorCode.FILE_WRITE, `the same file is named for two outputs: ${paths.join(', ')}`);
  for (const path of paths) checkWritable(path);
  const staged = new Map<string, string>();
  return {
    stage(path, text) {
      if (!paths.includes(path)) throw new Error(`createOutputSet: ${path} was not declared`);
      const partial = `${path}.partial`;
      try {
        writeFileSync(partial, text);
      } catch (cause) {
        rmSync(partial, { force: true });
        throw writeFailed(path, cause);
      }
      staged.set(path, partial);
      return partial;
    },
    commit() {
      for (const [path, partial] of staged) {
        try {
          renameSync(partial, path);
        } catch (cause) {
          throw writeFailed(path, cause);
        }
      }
      staged.clear();
    },
    discard() {
      for (const partial of staged.values()) rmSync(partial, { force: true });
      staged.clear();
    },
  };
}

/** Stages every output, then commits; on any failure discards what was staged and rethrows. */
export async function writeOutputs(outputs: OutputSet, write: (set: OutputSet) => void | Promise<void>): Promise<void> {
  try {
    await write(outputs);
    outputs.commit();
  } catch (error) {
    outputs.discard();
    throw error;
  }
}

function checkWritable(path: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // No such file yet: the usual case.
  }
  if (isDirectory) throw new FengkongError(ErrorCode.FILE_WRITE, `${path}: is a directory, not a file name`);
  try {
    accessSync(dirname(resolve(path)), constants.W_OK);
  } catch (cause) {
    throw writeFailed(path, cause, 'its directory');
  }
}

function writeFailed(path: string, cause: unknown, what = ''): FengkongError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'error';
  return new FengkongError(ErrorCode.FILE_WRITE, `${path}: cannot be written (${what === '' ? code : `${what}: ${code}`})`, { cause });
}
