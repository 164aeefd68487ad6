// Shared by the metric tests: random labelled scores with many ties, a seeded generator and error capture.
import fc from 'fast-check';

/**
 * Scores drawn from a handful of values (so ties are common, across and within classes) or from any finite
 * double, with at least `minimumPerClass` rows of each label.
 */
export function labelledScores(minimumPerClass = 1): fc.Arbitrary<{ scores: number[]; labels: number[] }> {
  const score = fc.oneof(
    fc.integer({ min: 0, max: 4 }).map((value) => value / 4),
    fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
  );
  return fc
    .array(fc.tuple(score, fc.constantFrom(0, 1)), { minLength: 2 * minimumPerClass, maxLength: 60 })
    .filter((rows) => {
      const positives = rows.filter(([, label]) => label === 1).length;
      return positives >= minimumPerClass && rows.length - positives >= minimumPerClass;
    })
    .map((rows) => ({ scores: rows.map(([value]) => value), labels: rows.map(([, label]) => label) }));
}

/** mulberry32: a small seeded generator, uniform on [0, 1). */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export { thrownBy } from '../fixtures/errors.js';
