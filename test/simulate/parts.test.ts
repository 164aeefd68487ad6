// The simulator's building blocks: seeded randomness, the address plan, identities, real-row handling
// and the clock.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { US_STATES } from '../../src/features/localTime.js';
import { isoSeconds, rhythmWeight, windowFor } from '../../src/simulate/clock.js';
import { areaCodesOf, areaCodeState } from '../../src/features/areaCodes.js';
import { person, personalEmail, phoneNumber, randomLocalPart } from '../../src/simulate/identities.js';
import {
  branchIp,
  brokerIp,
  carrierIp,
  datacenterIp,
  geoIpRegion,
  homeIp,
  isDatacenterIp,
  officeIp,
  randomResidentialIp,
} from '../../src/simulate/network.js';
import { hash32, hexId, Random, weightTable } from '../../src/simulate/prng.js';
import { chooseSourceRows, jitterRow, parseCsv, SRC } from '../../src/simulate/source.js';

describe('Random', () => {
  it('replays the same numbers for the same seed and stream, and others for another', () => {
    const draw = (seed: number, stream: number): number[] => {
      const rng = Random.fromSeed(seed, stream);
      return Array.from({ length: 20 }, () => rng.float());
    };
    expect(draw(42, 1)).toEqual(draw(42, 1));
    expect(draw(42, 1)).not.toEqual(draw(42, 2));
    expect(draw(42, 1)).not.toEqual(draw(43, 1));
    expect(draw(2 ** 40, 1)).not.toEqual(draw(0, 1));
  });

  it('keeps floats, integers and picks in range', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 }), (seed, min, width) => {
        const rng = Random.fromSeed(seed);
        const float = rng.float();
        expect(float >= 0 && float < 1).toBe(true);
        const int = rng.int(min, min + width);
        expect(Number.isInteger(int) && int >= min && int <= min + width).toBe(true);
        expect(['a', 'b', 'c']).toContain(rng.pick(['a', 'b', 'c']));
      }),
    );
  });

  it('picks by weight and never picks a zero weight', () => {
    const rng = Random.fromSeed(1);
    const table = weightTable([
      ['a', 1],
      ['never', 0],
      ['b', 3],
    ]);
    const counts = { a: 0, b: 0, never: 0 } as Record<string, number>;
    for (let i = 0; i < 20_000; i++) counts[rng.weighted(table)]!++;
    expect(counts.never).toBe(0);
    expect(counts.b! / counts.a!).toBeGreaterThan(2.7);
    expect(counts.b! / counts.a!).toBeLessThan(3.3);
    expect(() => weightTable([['x', 0]])).toThrow();
  });

  it('draws normals with the asked mean and spread', () => {
    const rng = Random.fromSeed(5);
    const values = Array.from({ length: 20_000 }, () => rng.normal(10, 2));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('hashes to stable, spread-out values and opaque ids', () => {
    expect(hash32(42, 1, 2, 3)).toBe(hash32(42, 1, 2, 3));
    expect(new Set(Array.from({ length: 1000 }, (_, i) => hash32(42, 7, i))).size).toBe(1000);
    expect(hexId('ap_', 42, 'applicant', 0)).toMatch(/^ap_[0-9a-f]{16}$/);
    expect(hexId('ap_', 42, 'applicant', 0)).not.toBe(hexId('ap_', 43, 'applicant', 0));
    expect(() => hash32(0.5, 1)).toThrow(RangeError);
  });
});

describe('address plan', () => {
  it('geolocates every kind of address it hands out to the state it was drawn for', () => {
    const rng = Random.fromSeed(9);
    US_STATES.forEach((state, index) => {
      const choices = [
        homeIp(42, index * 100, index),
        randomResidentialIp(rng, index),
        carrierIp(rng, index % 3, index),
        officeIp(index, index),
        branchIp(1, index),
        brokerIp(2, index),
      ];
      for (const { ip, region } of choices) {
        expect(z.ipv4().safeParse(ip).success, ip).toBe(true);
        expect(region).toBe(state);
        expect(geoIpRegion(ip)).toBe(state);
        expect(isDatacenterIp(ip)).toBe(false);
      }
      const vpn = datacenterIp(rng, state);
      expect(vpn.region).not.toBe(state);
      expect(geoIpRegion(vpn.ip)).toBe(vpn.region);
      expect(isDatacenterIp(vpn.ip)).toBe(true);
    });
    expect(geoIpRegion('10.0.0.1')).toBeNull();
  });

  it('gives a household the same home address every time', () => {
    expect(homeIp(42, 17, 4)).toEqual(homeIp(42, 17, 4));
    expect(homeIp(42, 17, 4).ip).not.toBe(homeIp(42, 18, 4).ip);
  });
});

