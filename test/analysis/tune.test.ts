// Threshold tuning: the search finds a hand-computed optimum and never does worse than the current
// thresholds when they meet the constraint; the tuned pack is a valid pack the engine loads; the
// tuning and check slices are disjoint and in time order; on the committed data a realistic
// constraint found on the tuning slice holds on the later check slice, by a real replay.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/index.js';
import { PolicyPack } from '../../src/schema/policyPack.js';
import type { PolicyFacts } from '../../src/policy/facts.js';
import { loadPolicyInputs } from '../../src/analysis/tunePolicyInputs.js';
import { decideRows, searchThresholds, type SearchGrid, type TuningRow } from '../../src/analysis/tuneSearch.js';
import { readThresholds, requote, withThresholds, type PolicyThresholds } from '../../src/analysis/tuneThresholds.js';
import { meets, violation } from '../../src/analysis/tuneMetrics.js';
import { slicesSample, tuneSlices } from '../../src/analysis/tuneSlices.js';
import { checkVerdict } from '../../src/analysis/tuneReport.js';
import { tunePolicy, tuningRows, type TuneResult } from '../../src/analysis/tune.js';
import { configSha256, replayLabelled } from '../../src/analysis/replay.js';
import { cleanEvent } from '../fixtures/events.js';

const dir = mkdtempSync(join(tmpdir(), 'fk-tune-'));
const shippedInputs = loadPolicyInputs({});
const shipped = shippedInputs.policy;
const current = readThresholds(shipped.pack, shipped.path);

/** Policy facts of an application on which no rule fired: only the two scores differ. */
function row(fraudProbability: number, creditScore: number, labels: { fraud?: boolean; bad?: boolean } = {}): TuningRow {
  const facts: PolicyFacts = {
    fraudProbability,
    creditScore,
    creditPd: 0.05,
    firedRuleCodes: [],
    declineRuleCount: 0,
    reviewRuleCount: 0,
    infoRuleCount: 0,
    fraudDeclineRuleCount: 0,
    creditDeclineRuleCount: 0,
    fraudReviewRuleCount: 0,
    creditReviewRuleCount: 0,
    listHits: [],
    blockListHitCount: 0,
    identityFrozen: false,
    funded_amnt: 10_000,
  };
  return { facts, amount: 10_000, isFraud: labels.fraud === true, defaulted: labels.bad === true, intRatePercent: 12, termMonths: 36 };
}

/** A small grid keeps the property tests quick; the coordinate steps stay fine. */
const smallGrid: SearchGrid = {
  fraudCoarse: [0.1, 0.3, 0.5, 0.7],
  fraudFine: Array.from({ length: 99 }, (_, index) => (index + 1) / 100),
  approvalFloorCoarse: [500, 520, 540, 560, 580, 600],
  creditFine: Array.from({ length: 141 }, (_, index) => 480 + index),
  marginalWidths: [1, 5, 10, 20],
};

