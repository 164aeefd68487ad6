// Batch scoring: every row ends as a decision or a reject with its line number, and the counts reconcile,
// whatever is broken in the file.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, ErrorCode, scoreCsvFile, type Decision, type Engine } from '../../src/index.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import { cleanEvent } from '../fixtures/events.js';

let engine: Engine;
const dir = mkdtempSync(join(tmpdir(), 'fk-score-'));
beforeAll(async () => {
  engine = await createEngine();
});

const columnNames = shippedDataModel().fieldNames;
const header = columnNames.join(',');
function goodLine(id: string, overrides: Record<string, unknown> = {}): string {
  const event = { ...cleanEvent({ application_id: id }), ...overrides } as Record<string, unknown>;
  return columnNames.map((name) => csvField(event[name])).join(',');
}
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

type Broken = { kind: string; line: (id: string) => string };
const brokenKinds: Broken[] = [
  { kind: 'unterminated quote', line: (id) => goodLine(id).replace('jane.doe', '"jane.doe') },
  { kind: 'too few fields', line: (id) => goodLine(id).split(',').slice(0, 10).join(',') },
  { kind: 'too many fields', line: (id) => `${goodLine(id)},extra` },
  { kind: 'garbage', line: () => '\u0000\u0001garbage;;;<<>>' },
  { kind: 'NaN in a numeric field', line: (id) => goodLine(id, { funded_amnt: 'NaN' }) },
  { kind: 'text in a numeric field', line: (id) => goodLine(id, { revol_util: '12,5' }) },
  { kind: 'unknown enum', line: (id) => goodLine(id, { term: 'term_12' }) },
  { kind: 'missing required value', line: (id) => goodLine(id, { annual_inc: null }) },
  { kind: 'bad timestamp', line: (id) => goodLine(id, { applied_at: '2016-13-45' }) },
];

async function score(text: string, name: string) {
  const input = join(dir, `${name}.csv`);
  writeFileSync(input, text);
  const out = join(dir, `${name}.jsonl`);
  const rejects = join(dir, `${name}.rejects.jsonl`);
  const summary = await scoreCsvFile(engine, { inputPath: input, outputPath: out, rejectsPath: rejects, chunkSize: 7 });
  const decisions = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { applicationId: string });
  const rejected = readFileSync(rejects, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { line: number; code: string; message: string });
  return { summary, decisions, rejected };
}

