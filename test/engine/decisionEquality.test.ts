// Acceptance of the declared data model: the committed applications, scored with the engine as it reads
// data/applications.data-model.json, give the decisions the engine gave when the lending schema and its
// velocity facts were hard-coded (commit 091670c), field for field. The reference is a digest per
// decision (test/fixtures/lending-decisions-before-data-model.digest.gz: id and the first 16 hex of the
// sha256 of the decision's JSON without timings, decidedAt, schemaVersion and audit.dataModelSha256 —
// the fields that vary between runs, or that the data model added). The shipped fraud model file was
// since rewritten in format version 2, which says what each feature reads, with the same numbers: its
// hash stands in for the version-1 file's (every probability and contribution is still compared).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createEngine, scoreCsvFile } from '../../src/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const IGNORED: ReadonlySet<string> = new Set(['decidedAt', 'dataModelSha256', 'schemaVersion']);
/** models/fraud-lr.json in format version 1, as the reference decisions were made with. */
const FRAUD_MODEL_V1_SHA256 = '818c3d0dddf4869d3ef3224b33459f6f7de017f0b766e57e288efba6c6c37f2b';
const FRAUD_MODEL_SHA256 = createHash('sha256').update(readFileSync('models/fraud-lr.json')).digest('hex');

/** A decision's JSON without what varies between runs or was added by the data model. */
function decisionDigest(json: string): string {
  const stable = JSON.parse(json, (key, value: unknown) =>
    /Us$/.test(key) || IGNORED.has(key)
      ? undefined
      : key === 'fraudModelSha256' && value === FRAUD_MODEL_SHA256
        ? FRAUD_MODEL_V1_SHA256
        : value,
  ) as { applicationId: string };
  return `${stable.applicationId} ${createHash('sha256').update(JSON.stringify(stable)).digest('hex').slice(0, 16)}`;
}

describe('the shipped set-up decides as before the data model', () => {
  it('gives all 9,857 committed applications their earlier decisions, field for field', async () => {
    const expected = gunzipSync(readFileSync('test/fixtures/lending-decisions-before-data-model.digest.gz'))
      .toString('utf8')
      .trim()
      .split('\n');
    const scratch = mkdtempSync(join(tmpdir(), 'fk-equality-'));
    try {
      const out = join(scratch, 'decisions.jsonl');
      const engine = await createEngine();
      await scoreCsvFile(engine, { inputPath: 'data/applications.csv', outputPath: out, rejectsPath: join(scratch, 'rejects.jsonl') });
      const actual = readFileSync(out, 'utf8').trim().split('\n').map(decisionDigest);
      expect(actual).toHaveLength(9857);
      const differing = actual.filter((line, index) => line !== expected[index]);
      expect(differing.slice(0, 5)).toEqual([]);
      expect(engine.audit.dataModelSha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