describe('the threshold search on hand-built rows', () => {
  // Genuine rows at scores 500..590 (bad at 500, 510, 530), one genuine good at fraud probability 0.4,
  // two frauds at 0.5 with a good score. Under bad rate ≤ 15% and all fraud caught the best policy
  // reviews from a fraud probability in (0.4, 0.5] and approves scores from 520 (floor in (510, 520]):
  // 9 approvals, 1 bad (530). Approving 510 too gives 2 bad in 10 (20%); reviewing 0.4 loses one.
  const rows = [
    ...[500, 510, 520, 530, 540, 550, 560, 570, 580, 590].map((score) => row(0.01, score, { bad: [500, 510, 530].includes(score) })),
    row(0.4, 600),
    row(0.5, 620, { fraud: true }),
    row(0.5, 630, { fraud: true }),
  ];
  const spec = { objective: 'approvals' as const, constraints: { maxBadRate: 0.15, minFraudCaught: 1 }, confidence: 0 };

  it('finds the known optimum: 9 approvals, review from (0.4, 0.5], approve from a floor in (510, 520]', () => {
    const result = searchThresholds(shipped, current, rows, spec);
    expect(result.feasible).toBe(true);
    expect(result.chosen.metrics).toMatchObject({ approved: 9, badRate: { count: 1, total: 9 }, fraudCaught: { count: 2, total: 2 } });
    const { fraudReview, creditMarginal } = result.chosen.thresholds;
    expect(fraudReview).toBeGreaterThan(0.4);
    expect(fraudReview).toBeLessThanOrEqual(0.5);
    expect(creditMarginal).toBeGreaterThan(510);
    expect(creditMarginal).toBeLessThanOrEqual(520);
    // The current policy approves 5: scores 550-590 (the 0.4 row is reviewed from 0.3).
    expect(result.current.metrics.approved).toBe(5);
  });

  it('keeps what the objective cannot tell apart as it is: the fraud decline cut-off stays at 0.9', () => {
    expect(searchThresholds(shipped, current, rows, spec).chosen.thresholds.fraudDecline).toBe(current.fraudDecline);
  });

  it('matches an exhaustive search over the review cut-off and the lowest score approved', () => {
    const result = searchThresholds(shipped, current, rows, spec, smallGrid);
    let best = 0;
    for (const fraudReview of smallGrid.fraudFine) {
      for (const floor of smallGrid.creditFine) {
        const thresholds = {
          ...current,
          fraudReview,
          fraudDecline: Math.max(fraudReview, 0.9),
          creditDecline: floor - 1,
          creditMarginal: floor,
        };
        const metrics = decideRows(shipped, thresholds, rows);
        if (meets(metrics, spec.constraints) && metrics.approved > best) best = metrics.approved;
      }
    }
    expect(result.chosen.metrics.approved).toBe(best);
  });

  it('says so when nothing meets the constraint, and then still maximises approvals', () => {
    // A fraud scored below every review cut-off searched (0.01) with a score above every floor (680) is always approved.
    const unreachable = [row(0.001, 700, { fraud: true }), row(0.01, 600)];
    const result = searchThresholds(shipped, current, unreachable, { ...spec, constraints: { minFraudCaught: 1 } }, smallGrid);
    expect(result.feasible).toBe(false);
    expect(violation(result.chosen.metrics, { minFraudCaught: 1 })).toBe(1);
    expect(result.chosen.metrics.approved).toBe(2);
  });

  it('never chooses fewer approvals than the current thresholds when they meet the constraint (random rows)', () => {
    const labelledRow = fc
      .record({
        fraud: fc.integer({ min: 1, max: 99 }),
        score: fc.integer({ min: 490, max: 620 }),
        isFraud: fc.boolean(),
        bad: fc.boolean(),
      })
      .map(({ fraud, score, isFraud, bad }) => row(fraud / 100, score, { fraud: isFraud, bad }));
    fc.assert(
      fc.property(fc.array(labelledRow, { minLength: 1, maxLength: 25 }), fc.integer({ min: 5, max: 60 }), (sample, capPercent) => {
        const constraints = { maxBadRate: capPercent / 100 };
        const result = searchThresholds(shipped, current, sample, { objective: 'approvals', constraints, confidence: 0 }, smallGrid);
        if (meets(result.current.metrics, constraints)) {
          expect(result.feasible).toBe(true);
          expect(result.chosen.metrics.approved).toBeGreaterThanOrEqual(result.current.metrics.approved);
        }
        if (result.feasible) expect(meets(result.chosen.metrics, constraints)).toBe(true);
        // The frontier falls in bad rate as approvals fall; the fraud-caught frontier rises in fraud caught.
        const frontier = result.frontier.map((candidate) => candidate.metrics);
        for (let index = 1; index < frontier.length; index += 1) {
          expect(frontier[index]!.approved).toBeLessThan(frontier[index - 1]!.approved);
          expect(frontier[index]!.badRate.rate!).toBeLessThan(frontier[index - 1]!.badRate.rate!);
        }
        const caught = result.fraudCaughtFrontier.map((candidate) => candidate.metrics);
        for (let index = 1; index < caught.length; index += 1) {
          expect(caught[index]!.approved).toBeLessThan(caught[index - 1]!.approved);
          expect(caught[index]!.fraudCaught.rate!).toBeGreaterThan(caught[index - 1]!.fraudCaught.rate!);
        }
      }),
      { numRuns: 25, seed: 8 },
    );
  }, 60_000);

  it('holds a constraint at its one-sided Wilson bound when a confidence is given', () => {
    const metrics = decideRows(shipped, current, rows);
    expect(metrics.badRate).toMatchObject({ count: 0, total: 5, rate: 0 });
    // 0 bad of 5 approved: the rate meets a 10% cap; its one-sided 95% Wilson upper bound,
    // z²/(n + z²) with z = Φ⁻¹(0.95) = 1.6449, is 2.7055/7.7055 = 35.11%, 25.11 points over.
    expect(meets(metrics, { maxBadRate: 0.1 }, 0)).toBe(true);
    expect(violation(metrics, { maxBadRate: 0.1 }, 0.95)).toBeCloseTo(0.2511, 4);
  });
});