describe('identities', () => {
  it('knows area codes for every state and maps each back to its state', () => {
    for (const state of US_STATES) {
      expect(areaCodesOf(state).length).toBeGreaterThan(0);
      for (const code of areaCodesOf(state)) expect(areaCodeState(`+1${code}2345678`)).toBe(state);
    }
    expect(areaCodeState('+15555555555')).toBeNull();
    expect(areaCodeState('12345')).toBeNull();
  });

  it('writes phones, emails and people that pass the event schema', () => {
    const email = z.email();
    const phone = z.string().regex(/^\+?[0-9]{7,15}$/);
    const rng = Random.fromSeed(3);
    for (let i = 0; i < 2_000; i++) {
      expect(email.safeParse(personalEmail(rng)).success).toBe(true);
      expect(email.safeParse(`${randomLocalPart(rng)}@mailinator.com`).success).toBe(true);
      const number = phoneNumber(rng, 212);
      expect(phone.safeParse(number).success).toBe(true);
      expect(number).toMatch(/^\+1212[2-9]\d{6}$/);
    }
  });

  it('re-creates a person exactly from (seed, number), so nobody needs to be stored', () => {
    expect(person(42, 123, 123, 4)).toEqual(person(42, 123, 123, 4));
    expect(person(42, 123, 123, 4).applicantId).not.toBe(person(42, 124, 124, 4).applicantId);
    expect(person(42, 123, 123, 4).sharesComputer).toBe(false);
  });
});

describe('real rows', () => {
  it('parses quoted CSV, doubled quotes and CRLF', () => {
    expect(parseCsv('a,"b,c","d""e"\r\n1,2,3\n')).toEqual([
      ['a', 'b,c', 'd"e'],
      ['1', '2', '3'],
    ]);
  });

  it('samples distinct rows up to the source size and whole passes beyond', () => {
    const sample = chooseSourceRows(90, 100, Random.fromSeed(1));
    expect(new Set(sample).size).toBe(90);
    const all = chooseSourceRows(100, 100, Random.fromSeed(1));
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const twice = chooseSourceRows(250, 100, Random.fromSeed(1));
    const counts = new Map<number, number>();
    for (const index of twice) counts.set(index, (counts.get(index) ?? 0) + 1);
    expect(Math.min(...counts.values())).toBeGreaterThanOrEqual(2);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(3);
  });

  it('jitters amounts by at most 5% (rounded to 25, income to 100) and leaves counts, rates and labels alone', () => {
    const real = '16100,term_36,13.99,C4,CT,Not_Verified,35000,emp_5,0,0,67.4,0,1,0,0,1099,48,0,3,0,3,13193,good'.split(',');
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const out = jitterRow(real, Random.fromSeed(seed));
        const funded = Number(out[SRC.funded_amnt]);
        expect(funded % 25).toBe(0);
        expect(Math.abs(funded - 16_100)).toBeLessThanOrEqual(16_100 * 0.05 + 12.5);
        expect(Number(out[SRC.annual_inc]) % 100).toBe(0);
        expect(Math.abs(Number(out[SRC.annual_inc]) - 35_000)).toBeLessThanOrEqual(35_000 * 0.05 + 50);
        for (const column of [SRC.total_bal_il, SRC.total_il_high_credit_limit, SRC.delinq_amnt]) {
          expect(Number.isInteger(Number(out[column])) && Number(out[column]) >= 0).toBe(true);
        }
        for (const column of [
          SRC.term,
          SRC.int_rate,
          SRC.sub_grade,
          SRC.addr_state,
          SRC.revol_util,
          SRC.open_il_6m,
          SRC.num_il_tl,
          SRC.inq_last_12m,
          SRC.Class,
        ]) {
          expect(out[column]).toBe(real[column]);
        }
      }),
    );
  });
});

describe('clock', () => {
  it('spans 90 days up to 9,857 rows and stretches proportionally beyond, up to three years', () => {
    const start = Date.parse('2016-01-04T00:00:00Z') / 1000;
    expect(windowFor(100)).toEqual({ startSec: start, endSec: start + 90 * 86_400 });
    expect(windowFor(9_857).endSec).toBe(start + 90 * 86_400);
    expect(windowFor(19_714).endSec).toBe(start + 180 * 86_400);
    expect(windowFor(1_000_000).endSec).toBe(Date.parse('2019-01-04T00:00:00Z') / 1000);
    expect(windowFor(10_000_000)).toEqual(windowFor(1_000_000));
  });

  it('weighs a Monday late morning far above a Sunday small hour, on local time', () => {
    const mondayElevenNewYork = Date.parse('2016-01-11T16:00:00Z');
    const sundayThreeNewYork = Date.parse('2016-01-10T08:00:00Z');
    expect(rhythmWeight(mondayElevenNewYork, 'NY')).toBeGreaterThan(10 * rhythmWeight(sundayThreeNewYork, 'NY'));
    // 16:00Z is 08:00 in California: less busy than 11:00 in New York.
    expect(rhythmWeight(mondayElevenNewYork, 'CA')).toBeLessThan(rhythmWeight(mondayElevenNewYork, 'NY'));
    expect(rhythmWeight(mondayElevenNewYork, 'NY')).toBeLessThanOrEqual(1);
  });

  it('formats whole seconds as ISO UTC without milliseconds', () => {
    expect(isoSeconds(Date.parse('2016-01-04T13:05:09Z') / 1000)).toBe('2016-01-04T13:05:09Z');
    expect(z.iso.datetime({ offset: false }).safeParse(isoSeconds(1_451_865_600)).success).toBe(true);
  });
});
