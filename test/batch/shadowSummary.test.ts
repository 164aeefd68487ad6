// Challengers in `score`: a stricter credit cut-off run in shadow over the first applications of the
// committed data never changes the champion's decisions, and the summary counts exactly the outcomes
// the challenger would have changed, all of them towards a decline.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, scoreCsvFile, type Decision, type Outcome, type ScoreSummary } from '../../src/index.js';
import { shadowOutcome } from '../fixtures/decisions.js';
import { readConfigFile } from '../../src/cli/config.js';
import { formatSummary } from '../../src/cli/main.js';

const ROWS = 400;
const CHALLENGER = 'strict-credit';
const dir = mkdtempSync(join(tmpdir(), 'fk-shadow-'));

/** The shipped policy with the credit-score cut-off raised from 540 to 560. */
function writeStricterPolicy(path: string): void {
  const pack = JSON.parse(readFileSync('rules/policy/default.json', 'utf8')) as {
    rules: Array<{ name: string; conditions: { all: Array<{ value: number }> }; event: { params: { reason?: string } } }>;
  };
  const cutOff = pack.rules.find((rule) => rule.name === 'P_CREDIT_SCORE_LOW')!;
  expect(cutOff.conditions.all[0]!.value).toBe(540);
  cutOff.conditions.all[0]!.value = 560;
  cutOff.event.params.reason = 'Credit score below the lending cut-off of 560';
  writeFileSync(path, JSON.stringify(pack, null, 2));
}

interface Run {
  summary: ScoreSummary;
  decisions: Decision[];
  printed: string;
}

async function score(name: string, configPath?: string): Promise<Run> {
  const engine = await createEngine(configPath === undefined ? {} : readConfigFile(configPath));
  const outputPath = join(dir, `${name}.jsonl`);
  const rejectsPath = join(dir, `${name}.rejects.jsonl`);
  const summary = await scoreCsvFile(engine, { inputPath: join(dir, 'applications.csv'), outputPath, rejectsPath, chunkSize: 64 });
  const decisions = readFileSync(outputPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Decision);
  return { summary, decisions, printed: formatSummary(summary, outputPath, rejectsPath) };
}

/** A decision without what may differ between two runs or that only the challenger run has. */
function championPart(decision: Decision): unknown {
  const { shadow: _shadow, audit, ...rest } = decision;
  const { featuresUs: _f, rulesUs: _r, fraudUs: _fr, creditUs: _c, policyUs: _p, totalUs: _t, decidedAt: _d, ...hashes } = audit;
  delete (hashes as Record<string, unknown>).shadowUs;
  return { ...rest, hashes };
}

let alone: Run;
let withChallenger: Run;
beforeAll(async () => {
  const lines = readFileSync('data/applications.csv', 'utf8').split('\n');
  writeFileSync(join(dir, 'applications.csv'), `${lines.slice(0, ROWS + 1).join('\n')}\n`);
  writeStricterPolicy(join(dir, 'strict.json'));
  // A real config file: the challenger's policy path is relative to it.
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ challengers: [{ name: CHALLENGER, policyPack: 'strict.json' }] }));
  alone = await score('alone');
  withChallenger = await score('challenger', join(dir, 'config.json'));
});

describe('score with a challenger in shadow', () => {
  it('decides every row as the champion alone does: shadow never changes a decision', () => {
    expect(withChallenger.summary.decided).toBe(ROWS);
    expect(withChallenger.decisions.map(championPart)).toEqual(alone.decisions.map(championPart));
    expect(withChallenger.summary.outcomes).toEqual(alone.summary.outcomes);
    expect(withChallenger.summary.tiers).toEqual(alone.summary.tiers);
    expect(alone.summary.shadow).toEqual([]);
    expect(alone.decisions.every((decision) => decision.shadow === undefined)).toBe(true);
  });

  it("counts exactly the outcomes the written decisions' shadow verdicts change (brute force)", () => {
    const table: Record<Outcome, Record<Outcome, number>> = {
      approve: { approve: 0, review: 0, decline: 0 },
      review: { approve: 0, review: 0, decline: 0 },
      decline: { approve: 0, review: 0, decline: 0 },
    };
    let differ = 0;
    for (const decision of withChallenger.decisions) {
      const verdict = shadowOutcome(decision.shadow!.find((shadow) => shadow.challenger === CHALLENGER)!);
      table[decision.outcome][verdict.outcome] += 1;
      if (verdict.outcome !== decision.outcome) differ += 1;
    }
    expect(withChallenger.summary.shadow).toEqual([{ challenger: CHALLENGER, compared: ROWS, differ, failed: 0, outcomes: table }]);
  });

  it('moves only approvals and reviews to declines, each for a credit score between the two cut-offs', () => {
    const [comparison] = withChallenger.summary.shadow;
    expect(comparison!.differ).toBeGreaterThan(0);
    const outcomes = comparison!.outcomes;
    expect(outcomes.approve.review + outcomes.review.approve + outcomes.decline.approve + outcomes.decline.review).toBe(0);
    expect(outcomes.approve.decline + outcomes.review.decline).toBe(comparison!.differ);
    for (const decision of withChallenger.decisions) {
      const verdict = shadowOutcome(decision.shadow![0]!);
      if (verdict.outcome === decision.outcome) continue;
      expect(verdict.creditScore).toBeGreaterThanOrEqual(540);
      expect(verdict.creditScore).toBeLessThan(560);
      expect(verdict.primaryReasonCodes).toContain('P_CREDIT_SCORE_LOW');
    }
  });

  it('prints one line per challenger after the tiers and leaves the other summary lines as they were', () => {
    const { outcomes, differ } = withChallenger.summary.shadow[0]!;
    const changes = [
      ...(outcomes.approve.decline > 0 ? [`approve→decline ${outcomes.approve.decline}`] : []),
      ...(outcomes.review.decline > 0 ? [`review→decline ${outcomes.review.decline}`] : []),
    ];
    const line = `challenger ${CHALLENGER}: ${differ} of ${ROWS} outcomes differ (${changes.join(', ')})`;
    const printed = withChallenger.printed.split('\n');
    expect(printed[printed.findIndex((text) => text.startsWith('tiers: ')) + 1]).toBe(line);
    const sansTimingAndPaths = (text: string) =>
      text
        .split('\n')
        .filter((row) => !/rows\/s|^decisions: |^rejects: |^challenger /.test(row))
        .join('\n');
    expect(sansTimingAndPaths(withChallenger.printed)).toBe(sansTimingAndPaths(alone.printed));
    expect(alone.printed).not.toContain('challenger');
  });
});