describe('scoreCsvFile', () => {
  it('reconciles read = decided + rejected for any mix of good and broken rows, any line endings (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: brokenKinds.length - 1 })), { minLength: 1, maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: 41, maxLength: 41 }),
        async (plan, crlf) => {
          run += 1;
          const lines = [header];
          const expectedGood: string[] = [];
          const expectedBadLines: number[] = [];
          plan.forEach((kind, index) => {
            const id = `B${String(index).padStart(6, '0')}`;
            if (kind < 0) {
              lines.push(goodLine(id));
              expectedGood.push(id);
            } else {
              lines.push(brokenKinds[kind]!.line(id));
              expectedBadLines.push(index + 2);
            }
          });
          const text = lines.map((line, index) => line + (crlf[index] ? '\r\n' : '\n')).join('');
          const { summary, decisions, rejected } = await score(text, `prop-${run}`);
          expect(summary.read).toBe(plan.length);
          expect(summary.read).toBe(summary.decided + summary.rejected);
          expect(decisions.map((decision) => decision.applicationId)).toEqual(expectedGood);
          expect(rejected.map((row) => row.line)).toEqual(expectedBadLines);
          expect(Object.values(summary.rejectedByCode).reduce((a, b) => a + b, 0)).toBe(summary.rejected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives each broken kind a clear code and message', async () => {
    const lines = [header, ...brokenKinds.map((broken, index) => broken.line(`K${index}`)), ''];
    const { summary, rejected } = await score(lines.join('\n'), 'kinds');
    expect(summary.decided).toBe(0);
    expect(rejected.map((row) => row.code)).toEqual([
      ErrorCode.CSV_RECORD,
      ErrorCode.CSV_RECORD,
      ErrorCode.CSV_RECORD,
      ErrorCode.CSV_RECORD,
      ErrorCode.EVENT_INVALID,
      ErrorCode.EVENT_INVALID,
      ErrorCode.EVENT_INVALID,
      ErrorCode.EVENT_INVALID,
      ErrorCode.EVENT_INVALID,
    ]);
    expect(rejected[0]!.message).toContain('unterminated quote');
    expect(rejected[1]!.message).toContain(`expected ${columnNames.length} fields, found 10`);
    expect(rejected[4]!.message).toContain('funded_amnt');
    expect(rejected[6]!.message).toContain('term');
    expect(rejected[7]!.message).toContain('annual_inc');
  });

  it('an unterminated quote does not swallow the rows after it', async () => {
    const text = [header, brokenKinds[0]!.line('Q1'), goodLine('Q2'), goodLine('Q3')].join('\n');
    const { decisions, rejected } = await score(text, 'quote');
    expect(decisions.map((decision) => decision.applicationId)).toEqual(['Q2', 'Q3']);
    expect(rejected.map((row) => row.line)).toEqual([2]);
  });

  it('a quoted newline is a reject on each of its physical lines, and the rows after it are decided', async () => {
    const withNewline = goodLine('N1').replace('jane.doe@gmail.com', '"jane\ndoe@gmail.com"');
    const text = [header, withNewline, goodLine('N2')].join('\n');
    const { summary, decisions } = await score(text, 'newline');
    expect(decisions.map((decision) => decision.applicationId)).toEqual(['N2']);
    expect(summary.read).toBe(summary.decided + summary.rejected);
    expect(summary.rejected).toBe(2);
  });

  it('a missing or renamed column is one clear header error, not a reject per row', async () => {
    const renamed = header.replace('annual_inc', 'annual_income');
    const input = join(dir, 'renamed.csv');
    writeFileSync(input, [renamed, goodLine('H1')].join('\n'));
    await expect(
      scoreCsvFile(engine, { inputPath: input, outputPath: join(dir, 'renamed.jsonl'), rejectsPath: join(dir, 'renamed.rejects.jsonl') }),
    ).rejects.toMatchObject({
      code: ErrorCode.CSV_HEADER,
      message: expect.stringMatching(/missing column\(s\) annual_inc.*unknown column\(s\) "annual_income"/),
    });
  });

  it('accepts columns in any order and without label or metadata columns', async () => {
    const names = columnNames
      .filter((name) => !['default', 'is_fraud', 'fraud_scenario', 'int_rate', 'sub_grade'].includes(name))
      .reverse();
    const event = cleanEvent({ application_id: 'O1' }) as Record<string, unknown>;
    const text = [names.join(','), names.map((name) => csvField(event[name])).join(',')].join('\n');
    const { decisions } = await score(text, 'order');
    expect(decisions.map((decision) => decision.applicationId)).toEqual(['O1']);
  });

  it('rejects never carry a raw identifier', async () => {
    const secretEmail = 'very.secret.person';
    const line = goodLine('P1', { email: `${secretEmail}@`, phone: '555-SECRET' });
    const { rejected } = await score([header, line].join('\n'), 'privacy');
    expect(rejected).toHaveLength(1);
    expect(JSON.stringify(rejected)).not.toContain(secretEmail);
    expect(JSON.stringify(rejected)).not.toContain('SECRET');
  });
});

describe('scoreCsvFile edge cases', () => {
  const scoreFile = (name: string, text: string | Buffer, out = join(dir, `${name}.jsonl`)) => {
    const input = join(dir, `${name}.csv`);
    writeFileSync(input, text);
    return scoreCsvFile(engine, { inputPath: input, outputPath: out, rejectsPath: `${out}.rejects.jsonl` });
  };

  it('a file without a header is one clear error that echoes none of the first row', async () => {
    const row = goodLine('X1', { email: 'hidden.person@example.com', device_id: 'dv_hidden_device', phone: '+13125550199' });
    const error = await scoreFile('headerless', `${row}\n`).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: ErrorCode.CSV_HEADER, message: expect.stringContaining('is not a header') });
    for (const secret of ['hidden.person', 'dv_hidden_device', '5550199', '73.12.44.9'])
      expect((error as Error).message).not.toContain(secret);
  });

  it('accepts a BOM and CRLF without a final newline', async () => {
    const summary = await scoreFile('bom', `\uFEFF${header}\r\n${goodLine('BOM1')}\r\n${goodLine('BOM2')}`);
    expect(summary).toMatchObject({ read: 2, decided: 2, rejected: 0 });
  });

  it('an empty file is a header error; a header-only file decides nothing', async () => {
    await expect(scoreFile('empty', '')).rejects.toMatchObject({ code: ErrorCode.CSV_HEADER, message: expect.stringContaining('empty') });
    expect(await scoreFile('header-only', `${header}\n`)).toMatchObject({ read: 0, decided: 0, rejected: 0 });
  });

  it('rejects an over-long line without holding it, and decides the rows after it', async () => {
    const long = `${goodLine('L1')}${'x'.repeat(3 * 1024 * 1024)}`;
    const summary = await scoreFile('long', [header, long, goodLine('L2')].join('\n'));
    expect(summary).toMatchObject({ read: 2, decided: 1, rejected: 1 });
    const rejects = readFileSync(join(dir, 'long.jsonl.rejects.jsonl'), 'utf8');
    expect(rejects).toContain('"line":2');
    expect(rejects).toContain('line longer than');
  });

  it('explains a bare carriage return line ending', async () => {
    await scoreFile('cr', [header, `${goodLine('C1')}\r${goodLine('C2')}`].join('\n'));
    expect(readFileSync(join(dir, 'cr.jsonl.rejects.jsonl'), 'utf8')).toContain('bare carriage return');
  });

  it('refuses to write over its input, and leaves earlier outputs untouched when the header is wrong', async () => {
    const input = join(dir, 'self.csv');
    writeFileSync(input, [header, goodLine('S1')].join('\n'));
    await expect(scoreCsvFile(engine, { inputPath: input, outputPath: input, rejectsPath: join(dir, 'self.rej') })).rejects.toMatchObject({
      code: 'FK_FILE_WRITE',
    });
    expect(readFileSync(input, 'utf8')).toContain('S1');
    const out = join(dir, 'kept.jsonl');
    writeFileSync(out, 'earlier decisions\n');
    await expect(scoreFile('bad-header', 'not,a,header\n1,2,3\n', out)).rejects.toMatchObject({ code: ErrorCode.CSV_HEADER });
    expect(readFileSync(out, 'utf8')).toBe('earlier decisions\n');
  });

  it('gives the same decisions beyond timings whatever the chunk size (fresh engines, committed data)', async () => {
    const text = readFileSync('data/applications.csv', 'utf8').split('\n').slice(0, 401).join('\n');
    const input = join(dir, 'chunks.csv');
    writeFileSync(input, text);
    const run = async (chunkSize: number) => {
      const out = join(dir, `chunks-${chunkSize}.jsonl`);
      await scoreCsvFile(await createEngine(), { inputPath: input, outputPath: out, rejectsPath: `${out}.rej`, chunkSize });
      return readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.stringify(JSON.parse(line, (key, value) => (/(Us|At|Id)$/.test(key) ? undefined : value))));
    };
    const [one, seven, all] = [await run(1), await run(7), await run(4096)];
    expect(one).toHaveLength(400);
    expect(seven).toEqual(one);
    expect(all).toEqual(one);
  });

  it('decides an event later than the allowed lateness and reports it as late', async () => {
    const lines = [
      header,
      goodLine('T1', { applied_at: '2016-02-10T17:00:00Z' }),
      goodLine('T2', { applied_at: '2016-02-10T16:55:00Z' }),
      goodLine('T3', { applied_at: '2016-02-10T15:00:00Z' }),
    ];
    const fresh = await createEngine();
    const input = join(dir, 'late.csv');
    writeFileSync(input, lines.join('\n'));
    const summary = await scoreCsvFile(fresh, {
      inputPath: input,
      outputPath: join(dir, 'late.jsonl'),
      rejectsPath: join(dir, 'late.rej'),
    });
    expect(summary).toMatchObject({ read: 3, decided: 3, lateEvents: 1 });
  });

  it('an output folder that does not exist is a coded error, not a crash', async () => {
    await expect(scoreFile('nodir', [header, goodLine('D1')].join('\n'), join(dir, 'no', 'such', 'dir', 'd.jsonl'))).rejects.toMatchObject({
      code: 'FK_FILE_WRITE',
    });
  });
});

