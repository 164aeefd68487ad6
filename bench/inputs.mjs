// The benchmark's input: applications from the deterministic generator (`fengkong gen`) in a temporary
// folder, or the committed data/applications.csv, read into validated events as `score` reads them.
// Every run checks the events are time-ordered with distinct application ids: a repeated id returns
// the remembered decision and would time a lookup instead of a decision.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvents } from '../dist/batch/readEvents.js';

export const committedApplications = 'data/applications.csv';

/** A scratch folder under the system's temporary directory, removed by `remove()`. */
export function scratchFolder() {
  const path = mkdtempSync(join(tmpdir(), 'fengkong-bench-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes `rows` generated applications (default seed) into `folder`; answers the file's path. */
export function generateApplications(rows, folder) {
  const out = join(folder, `applications-${rows}.csv`);
  execFileSync(process.execPath, ['bin/fengkong.js', 'gen', '--rows', String(rows), '--out', out], { stdio: 'ignore' });
  return out;
}

/** The commit measured (short hash), marked when src/ differs from it; 'unknown' outside a git checkout. */
export function codeVersion() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const modified = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim() !== '';
    return modified ? `${commit} with src/ modified` : commit;
  } catch {
    return 'unknown';
  }
}

/** The file's valid events, checked to be in time order with no application id twice. */
export async function readDistinctEvents(path) {
  const { events, rejected } = await readEvents(path);
  if (rejected > 0) throw new Error(`${path}: ${rejected} rows rejected; the benchmark needs a clean file`);
  const ids = new Set();
  let previous = '';
  for (const event of events) {
    if (ids.has(event.application_id)) throw new Error(`${path}: application id ${event.application_id} occurs twice`);
    if (event.applied_at < previous) throw new Error(`${path}: events are not in time order at ${event.application_id}`);
    ids.add(event.application_id);
    previous = event.applied_at;
  }
  return events;
}