describe('the tuned policy pack', () => {
  const tuned: PolicyThresholds = {
    fraudDecline: 0.85,
    fraudReview: 0.22,
    creditDecline: 531,
    creditMarginal: 545,
    offerMinScores: [610, 590, 575, 552],
  };
  const pack = withThresholds(shipped.pack, tuned, { version: '1.0.0-tuned-test', description: 'tuned in a test' }, shipped.path);

  it('validates with the policy pack schema and holds the new thresholds, quoted in its reasons', () => {
    expect(PolicyPack.safeParse(pack).success).toBe(true);
    expect(readThresholds(pack, 'tuned')).toEqual(tuned);
    const reason = (name: string) => pack.rules.find((rule) => rule.name === name)!.event.params.reason;
    expect(reason('P_FRAUD_SCORE_DECLINE')).toContain('(probability 0.85 or more)');
    expect(reason('P_FRAUD_SCORE_REVIEW')).toContain('(probability 0.22 or more)');
    expect(reason('P_CREDIT_SCORE_LOW')).toBe('Credit score below the lending cut-off of 531');
    expect(reason('P_CREDIT_SCORE_MARGINAL')).toBe('Credit score between 531 and 544: referred to an underwriter');
    // Nothing else changes: the monitor rule still quotes its own 0.1.
    expect(reason('P_MONITOR')).toBe(shipped.pack.rules.find((rule) => rule.name === 'P_MONITOR')!.event.params.reason);
  });

  it('changes only thresholds, the reasons quoting them, version and description', () => {
    const strip = (value: PolicyPack) =>
      JSON.stringify(value, (key, item: unknown) =>
        ['value', 'reason', 'minScore', 'version', 'description'].includes(key) ? null : item,
      );
    expect(strip(pack)).toBe(strip(shipped.pack));
  });

  it('loads in createEngine as is and decides with it', async () => {
    const path = join(dir, 'tuned.json');
    writeFileSync(path, JSON.stringify(pack, null, 2));
    const engine = await createEngine({ policyPack: path });
    expect(engine.policy).toEqual({ name: 'fengkong-default', version: '1.0.0-tuned-test' });
    const decision = await engine.decide(cleanEvent());
    expect(decision.stages.policy.version).toBe('1.0.0-tuned-test');
  });

  it('refuses thresholds out of order', () => {
    expect(() => withThresholds(shipped.pack, { ...tuned, fraudReview: 0.95 }, pack, 'tuned')).toThrow(/review ≤ decline/);
    expect(() => withThresholds(shipped.pack, { ...tuned, offerMinScores: [600, 600, 570, 555] }, pack, 'tuned')).toThrow(/falling/);
  });

  it('requotes whole numbers only, all at once', () => {
    expect(
      requote('between 540 and 549, not 5400 or 0.540', [
        [540, 549],
        [549, 560],
      ]),
    ).toBe('between 549 and 560, not 5400 or 0.540');
    expect(requote('probability 0.9 or more (0.95 is not it)', [[0.9, 0.85]])).toBe('probability 0.85 or more (0.95 is not it)');
  });
});