describe('repeated application ids in a file', () => {
  it('writes a repeated row as its first decision and rejects a conflicting one, and the counts reconcile', async () => {
    const text = [header, goodLine('DUP1'), goodLine('DUP2'), goodLine('DUP1'), goodLine('DUP2', { funded_amnt: 20000 }), ''].join('\n');
    const input = join(dir, 'dups.csv');
    writeFileSync(input, text);
    const out = join(dir, 'dups.jsonl');
    const summary = await scoreCsvFile(await createEngine(), {
      inputPath: input,
      outputPath: out,
      rejectsPath: `${out}.rejects`,
      chunkSize: 2,
    });
    expect([summary.read, summary.decided, summary.rejected, summary.repeated]).toEqual([4, 3, 1, 1]);
    expect(summary.rejectedByCode).toEqual({ [ErrorCode.APPLICATION_CONFLICT]: 1 });
    const decisions = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Decision);
    expect(decisions.map((decision) => [decision.applicationId, decision.audit.repeated ?? false])).toEqual([
      ['DUP1', false],
      ['DUP2', false],
      ['DUP1', true],
    ]);
    expect(decisions[2]!.outcome).toBe(decisions[0]!.outcome);
    const rejected = JSON.parse(readFileSync(`${out}.rejects`, 'utf8').trim()) as { line: number; code: string };
    expect([rejected.line, rejected.code]).toEqual([5, ErrorCode.APPLICATION_CONFLICT]);
  });
});

