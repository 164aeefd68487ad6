// Seeded randomness for the simulator: a thin wrapper around pure-rand's xoroshiro128+ giving uniform
// floats, integers, picks, weighted picks and normals, plus a small integer hash so that an entity
// (a person, a household, a device farm) can own an independent stream derived from (seed, kind, id).
// Nothing here reads the clock or Math.random: the same seed always gives the same numbers.
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { createHash } from 'node:crypto';

/** murmur3's 32-bit finaliser: a bijective avalanche of one 32-bit integer. */
function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Splits a safe integer seed into two 32-bit words, so seeds beyond 2^32 stay distinct. */
function seedWords(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) throw new RangeError('seed must be a safe integer');
  return [seed >>> 0, Math.floor(seed / 0x1_0000_0000) | 0];
}

/** A well-mixed unsigned 32-bit hash of a seed and up to three integers. */
export function hash32(seed: number, a: number, b = 0, c = 0): number {
  const [low, high] = seedWords(seed);
  let h = fmix32(low ^ 0x9e37_79b9);
  h = fmix32(h ^ Math.imul(high + 0x7f4a_7c15, 0xcc9e_2d51));
  h = fmix32(h ^ Math.imul(a + 0x2545_f491, 0x1b87_3593));
  h = fmix32(h ^ Math.imul(b + 0x6a09_e667, 0xcc9e_2d51));
  h = fmix32(h ^ Math.imul(c + 0x3c6e_f372, 0x1b87_3593));
  return h;
}

/** A uniform float in [0, 1) from a hash: for one-off decisions that must not consume a stream. */
export function hashUnit(seed: number, a: number, b = 0, c = 0): number {
  return hash32(seed, a, b, c) / 0x1_0000_0000;
}

/** "prefix" + 16 hex characters of SHA-256 over the seed, a namespace and an index: stable, opaque ids. */
export function hexId(prefix: string, seed: number, namespace: string, index: number): string {
  return prefix + createHash('sha256').update(`${seed}:${namespace}:${index}`).digest('hex').slice(0, 16);
}

export class Random {
  private constructor(private readonly rng: RandomGenerator) {}

  /** The stream `stream` of a seed; different streams of one seed are unrelated. */
  static fromSeed(seed: number, stream = 0): Random {
    const state = [0, 1, 2, 3].map((word) => hash32(seed, 0x5eed, stream, word) | 0);
    if (!state.some((word) => word !== 0)) state[0] = 1; // the all-zero state never leaves zero
    return new Random(xoroshiro128plusFromState(state));
  }

  /** The own stream of an entity, e.g. person 17: independent of the order entities are visited in. */
  static forEntity(seed: number, kind: number, id: number): Random {
    return Random.fromSeed(seed, hash32(kind, id, 0xe7));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.rng);
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** An index drawn with probability proportional to its weight (see `cumulative`). */
  weightedIndex(table: WeightTable): number {
    const target = this.float() * table.total;
    const sums = table.cumulative;
    let low = 0;
    let high = sums.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sums[middle]! > target) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  weighted<T>(table: WeightTable<T>): T {
    return table.items[this.weightedIndex(table)]!;
  }

  /** Normal with the given mean and standard deviation (Box-Muller). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.float();
    const v = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** `length` characters drawn from `alphabet`. */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }
}

export interface WeightTable<T = unknown> {
  readonly items: readonly T[];
  readonly cumulative: Float64Array;
  readonly total: number;
}

/** Prepares [item, weight] pairs for repeated weighted picks. */
export function weightTable<T>(entries: ReadonlyArray<readonly [T, number]>): WeightTable<T> {
  const cumulative = new Float64Array(entries.length);
  let total = 0;
  entries.forEach(([, weight], index) => {
    if (!(weight >= 0)) throw new RangeError('weights must be non-negative');
    total += weight;
    cumulative[index] = total;
  });
  if (!(total > 0)) throw new RangeError('weights must not all be zero');
  return { items: entries.map(([item]) => item), cumulative, total };
}