describe('what tune can tune', () => {
  const writePack = (name: string, edit: (pack: PolicyPack) => void): string => {
    const pack = structuredClone(shipped.pack);
    edit(pack);
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(pack));
    return path;
  };

  it('refuses a pack without a threshold where tune looks for it, naming the rule', () => {
    const pack = structuredClone(shipped.pack);
    pack.rules = pack.rules.filter((rule) => rule.name !== 'P_FRAUD_SCORE_REVIEW');
    expect(() => readThresholds(pack, 'edited.json')).toThrow(/edited\.json: tune needs rule P_FRAUD_SCORE_REVIEW/);
  });

  it('refuses a pack whose review cut-off is above its decline cut-off, naming the pack, before any replay', async () => {
    const path = writePack('out-of-order.json', (pack) => {
      const review = pack.rules.find((rule) => rule.name === 'P_FRAUD_SCORE_REVIEW')!.conditions;
      const leaf =
        'all' in review ? review.all.find((condition) => 'fact' in condition && condition.fact === 'fraudProbability') : undefined;
      (leaf as { value: number }).value = 0.95;
    });
    const started = Date.now();
    const failure = tunePolicy({
      inputPath: 'data/applications.csv',
      outPath: join(dir, 'never.json'),
      config: { policyPack: path },
      objective: 'approvals',
      constraints: { maxBadRate: 0.06 },
    });
    await expect(failure).rejects.toMatchObject({
      code: 'FK_POLICY_INVALID',
      message: expect.stringMatching(
        /out-of-order\.json: the thresholds are out of order \(fraud review ≥ 0\.95, decline ≥ 0\.9;.*review ≤ decline/,
      ),
    });
    // A replay of the file takes seconds; the pack is refused before one starts.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('checks the pack path before the replay, and names a header-only input when there is nothing to tune', async () => {
    const headerOnly = join(dir, 'header-only.csv');
    writeFileSync(headerOnly, `${readFileSync('data/applications.csv', 'utf8').split('\n')[0]}\n`);
    const spec = { objective: 'approvals' as const, constraints: { maxBadRate: 0.06 } };
    await expect(tunePolicy({ inputPath: headerOnly, outPath: join(dir, 'missing', 'p.json'), ...spec })).rejects.toMatchObject({
      code: 'FK_FILE_WRITE',
      message: expect.stringContaining(join(dir, 'missing', 'p.json')),
    });
    await expect(tunePolicy({ inputPath: headerOnly, outPath: join(dir, 'header-only-pack.json'), ...spec })).rejects.toMatchObject({
      code: 'FK_METRIC_INPUT_INVALID',
      message: expect.stringMatching(/header-only\.csv: no application was decided \(0 data lines read, 0 rejected\)/),
    });
    expect(readdirSync(dir).filter((name) => name.startsWith('header-only-pack'))).toEqual([]);
  });

  it('refuses a pack that reads an event fact: a decision does not record those', () => {
    const path = writePack('event-fact.json', (pack) => {
      const rule = pack.rules.find((candidate) => candidate.name === 'P_MONITOR')!;
      rule.conditions = { any: [{ fact: 'funded_amnt', operator: 'greaterThan', value: 35000 }] };
    });
    expect(() => loadPolicyInputs({ policyPack: path })).toThrow(/rule P_MONITOR reads the event fact "funded_amnt"/);
  });
});

describe('the tuning and check slices', () => {
  it('are disjoint, in time order, and the tuning slice is as large as the check slice when there is room', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 4, maxLength: 200 }),
        fc.integer({ min: 1, max: 60 }),
        (times, holdoutPercent) => {
          const rows = times.map((appliedAtMs, line) => ({ appliedAtMs, line }));
          const holdout = holdoutPercent / 100;
          let slices;
          try {
            slices = tuneSlices(rows, holdout);
          } catch (error) {
            expect((error as Error).message).toMatch(/both need rows/);
            return;
          }
          const { history, tuning, check } = slices;
          expect([...history, ...tuning, ...check].map((entry) => entry.line).sort((a, b) => a - b)).toEqual(
            rows.map((entry) => entry.line),
          );
          const checkLines = new Set(check.map((entry) => entry.line));
          expect(tuning.some((entry) => checkLines.has(entry.line))).toBe(false);
          const latest = (part: typeof rows) => Math.max(...part.map((entry) => entry.appliedAtMs));
          const earliest = (part: typeof rows) => Math.min(...part.map((entry) => entry.appliedAtMs));
          expect(latest(tuning)).toBeLessThanOrEqual(earliest(check));
          if (history.length > 0) expect(latest(history)).toBeLessThanOrEqual(earliest(tuning));
          expect(tuning.length).toBe(Math.min(check.length, rows.length - check.length));
        },
      ),
      { seed: 8 },
    );
  });
});

describe('what the models saw of the slices', () => {
  const sha = 'a'.repeat(64);
  const trainedHere = [
    { model: 'fraud model' as const, path: 'fraud.json', dataSha256: sha, split: null },
    { model: 'credit model' as const, path: 'credit.json', dataSha256: sha, split: null },
  ];

  it('with models trained on this file and the default holdout: check out of sample, tuning in sample', () => {
    const sample = slicesSample(trainedHere, sha, 0.2);
    expect(sample).toMatchObject({ check: 'held-out', tuning: 'in sample' });
    expect(sample.note).toMatch(/record this file .* as their training data.*the latest 20% of rows by applied_at is out of sample/);
    expect(sample.note).toContain('The tuning slice before it is among the training rows');
  });

  it('follows the holdout: both slices after the training rows, or reaching back into them', () => {
    expect(slicesSample(trainedHere, sha, 0.1)).toMatchObject({ check: 'held-out', tuning: 'out of sample' });
    expect(slicesSample(trainedHere, sha, 0.15)).toMatchObject({ check: 'held-out', tuning: 'partly in sample' });
    expect(slicesSample(trainedHere, sha, 0.3)).toMatchObject({ check: 'partly', tuning: 'in sample' });
  });

  it('claims nothing for another file or a model that records no training data', () => {
    const other = slicesSample(trainedHere, 'b'.repeat(64), 0.2);
    expect(other).toMatchObject({ check: 'unknown', tuning: 'unknown' });
    expect(other.note).toMatch(/held out only if these models were trained on the earlier rows of this file/);
    expect(other.note).not.toMatch(/is out of sample/);
    expect(slicesSample([{ ...trainedHere[0]!, dataSha256: null }], sha, 0.2).check).toBe('unknown');
    expect(slicesSample([], sha, 0.2).check).toBe('no-models');
  });
});

