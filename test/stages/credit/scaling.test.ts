// PDO score scaling: the base odds score the base score, every doubling of the good:bad odds adds exactly
// the points to double the odds, and a score is an integer within [min, max] for any logit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { createScoreScale, defaultScoreScaling, ScoreScaling } from '../../../src/stages/credit/scaling.js';
import { thrownBy } from '../../fixtures/errors.js';

/** log-odds of bad for good:bad odds of `oddsGood`. */
const logitForGoodOdds = (oddsGood: number) => -Math.log(oddsGood);
const logitOfProbability = (probabilityOfBad: number) => Math.log(probabilityOfBad / (1 - probabilityOfBad));

describe('createScoreScale', () => {
  it('defaults to 600 points at 50:1 good:bad odds, 20 points to double the odds, scores in [300, 850]', () => {
    expect(defaultScoreScaling).toEqual({ baseScore: 600, baseOdds: 50, pointsToDoubleOdds: 20, min: 300, max: 850 });
    expect(ScoreScaling.parse({})).toEqual(defaultScoreScaling);
    const scale = createScoreScale();
    expect(scale.scaling).toEqual(defaultScoreScaling);
    expect(scale.factor).toBe(20 / Math.LN2);
    expect(scale.offset).toBe(600 - (20 / Math.LN2) * Math.log(50));
  });

  it('scores the base odds at the base score', () => {
    const scale = createScoreScale();
    expect(scale.pointsFromLogit(logitForGoodOdds(50))).toBeCloseTo(600, 10);
    expect(scale.score(logitForGoodOdds(50))).toBe(600);
    const custom = createScoreScale({ baseScore: 500, baseOdds: 19, pointsToDoubleOdds: 40, min: 0, max: 1000 });
    expect(custom.pointsFromLogit(logitForGoodOdds(19))).toBeCloseTo(500, 10);
  });

  it('adds exactly pointsToDoubleOdds points each time the good:bad odds double', () => {
    const scale = createScoreScale();
    for (const odds of [0.01, 1, 50, 400, 1e6]) {
      expect(scale.pointsFromLogit(logitForGoodOdds(2 * odds)) - scale.pointsFromLogit(logitForGoodOdds(odds))).toBeCloseTo(20, 9);
    }
    expect(scale.score(logitForGoodOdds(100))).toBe(620);
    expect(scale.score(logitForGoodOdds(25))).toBe(580);
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), fc.double({ min: 1, max: 100, noNaN: true }), (logit, pdo) => {
        const pdoScale = createScoreScale({ pointsToDoubleOdds: pdo });
        const difference = pdoScale.pointsFromLogit(logit - Math.LN2) - pdoScale.pointsFromLogit(logit);
        expect(Math.abs(difference - pdo)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(pdoScale.pointsFromLogit(logit))));
      }),
    );
  });

  it('is linear in the logit, so attributions in logit convert to points by -factor and still add up', () => {
    const scale = createScoreScale();
    const [a, b] = [-1.25, 0.75];
    expect(scale.pointsFromLogit(a + b) - scale.pointsFromLogit(0)).toBeCloseTo(-scale.factor * a - scale.factor * b, 10);
  });

  it('clamps to [min, max] and rounds to an integer, while pointsFromLogit stays unclamped', () => {
    const scale = createScoreScale();
    expect(scale.score(logitForGoodOdds(1e12))).toBe(850);
    expect(scale.pointsFromLogit(logitForGoodOdds(1e12))).toBeGreaterThan(850);
    expect(scale.score(logitForGoodOdds(1e-6))).toBe(300);
    expect(scale.pointsFromLogit(logitForGoodOdds(1e-6))).toBeLessThan(300);
    const points = scale.pointsFromLogit(logitForGoodOdds(70));
    expect(Number.isInteger(points)).toBe(false);
    expect(scale.score(logitForGoodOdds(70))).toBe(Math.round(points));
  });

  it('scores lower as the probability of default rises', () => {
    const scale = createScoreScale({ min: 0, max: 2000 });
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 1 - 1e-9, noNaN: true }), fc.double({ min: 1e-9, max: 1 - 1e-9, noNaN: true }), (p, q) => {
        const [lower, higher] = p <= q ? [p, q] : [q, p];
        expect(scale.pointsFromLogit(logitOfProbability(higher))).toBeLessThanOrEqual(scale.pointsFromLogit(logitOfProbability(lower)));
        expect(scale.score(logitOfProbability(higher))).toBeLessThanOrEqual(scale.score(logitOfProbability(lower)));
      }),
    );
    expect(scale.pointsFromLogit(logitOfProbability(0.2))).toBeLessThan(scale.pointsFromLogit(logitOfProbability(0.1)));
  });

  it('never gives NaN for a finite logit, and clamps huge or infinite logits', () => {
    const scale = createScoreScale();
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (logit) => {
        expect(Number.isNaN(scale.pointsFromLogit(logit))).toBe(false);
        const score = scale.score(logit);
        expect(Number.isInteger(score)).toBe(true);
        expect(score).toBeGreaterThanOrEqual(300);
        expect(score).toBeLessThanOrEqual(850);
      }),
      { numRuns: 1000 },
    );
    expect(scale.score(Number.MAX_VALUE)).toBe(300);
    expect(scale.score(-Number.MAX_VALUE)).toBe(850);
    expect(scale.score(1e300)).toBe(300);
    expect(scale.score(-1e300)).toBe(850);
    expect(scale.score(Infinity)).toBe(300);
    expect(scale.score(-Infinity)).toBe(850);
  });

  it('refuses a NaN logit rather than scoring it', () => {
    const error = thrownBy(() => createScoreScale().score(NaN));
    expect(error.code).toBe(ErrorCode.MODEL_INVALID);
  });

  it('refuses options that make no scale, naming the field', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ baseOdds: 0 }, 'baseOdds'],
      [{ baseOdds: -2 }, 'baseOdds'],
      [{ pointsToDoubleOdds: 0 }, 'pointsToDoubleOdds'],
      [{ pointsToDoubleOdds: Number.MAX_VALUE }, 'pointsToDoubleOdds'],
      [{ baseScore: Infinity }, 'baseScore'],
      [{ min: 900 }, 'max'],
      [{ min: 300.5 }, 'min'],
      [{ baseScore: 900 }, 'baseScore'],
      [{ scale: 2 }, 'scale'],
    ];
    for (const [options, field] of cases) {
      const error = thrownBy(() => createScoreScale(options as never));
      expect(error.code).toBe(ErrorCode.CONFIG_INVALID);
      expect(error.message).toContain(field);
    }
  });
});
