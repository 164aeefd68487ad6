// `fengkong score --workers N`: chunks decided on worker threads end with the single-threaded run's
// output, decision for decision (timings aside): the same decisions in the same order, the same
// rejects, the same summary. The committed applications hold tier-3 fraud that freezes identities
// whose holders apply again later, so a freeze set in one chunk binds an application a worker is
// already deciding in the next: the main thread must decide that one again, and the summary says so.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main.js';
import { checkpointPathFor, readCheckpoint } from '../../src/batch/checkpoint.js';
import type { Decision } from '../../src/index.js';
import { runCommand } from '../fixtures/cli.js';
import { createEngine } from '../../src/engine/createEngine.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { compileAggregates, historyStoreOptions } from '../../src/features/aggregates.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import { scoreCsvFile } from '../../src/batch/scoreCsv.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APPLICATIONS = 'data/applications.csv';
const committed = readFileSync(APPLICATIONS, 'utf8').replace(/\n$/, '').split('\n');
const header = committed[0]!;
/** The committed data rows, A0000001 first. */
const rows = committed.slice(1);
const column = (name: string) => header.split(',').indexOf(name);
const ID = column('application_id');
const APPLIED_AT = column('applied_at');
const AMOUNT = column('funded_amnt');

function writeCsv(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${[header, ...lines].join('\n')}\n`);
  return path;
}

/** A committed row (1-based, as its application id A000xxxx) with some fields changed. */
function rowWith(n: number, changes: Record<number, string>): string {
  const fields = rows[n - 1]!.split(',');
  for (const [index, value] of Object.entries(changes)) fields[Number(index)] = value;
  return fields.join(',');
}
const appliedAt = (n: number) => rows[n - 1]!.split(',')[APPLIED_AT]!;
const shifted = (at: string, ms: number) => new Date(Date.parse(at) + ms).toISOString().replace('.000Z', 'Z');

const linesOf = (path: string): string[] => {
  const text = readFileSync(path, 'utf8');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
};

/** A decision's line without its timings: every `audit` key ending in `Us`, and `decidedAt` (key order kept). */
function withoutTimings(line: string): string {
  const decision = JSON.parse(line) as Decision;
  const audit = decision.audit as Record<string, unknown>;
  for (const key of Object.keys(audit)) if (key.endsWith('Us') || key === 'decidedAt') delete audit[key];
  return JSON.stringify(decision);
}

interface Scored {
  /** The decisions file's lines. */
  readonly lines: string[];
  readonly rejects: string[];
  /** The summary printed on stderr, line by line, the output's path written as <out>. */
  readonly summary: string[];
  /** `decided again after a freeze set in an earlier chunk: K`, or null without the worker line. */
  readonly redecided: number | null;
}

const WORKER_LINE = /^worker threads: (\d+) \(decided again after a freeze set in an earlier chunk: (\d+)\)$/;

/** `fengkong score <input> --out <dir>/<name>/decisions.jsonl ...flags`, which must succeed. */
async function score(input: string, name: string, ...flags: string[]): Promise<Scored> {
  mkdirSync(join(dir, name));
  const out = join(dir, name, 'decisions.jsonl');
  const { stderr, exitCode } = await runCommand('score', input, '--out', out, ...flags);
  expect(exitCode, stderr).toBe(EXIT.OK);
  return scored(out, stderr);
}

function scored(out: string, stderr: string): Scored {
  const summary = stderr.replaceAll(out, '<out>').replace(/\n$/, '').split('\n');
  return { lines: linesOf(out), rejects: linesOf(`${out}.rejects.jsonl`), summary, redecided: redecidedOf(summary) };
}

function redecidedOf(summary: readonly string[]): number | null {
  const matched = summary.map((line) => WORKER_LINE.exec(line)).filter((match) => match !== null);
  expect(matched.length).toBeLessThanOrEqual(1);
  return matched.length === 0 ? null : Number(matched[0]![2]);
}

/** The summary lines that must not depend on the threads: all but the rate and the worker line. */
const comparable = (summary: readonly string[]) => summary.filter((line) => !/ rows\/s \(/.test(line) && !WORKER_LINE.test(line));

/** Decision for decision, timings aside: the first line that differs is reported with its number. */
function expectSameDecisions(actual: readonly string[], expected: readonly string[]): void {
  expect(actual.length).toBe(expected.length);
  const a = actual.map(withoutTimings);
  const e = expected.map(withoutTimings);
  const first = a.findIndex((line, index) => line !== e[index]);
  if (first !== -1)
    expect({ line: first + 1, decision: JSON.parse(a[first]!) }).toEqual({ line: first + 1, decision: JSON.parse(e[first]!) });
}

/** A parallel run against the single-threaded one: decisions, rejects and summary (rate and worker line aside). */
function expectSameRun(parallel: Scored, single: Scored, workers: number): void {
  expectSameDecisions(parallel.lines, single.lines);
  expect(parallel.rejects).toEqual(single.rejects);
  expect(comparable(parallel.summary)).toEqual(comparable(single.summary));
  expect(single.redecided).toBeNull();
  expect(parallel.summary).toContainEqual(expect.stringMatching(new RegExp(`^worker threads: ${workers} \\(`)));
  expect(parallel.redecided).not.toBeNull();
}

/** `read R, decided D, rejected J` of a summary. */
function counts(summary: readonly string[]): { read: number; decided: number; rejected: number } {
  const line = summary.find((row) => row.startsWith('read '));
  const match = /^read (\d+), decided (\d+), rejected (\d+)/.exec(line ?? '');
  expect(match, summary.join('\n')).not.toBeNull();
  return { read: Number(match![1]), decided: Number(match![2]), rejected: Number(match![3]) };
}

const decisionsOf = (run: Scored) => run.lines.map((line) => JSON.parse(line) as Decision);

/** The single-threaded run of the whole committed file (default chunk size), shared by the tests that compare against it. */
let reference: Scored;
beforeAll(async () => {
  expect(committed.every((line) => !line.includes('"'))).toBe(true);
  expect(rows).toHaveLength(9857);
  reference = await score(APPLICATIONS, 'reference');
}, 60_000);

/**
 * A0000074 freezes its applicant (tier 3) for 180 days. The clock then moves on in steps of 6 days
 * (each recorded: less than a week ahead), and the same applicant applies again on day 179 as
 * Z0000001, the last row of the second chunk of 200. Then the next chunk moves the clock 42 days
 * further: its latest event puts the freeze behind the store's 30-day retention horizon. The answer
 * for Z0000001 must be "frozen" however far the run has read by the time it is decided.
 */
const HORIZON_CHUNK = 200;
function freezeHorizonInput(): string {
  const DAY = 24 * 3600 * 1000;
  const freezer = rows[73]!.split(',');
  expect(freezer[ID]).toBe('A0000074');
  const frozenFrom = Date.parse(freezer[APPLIED_AT]!);
  const ramp: number[] = [];
  for (let at = frozenFrom + 178 * DAY; at > Date.parse(appliedAt(2 * HORIZON_CHUNK)); at -= 6 * DAY) ramp.unshift(at);
  const before = rows.slice(0, 2 * HORIZON_CHUNK - ramp.length - 1);
  expect(Date.parse(appliedAt(before.length)) + 7 * DAY).toBeGreaterThan(ramp[0]!);
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const lines = [
    ...before,
    ...ramp.map((at, index) => rowWith(before.length + 1 + index, { [APPLIED_AT]: iso(at) })),
    rowWith(2 * HORIZON_CHUNK, {
      [ID]: 'Z0000001',
      [column('applicant_id')]: freezer[column('applicant_id')]!,
      [APPLIED_AT]: iso(frozenFrom + 179 * DAY),
    }),
    ...Array.from({ length: 7 }, (_, k) =>
      rowWith(2 * HORIZON_CHUNK + 1 + k, { [APPLIED_AT]: iso(frozenFrom + (179 + 6 * (k + 1)) * DAY) }),
    ),
  ];
  expect(lines[2 * HORIZON_CHUNK - 1]).toContain('Z0000001');
  return writeCsv('freeze-horizon.csv', lines);
}

describe('score --workers: the single-threaded output', () => {
  it('on the committed applications with 2 workers: same decisions, rejects and summary; cross-chunk freezes decided again', async () => {
    const parallel = await score(APPLICATIONS, 'workers-2', '--workers', '2');
    expectSameRun(parallel, reference, 2);
    expect(counts(reference.summary)).toEqual({ read: 9857, decided: 9857, rejected: 0 });
    // Applicants frozen by an earlier tier-3 decision apply again: the freeze path matters here…
    const frozen = decisionsOf(reference).filter((decision) => decision.stages.policy.identityFrozen === true);
    expect(frozen.length).toBeGreaterThan(0);
    expect(decisionsOf(parallel).filter((decision) => decision.stages.policy.identityFrozen === true)).toEqual(
      expect.arrayContaining(frozen.map((decision) => expect.objectContaining({ applicationId: decision.applicationId }))),
    );
    // …and some of those freezes were set in a chunk before the one a worker was deciding.
    expect(parallel.redecided).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('with 1 and 3 workers and chunks of 100 rows: the single-threaded run with the same chunk size', async () => {
    const slice = writeCsv('slice.csv', rows.slice(0, 3000));
    const single = await score(slice, 'slice-single', '--chunk-size', '100');
    expect(counts(single.summary)).toEqual({ read: 3000, decided: 3000, rejected: 0 });
    expect(decisionsOf(single).some((decision) => decision.stages.policy.identityFrozen)).toBe(true);
    for (const workers of [1, 3]) {
      const parallel = await score(slice, `slice-workers-${workers}`, '--chunk-size', '100', '--workers', String(workers));
      expectSameRun(parallel, single, workers);
    }
  }, 60_000);

  it('--compact and --fields: byte for byte the single-threaded lines', async () => {
    const fields = ['--fields', 'outcome,stages.credit.score,audit.inputHash,stages.policy.identityFrozen'];
    for (const [name, flags] of [
      ['compact', ['--compact']],
      ['fields', fields],
    ] as const) {
      const single = await score(APPLICATIONS, `${name}-single`, ...flags);
      const parallel = await score(APPLICATIONS, `${name}-workers`, '--workers', '2', ...flags);
      expect(parallel.lines).toHaveLength(9857);
      expect(readFileSync(join(dir, `${name}-workers`, 'decisions.jsonl'), 'utf8')).toBe(
        readFileSync(join(dir, `${name}-single`, 'decisions.jsonl'), 'utf8'),
      );
      expect(parallel.rejects).toEqual(single.rejects);
      expect(comparable(parallel.summary)).toEqual(comparable(single.summary));
    }
    // The projections are what they say: the whole decisions' fields, in order.
    const projected = linesOf(join(dir, 'fields-workers', 'decisions.jsonl')).map((line) => JSON.parse(line) as Record<string, unknown>);
    projected.forEach((row, index) => {
      const decision = JSON.parse(reference.lines[index]!) as Decision;
      expect(row).toEqual({
        outcome: decision.outcome,
        'stages.credit.score': decision.stages.credit!.score,
        'audit.inputHash': decision.audit.inputHash,
        'stages.policy.identityFrozen': decision.stages.policy.identityFrozen,
      });
    });
  }, 90_000);

  it('an applicant frozen in a chunk a worker is still deciding applies in the next: decided again, whole or projected', async () => {
    // A0000074 freezes its applicant; the same applicant applies in the second chunk, three rows read
    // in a moment while a worker decides the first 1000: told "not frozen", so decided again on the
    // main thread once the freeze is settled.
    const applicant = rows[73]!.split(',')[column('applicant_id')]!;
    const lines = [...rows.slice(0, 1001), rowWith(1002, { [ID]: 'R0000001', [column('applicant_id')]: applicant }), rows[1002]!];
    const input = writeCsv('returning.csv', lines);
    for (const [name, flags] of [
      ['whole', []],
      ['compact', ['--compact']],
      ['fields', ['--fields', 'applicationId,outcome,stages.policy.identityFrozen,reasons.primary']],
    ] as const) {
      const single = await score(input, `returning-${name}-single`, '--chunk-size', '1000', ...flags);
      const parallel = await score(input, `returning-${name}-workers`, '--chunk-size', '1000', '--workers', '2', ...flags);
      if (name === 'whole') {
        expectSameRun(parallel, single, 2);
        const returning = JSON.parse(single.lines[1001]!) as Decision;
        expect(returning.applicationId).toBe('R0000001');
        expect(returning.stages.policy.identityFrozen).toBe(true);
      } else {
        expect(readFileSync(join(dir, `returning-${name}-workers`, 'decisions.jsonl'), 'utf8')).toBe(
          readFileSync(join(dir, `returning-${name}-single`, 'decisions.jsonl'), 'utf8'),
        );
        expect(comparable(parallel.summary)).toEqual(comparable(single.summary));
      }
      expect(parallel.redecided).toBe(1);
    }
  }, 60_000);

  it('repeats and conflicts of an application id in the same chunk, the next one and days later', async () => {
    const DAY = 24 * 3600 * 1000;
    const repeat = (n: number) => rows[n - 1]!;
    const conflict = (n: number) => rowWith(n, { [AMOUNT]: String(Number(rows[n - 1]!.split(',')[AMOUNT]) + 500) });
    // Rows inserted after committed row n (chunks of 50 valid rows: rows 1–50 are the first chunk).
    const after = new Map<number, string[]>([
      [10, [repeat(8), conflict(5)]], // same chunk
      [12, [repeat(8), repeat(11)]], // a repeat of a repeat; the row just before
      [55, [repeat(45), conflict(48)]], // next chunk, while the first may still be decided
      [62, [repeat(45)]],
      [99, [repeat(99), repeat(99)]],
      [200, [rowWith(200, { [ID]: 'L0000200', [APPLIED_AT]: shifted(appliedAt(200), -3 * 3600 * 1000) })]], // late: not in the history
      [201, [rowWith(201, { [ID]: 'L0000201', [APPLIED_AT]: shifted(appliedAt(201), -5 * 60 * 1000) })]], // out of order, within the lateness
      [420, [repeat(30), conflict(31)]], // days later: the decision is released, the input hash held
      // A0001327 freezes its applicant (tier 3); A0001517, the same applicant, applies later.
      // The same applicant under new application ids: in the same chunk, and in the next one (which
      // repeats no id of the chunk before, so a worker decides it before the freeze is settled).
      [1327, [repeat(1327), rowWith(1327, { [ID]: 'F0001327', [APPLIED_AT]: shifted(appliedAt(1327), 1000) })]],
      [1352, [rowWith(1351, { [ID]: 'F0001351', [column('applicant_id')]: rows[1326]!.split(',')[column('applicant_id')]! })]],
      [1400, [repeat(1327), conflict(1327)]], // two chunks on, within the day
      [1518, [repeat(1517), conflict(1517)]],
    ]);
    const lines: string[] = [];
    for (const [index, row] of rows.slice(0, 1600).entries()) lines.push(row, ...(after.get(index + 1) ?? []));
    expect(Date.parse(appliedAt(420)) - Date.parse(appliedAt(30))).toBeGreaterThan(DAY);
    const input = writeCsv('repeats.csv', lines);
    const single = await score(input, 'repeats-single', '--chunk-size', '50');
    const parallel = await score(input, 'repeats-workers', '--chunk-size', '50', '--workers', '2');
    expectSameRun(parallel, single, 2);

    // The cases are what they are meant to be.
    const repeats = decisionsOf(single).filter((decision) => decision.audit.repeated === true);
    expect(repeats.map((decision) => decision.applicationId)).toEqual([
      'A0000008',
      'A0000008',
      'A0000011',
      'A0000045',
      'A0000045',
      'A0000099',
      'A0000099',
      'A0001327',
      'A0001327',
      'A0001517',
    ]);
    expect(single.summary).toContain('repeated application ids (the first decision written again): 10');
    expect(single.summary).toContain('late events (decided, not recorded in the velocity history): 1');
    const rejected = single.rejects.map((line) => JSON.parse(line) as { line: number; code: string; message: string });
    expect(rejected.map((row) => [row.code, /application (\w+)/.exec(row.message)![1]])).toEqual([
      ['FK_APPLICATION_CONFLICT', 'A0000005'],
      ['FK_APPLICATION_CONFLICT', 'A0000048'],
      ['FK_APPLICATION_REPEATED', 'A0000030'],
      ['FK_APPLICATION_CONFLICT', 'A0000031'],
      ['FK_APPLICATION_CONFLICT', 'A0001327'],
      ['FK_APPLICATION_CONFLICT', 'A0001517'],
    ]);
    expect(rejected.map((row) => row.line)).toEqual([...rejected.map((row) => row.line)].sort((a, b) => a - b));
    const byId = new Map(decisionsOf(single).map((decision) => [decision.applicationId, decision]));
    expect(byId.get('A0001327')!.actions).toContain('freeze_identity');
    for (const id of ['F0001327', 'F0001351', 'A0001517']) expect(byId.get(id)!.stages.policy.identityFrozen).toBe(true);
  }, 60_000);

  it('invalid lines mixed in: the same rejects, in line order; read = decided + rejected', async () => {
    const lines = rows.slice(0, 600);
    const bad = rowWith(20, { [AMOUNT]: 'abc' });
    // From the end, so each index is the committed row's: the file's line number is index + 2 (header first).
    lines.splice(500, 0, ...Array.from({ length: 70 }, (_, i) => `broken,${i}`)); // a chunk of nothing but rejects
    lines.splice(300, 0, bad.replace('A0000020', 'B0000300'));
    lines.splice(120, 0, '');
    lines.splice(60, 0, 'A9999999,"unterminated');
    lines.splice(49, 0, 'not,a,row');
    lines.splice(3, 0, bad, '   ');
    lines.push('the,end');
    const input = writeCsv('invalid.csv', lines);
    const single = await score(input, 'invalid-single', '--chunk-size', '50');
    const parallel = await score(input, 'invalid-workers', '--chunk-size', '50', '--workers', '2');
    expectSameRun(parallel, single, 2);

    const rejected = parallel.rejects.map((line) => JSON.parse(line) as { line: number; code: string });
    const fileLines = readFileSync(input, 'utf8').split('\n');
    const expectedLines = fileLines.flatMap((text, index) =>
      index > 0 && text.trim() !== '' && (text.split(',').length !== 34 || text.includes('"') || text.includes(',abc,')) ? [index + 1] : [],
    );
    expect(expectedLines).toHaveLength(75);
    expect(rejected.map((row) => row.line)).toEqual(expectedLines);
    // The two rows with an amount of `abc` are read as records and refused as events; the others are no records.
    const badAmounts = fileLines.flatMap((text, index) => (text.includes(',abc,') ? [index + 1] : []));
    expect(badAmounts).toHaveLength(2);
    expect(rejected.filter((row) => row.code !== 'FK_CSV_RECORD').map((row) => row.line)).toEqual(badAmounts);
    expect(counts(parallel.summary)).toEqual({ read: 600 + 75, decided: 600, rejected: 75 });
    expect(parallel.summary[0]).toMatch(/, blank lines skipped 2$/);
  }, 60_000);

  it('a freeze near the end of its 180 days binds the application as it did when its chunk was read, whatever the chunks read after it', async () => {
    const input = freezeHorizonInput();
    const single = await score(input, 'horizon-single', '--chunk-size', String(HORIZON_CHUNK));
    const returning = decisionsOf(single).find((decision) => decision.applicationId === 'Z0000001')!;
    expect(returning.stages.policy.identityFrozen).toBe(true);
    expect(returning.reasons.primary[0]!.code).toBe('P_IDENTITY_FROZEN');
    const parallel = await score(input, 'horizon-workers', '--chunk-size', String(HORIZON_CHUNK), '--workers', '2');
    expectSameRun(parallel, single, 2);
  }, 60_000);

  it('the same freeze binds alike whatever the chunk size, single-threaded: each application as if decided alone', async () => {
    const input = freezeHorizonInput();
    const alone = await score(input, 'horizon-alone', '--chunk-size', '1');
    expect(decisionsOf(alone).find((decision) => decision.applicationId === 'Z0000001')!.stages.policy.identityFrozen).toBe(true);
    for (const size of [HORIZON_CHUNK, 1000]) {
      const chunked = await score(input, `horizon-chunk-${size}`, '--chunk-size', String(size));
      expectSameDecisions(chunked.lines, alone.lines);
      expect(comparable(chunked.summary)).toEqual(comparable(alone.summary));
    }
  }, 60_000);

  it('on a store that sweeps after every observation (a freeze dropped while its chunk is in flight): the single-threaded output', async () => {
    const input = freezeHorizonInput();
    const run = async (name: string, workers: number) => {
      mkdirSync(join(dir, name));
      const out = join(dir, name, 'decisions.jsonl');
      const store = createMemoryStore({ ...historyStoreOptions(compileAggregates(shippedDataModel())), sweepEvery: 1 });
      const summary = await scoreCsvFile(await createEngine({}, { store }), {
        inputPath: input,
        outputPath: out,
        rejectsPath: `${out}.rejects.jsonl`,
        chunkSize: HORIZON_CHUNK,
        ...(workers === 0 ? {} : { workers: { count: workers, config: {}, fields: null } }),
      });
      return { lines: linesOf(out), summary };
    };
    const single = await run('sweep-single', 0);
    const z = single.lines.map((line) => JSON.parse(line) as Decision).find((decision) => decision.applicationId === 'Z0000001')!;
    expect(z.stages.policy.identityFrozen).toBe(true);
    for (const workers of [1, 2]) {
      const parallel = await run(`sweep-workers-${workers}`, workers);
      expectSameDecisions(parallel.lines, single.lines);
      expect(parallel.summary.outcomes).toEqual(single.summary.outcomes);
    }
  }, 60_000);

  it('a freeze over before the store horizon does not bind a very late application, in a batch or alone, with or without workers', async () => {
    // A0000074 freezes its applicant for 180 days; rows follow every 6 days up to day 216; then the
    // same applicant applies dated day 1 (215 days late). One at a time the store, 30 days of
    // retention behind day 216, no longer counts the freeze (it ended on day 180): not frozen. The
    // freeze set earlier in the same batch, or in a chunk settled since, must count the same way.
    const DAY = 24 * 3600 * 1000;
    const freezer = rows[73]!.split(',');
    expect(freezer[ID]).toBe('A0000074');
    const frozenFrom = Date.parse(freezer[APPLIED_AT]!);
    const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const lines = rows.slice(0, 74);
    for (let at = frozenFrom + 6 * DAY; at <= frozenFrom + 216 * DAY; at += 6 * DAY)
      lines.push(rowWith(lines.length + 1, { [APPLIED_AT]: iso(at) }));
    lines.push(
      rowWith(lines.length + 1, {
        [ID]: 'Z0000001',
        [column('applicant_id')]: freezer[column('applicant_id')]!,
        [APPLIED_AT]: iso(frozenFrom + DAY),
      }),
    );
    const input = writeCsv('freeze-over.csv', lines);
    const alone = await score(input, 'over-alone', '--chunk-size', '1');
    const late = decisionsOf(alone).find((decision) => decision.applicationId === 'Z0000001')!;
    expect(late.stages.policy.identityFrozen).toBe(false);
    for (const size of ['20', '40', '1000']) {
      const chunked = await score(input, `over-chunk-${size}`, '--chunk-size', size);
      expectSameDecisions(chunked.lines, alone.lines);
      const parallel = await score(input, `over-workers-${size}`, '--chunk-size', size, '--workers', '2');
      expectSameDecisions(parallel.lines, alone.lines);
    }
  }, 90_000);

  it('a repeated application id in the same batch is judged as the store judges it alone: held a day, then refused', async () => {
    // Row 30 again after 421 rows (some 47 days of the committed history): decided alone, its first
    // decision is no longer held (a day), so the repeat is refused; in one chunk of 1000 it must be too.
    const lines = [...rows.slice(0, 421), rows[29]!];
    const input = writeCsv('repeat-later.csv', lines);
    const alone = await score(input, 'repeat-alone', '--chunk-size', '1');
    expect(alone.rejects).toHaveLength(1);
    expect(JSON.parse(alone.rejects[0]!)).toMatchObject({ line: 423, code: 'FK_APPLICATION_REPEATED' });
    for (const [name, flags] of [
      ['repeat-chunk', ['--chunk-size', '1000']],
      ['repeat-workers', ['--chunk-size', '1000', '--workers', '2']],
    ] as const) {
      const run = await score(input, name, ...flags);
      expectSameDecisions(run.lines, alone.lines);
      expect(run.rejects).toEqual(alone.rejects);
    }
  }, 60_000);

  it('a chunk of 20,000 rows fits a worker: its heap is sized for the chunk', async () => {
    const parallel = await score(APPLICATIONS, 'big-chunk', '--chunk-size', '20000', '--workers', '1');
    expectSameDecisions(parallel.lines, reference.lines);
  }, 60_000);

  it('refuses workers for an engine with custom operators, which a worker cannot be given', async () => {
    const engine = await createEngine({}, { operators: { divisibleBy: (fact, value) => Number(fact) % Number(value) === 0 } });
    const out = join(dir, 'operators.jsonl');
    await expect(
      scoreCsvFile(engine, {
        inputPath: APPLICATIONS,
        outputPath: out,
        rejectsPath: `${out}.rejects.jsonl`,
        workers: { count: 1, config: {}, fields: null },
      }),
    ).rejects.toMatchObject({ code: 'FK_CONFIG_INVALID', message: expect.stringContaining('custom operators') });
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('with challengers: the same shadow verdicts and the same comparison lines', async () => {
    const pack = JSON.parse(readFileSync('rules/policy/default.json', 'utf8')) as {
      rules: Array<{ name: string; conditions: { all: Array<{ value: number }> } }>;
    };
    pack.rules.find((rule) => rule.name === 'P_CREDIT_SCORE_LOW')!.conditions.all[0]!.value = 560;
    writeFileSync(join(dir, 'strict.json'), JSON.stringify(pack));
    const config = join(dir, 'challengers.json');
    writeFileSync(
      config,
      JSON.stringify({
        challengers: [
          { name: 'strict-credit', policyPack: 'strict.json' },
          { name: 'no-fraud-model', fraudModel: null },
        ],
      }),
    );
    const input = writeCsv('challengers.csv', rows.slice(0, 1600));
    const single = await score(input, 'challengers-single', '--config', config, '--chunk-size', '100');
    const parallel = await score(input, 'challengers-workers', '--config', config, '--chunk-size', '100', '--workers', '2');
    expectSameRun(parallel, single, 2);
    const comparisons = (summary: readonly string[]) => summary.filter((line) => line.startsWith('challenger '));
    expect(comparisons(single.summary)).toHaveLength(2);
    expect(comparisons(single.summary)[0]).toMatch(/^challenger strict-credit: [1-9]\d* of 1600 outcomes differ \(/);
    expect(comparisons(parallel.summary)).toEqual(comparisons(single.summary));
    expect(decisionsOf(parallel).map((decision) => decision.shadow)).toEqual(decisionsOf(single).map((decision) => decision.shadow));
    expect(decisionsOf(single).every((decision) => decision.shadow?.length === 2)).toBe(true);
  }, 60_000);
});

describe('score --workers --resume', () => {
  const RESUME = ['--resume', '--checkpoint-every', '1000'];

  it('run to the end with checkpoints: the single-threaded output', async () => {
    const parallel = await score(APPLICATIONS, 'resume-complete', ...RESUME, '--workers', '2');
    expectSameRun(parallel, reference, 2);
    // A checkpoint every 1000 rows drains every chunk (1024 rows) before the next is read; every 3000
    // rows leaves three chunks in flight between checkpoints, and freezes decided again among them.
    const spaced = await score(APPLICATIONS, 'resume-spaced', '--resume', '--checkpoint-every', '3000', '--workers', '2');
    expectSameRun(spaced, reference, 2);
    expect(spaced.redecided).toBeGreaterThanOrEqual(1);
    expect(existsSync(checkpointPathFor(join(dir, 'resume-complete', 'decisions.jsonl')))).toBe(false);
  }, 60_000);

  it('killed with SIGKILL mid-file and resumed with workers: the single-threaded output', async () => {
    mkdirSync(join(dir, 'resume-killed'));
    const out = join(dir, 'resume-killed', 'decisions.jsonl');
    const checkpoint = checkpointPathFor(out);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/tools/fengkong-src.ts', 'score', APPLICATIONS, '--out', out, ...RESUME, '--workers', '2', '--quiet'],
      { stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    try {
      for (;;) {
        if (existsSync(checkpoint) && readCheckpoint(checkpoint).linesConsumed >= 3000) break;
        if (child.exitCode !== null) throw new Error('the run ended before it could be killed');
        await sleep(5);
      }
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    const consumed = readCheckpoint(checkpoint).linesConsumed;
    expect(consumed).toBeLessThan(9858);

    const { stderr, exitCode } = await runCommand('score', APPLICATIONS, '--out', out, ...RESUME, '--workers', '2');
    expect(exitCode, stderr).toBe(EXIT.OK);
    expect(stderr).toContain(`resumed after line ${consumed}`);
    const resumed = scored(out, stderr);
    expectSameDecisions(resumed.lines, reference.lines);
    expect(resumed.rejects).toEqual(reference.rejects);
    // The counts carried over by the checkpoint add up to the uninterrupted run's.
    const counted = (summary: readonly string[]) => comparable(summary).filter((line) => !line.startsWith('resumed after line'));
    expect(counted(resumed.summary)).toEqual(comparable(reference.summary));
    expect(existsSync(checkpoint)).toBe(false);
  }, 90_000);
});