describe('tune on data/applications.csv', () => {
  // The current policy approves 78.0% of the tuning slice at a 5.33% bad rate (fraud or default among
  // approved): a 6% cap, held at 95% confidence there, is one it nearly meets (its bound is above 6%).
  let result: TuneResult;
  const out = join(dir, 'tuned-policy.json');
  beforeAll(async () => {
    result = await tunePolicy({
      inputPath: 'data/applications.csv',
      outPath: out,
      objective: 'approvals',
      constraints: { maxBadRate: 0.06 },
    });
  }, 180_000);

  it('meets the constraint on the check slice, by a full replay with the tuned pack', () => {
    expect(result.check.met).toBe(true);
    expect(result.check.tuned.badRate.rate!).toBeLessThanOrEqual(0.06);
    expect(result.check.tuned.rows).toBe(1972);
  });

  it('gives every rate with its 95% Wilson interval, the verdict too', () => {
    for (const metrics of [result.tuning.current, result.tuning.tuned, result.check.current, result.check.tuned]) {
      for (const rate of [metrics.approvalRate, metrics.badRate, metrics.fraudCaught]) {
        expect(rate.lower!).toBeLessThan(rate.rate!);
        expect(rate.upper!).toBeGreaterThan(rate.rate!);
      }
      expect(metrics.approvalRate).toMatchObject({ count: metrics.approved, total: metrics.rows });
    }
    expect(checkVerdict(result)).toMatch(
      /^check slice: constraint met: bad rate \d\.\d\d% \(95% interval \d\.\d\d%–\d\.\d\d%\), \d+ of [\d,]+ approved with a known outcome, cap 6\.00%$/,
    );
  });

  it('says the check slice is out of sample because the shipped models record this file as their training data', () => {
    expect(result.sample).toMatchObject({ check: 'held-out', tuning: 'in sample' });
  });

  it('approves more than the current policy on the tuning slice, and the replay agrees with the search', () => {
    expect(result.tuning.current.badRate.rate!).toBeCloseTo(0.0533, 3);
    expect(result.tuning.tuned.approved).toBeGreaterThan(result.tuning.current.approved);
    expect(result.tuning.tuned).toEqual(result.search.chosen.metrics);
    expect(result.tuning.current).toEqual(result.search.current.metrics);
  });

  it('tunes on the rows just before the check slice and never on it', () => {
    const { tuning, check } = result.slices;
    expect(tuning.rows).toBe(check.rows);
    expect(tuning.to < check.from).toBe(true);
    expect(result.tunedPack.description).toContain(`from ${tuning.from} to ${tuning.to}`);
  });

  it('writes the tuned pack the engine loads as is', async () => {
    const written = JSON.parse(readFileSync(out, 'utf8')) as unknown;
    expect(PolicyPack.safeParse(written).success).toBe(true);
    const engine = await createEngine({ policyPack: out });
    expect(engine.policy.version).toBe(result.policy.tunedVersion);
    expect(readThresholds(PolicyPack.parse(written), out)).toEqual(result.thresholds.tuned);
    // The check replayed the staged file: its config hash (file contents, not paths) is the written pack's.
    expect(result.configSha256.tuned).toBe(configSha256({ policyPack: out }, engine));
    expect(readdirSync(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('never approves fewer than the current policy when it meets the constraint (a cap it meets)', async () => {
    const replay = await replayLabelled('data/applications.csv');
    const rows = tuningRows(tuneSlices(replay.rows, 0.2).tuning, shippedInputs);
    // A cap the current policy meets even at its 95% bound on the tuning slice.
    const constraints = { maxBadRate: 0.065 };
    expect(meets(result.search.current.metrics, constraints, 0.95)).toBe(true);
    const search = searchThresholds(shipped, current, rows, { objective: 'approvals', constraints, confidence: 0.95 });
    expect(search.current.metrics).toEqual(result.search.current.metrics);
    expect(search.feasible).toBe(true);
    expect(search.chosen.metrics.approved).toBeGreaterThanOrEqual(search.current.metrics.approved);
  }, 120_000);
});
