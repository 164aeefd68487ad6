// Identifiers (applicant id, device id, IP, email, phone) never reach reasons, explanations, the rows
// `score` rejects, or error messages, whatever they are and whatever the decision: a property over
// random identifiers, on applications built to hit every tier (a blocked device included).
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { renderExplanation } from '../../src/cli/explain.js';
import { scoreCsvFile } from '../../src/batch/scoreCsv.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import { jsonFilesIn, shippedPaths } from '../../src/engine/paths.js';
import { cleanEvent } from '../fixtures/events.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-privacy-'));
const token = fc.stringMatching(/^[a-z0-9]{12,20}$/).map((text) => `zq${text}`);
const identities = fc.record({
  applicant: token,
  device: token,
  local: token,
  octets: fc.tuple(fc.integer({ min: 11, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
  phone: fc.integer({ min: 2_000_000_000, max: 9_999_999_999 }),
  // 0: clean; 1: a review (income low); 2: a credit decline; 3: a blocked device (tier 3).
  kind: fc.integer({ min: 0, max: 3 }),
});
type Identities = typeof identities extends fc.Arbitrary<infer T> ? T : never;

let engineNumber = 0;
const blockedDevice = 'zqblockeddevice0001';
let lists: string[];
beforeAll(() => {
  const path = join(dir, 'blocked_devices.json');
  writeFileSync(
    path,
    JSON.stringify({ name: 'blocked_devices', kind: 'block', field: 'device_id', description: 'test', entries: [blockedDevice] }),
  );
  lists = [...jsonFilesIn(shippedPaths.listsDir).filter((file) => !file.endsWith('blocked_devices.json')), path];
});

function eventOf(draw: Identities) {
  const ip = `${draw.octets[0]}.${draw.octets[1]}.${draw.octets[2]}.${draw.octets[0]}`;
  const raws = [draw.applicant, draw.kind === 3 ? blockedDevice : draw.device, draw.local, ip, String(draw.phone)];
  engineNumber += 1;
  const event = cleanEvent({
    application_id: `P${engineNumber}`,
    applicant_id: draw.applicant,
    device_id: draw.kind === 3 ? blockedDevice : draw.device,
    email: `${draw.local}@gmail.com`,
    ip,
    phone: `+1${draw.phone}`,
    ...(draw.kind === 1 ? { annual_inc: 12000, funded_amnt: 3000 } : {}),
    ...(draw.kind === 2 ? { acc_now_delinq: 1 } : {}),
  });
  return { event, raws };
}

describe('identifiers never leave the engine', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ lists });
  });

  it('not in the decision, its reasons or its explanation, at any tier (property)', async () => {
    const tiers = new Set<number>();
    await fc.assert(
      fc.asyncProperty(identities, async (draw) => {
        const { event, raws } = eventOf(draw);
        const decision = await engine.decide(event);
        tiers.add(decision.tier);
        const texts = [JSON.stringify(decision), renderExplanation(decision)];
        for (const text of texts) for (const raw of raws) expect(text).not.toContain(raw);
      }),
      { numRuns: 120 },
    );
    expect([...tiers].sort()).toEqual([1, 2, 3]);
  });

  it('not in error messages for an invalid application, nor in a conflict (property)', async () => {
    await fc.assert(
      fc.asyncProperty(identities, async (draw) => {
        const { event, raws } = eventOf(draw);
        const invalid = await engine
          .decide({ ...event, funded_amnt: -5, email: `${draw.local}-not-an-email` })
          .catch((error: Error) => error);
        const decided = await engine.decide(event);
        const conflict = await engine.decide({ ...event, funded_amnt: event.funded_amnt + 1 }).catch((error: Error) => error);
        expect(decided.applicationId).toBe(event.application_id);
        for (const error of [invalid, conflict]) {
          expect(error).toBeInstanceOf(Error);
          for (const raw of raws) expect((error as Error).message).not.toContain(raw);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('not in the rows score rejects, nor in its decisions', async () => {
    const draws = fc.sample(identities, { numRuns: 40, seed: 7 });
    const columnNames = shippedDataModel().fieldNames;
    const header = columnNames.join(',');
    const lines = draws.map((draw, index) => {
      const { event } = eventOf(draw);
      // Every other row is broken: a negative amount, or a bad email.
      const row: Record<string, unknown> = {
        ...event,
        ...(index % 4 === 1 ? { funded_amnt: -1 } : {}),
        ...(index % 4 === 3 ? { email: 'x' } : {}),
      };
      return columnNames.map((name) => (row[name] === null || row[name] === undefined ? '' : String(row[name]))).join(',');
    });
    const input = join(dir, 'rows.csv');
    writeFileSync(input, `${header}\n${lines.join('\n')}\n`);
    const output = join(dir, 'rows.jsonl');
    const rejectsPath = join(dir, 'rows.rejects.jsonl');
    const summary = await scoreCsvFile(await createEngine({ lists }), { inputPath: input, outputPath: output, rejectsPath, chunkSize: 8 });
    expect([summary.read, summary.decided, summary.rejected]).toEqual([40, 20, 20]);
    const written = readFileSync(output, 'utf8') + readFileSync(rejectsPath, 'utf8');
    for (const draw of draws) {
      for (const raw of eventOf(draw).raws) expect(written).not.toContain(raw);
    }
  });
});