describe('scoreCsvFile through a wrapped engine', () => {
  it('writes the decisions as the wrapper hands them over (redacted, say), not as the engine first made them', async () => {
    const real = await createEngine();
    const redacting: Engine = {
      ...real,
      async decideBatchSettled(events) {
        const settled = await real.decideBatchSettled(events);
        for (const decision of settled) {
          if (decision instanceof Error) continue;
          decision.stages.fraud!.contributions = [];
        }
        return settled;
      },
    };
    const input = join(dir, 'wrapped.csv');
    writeFileSync(input, [header, goodLine('W1'), goodLine('W2')].join('\n') + '\n');
    const out = join(dir, 'wrapped.jsonl');
    await scoreCsvFile(redacting, { inputPath: input, outputPath: out, rejectsPath: join(dir, 'wrapped.rejects.jsonl') });
    const written = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Decision);
    expect(written.map((decision) => decision.stages.fraud!.contributions)).toEqual([[], []]);
    // The engine itself writes its decisions whole.
    const whole = join(dir, 'whole.jsonl');
    await scoreCsvFile(await createEngine(), { inputPath: input, outputPath: whole, rejectsPath: join(dir, 'whole.rejects.jsonl') });
    const direct = readFileSync(whole, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Decision);
    expect(direct.every((decision) => decision.stages.fraud!.contributions.length > 0)).toBe(true);
  });
});
