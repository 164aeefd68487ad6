import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isKnownState, localDayOfWeek, localHour, US_STATES, utcOffsetHours } from '../../src/features/localTime.js';

/** A representative IANA zone for each state: the zone most of its residents live in. */
const REPRESENTATIVE_ZONE: Record<string, string> = {
  AL: 'America/Chicago',
  AK: 'America/Anchorage',
  AZ: 'America/Phoenix',
  AR: 'America/Chicago',
  CA: 'America/Los_Angeles',
  CO: 'America/Denver',
  CT: 'America/New_York',
  DE: 'America/New_York',
  DC: 'America/New_York',
  FL: 'America/New_York',
  GA: 'America/New_York',
  HI: 'Pacific/Honolulu',
  ID: 'America/Boise',
  IL: 'America/Chicago',
  IN: 'America/Indiana/Indianapolis',
  IA: 'America/Chicago',
  KS: 'America/Chicago',
  KY: 'America/Kentucky/Louisville',
  LA: 'America/Chicago',
  ME: 'America/New_York',
  MD: 'America/New_York',
  MA: 'America/New_York',
  MI: 'America/Detroit',
  MN: 'America/Chicago',
  MS: 'America/Chicago',
  MO: 'America/Chicago',
  MT: 'America/Denver',
  NE: 'America/Chicago',
  NV: 'America/Los_Angeles',
  NH: 'America/New_York',
  NJ: 'America/New_York',
  NM: 'America/Denver',
  NY: 'America/New_York',
  NC: 'America/New_York',
  ND: 'America/Chicago',
  OH: 'America/New_York',
  OK: 'America/Chicago',
  OR: 'America/Los_Angeles',
  PA: 'America/New_York',
  RI: 'America/New_York',
  SC: 'America/New_York',
  SD: 'America/Chicago',
  TN: 'America/Chicago',
  TX: 'America/Chicago',
  UT: 'America/Denver',
  VT: 'America/New_York',
  VA: 'America/New_York',
  WA: 'America/Los_Angeles',
  WV: 'America/New_York',
  WI: 'America/Chicago',
  WY: 'America/Denver',
};

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formatters = new Map(
  Object.entries(REPRESENTATIVE_ZONE).map(([state, timeZone]) => [
    state,
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', weekday: 'short' }),
  ]),
);

function intlLocal(epochMs: number, state: string): { hour: number; weekday: number } {
  const parts = formatters.get(state)!.formatToParts(new Date(epochMs));
  const hour = Number(parts.find((part) => part.type === 'hour')!.value);
  const weekday = WEEKDAYS.indexOf(parts.find((part) => part.type === 'weekday')!.value);
  return { hour, weekday };
}

const FROM = Date.UTC(2015, 0, 1);
const TO = Date.UTC(2019, 0, 1) - 1;

describe('localTime', () => {
  it('knows exactly the 50 states and DC', () => {
    expect(US_STATES).toHaveLength(51);
    expect(new Set(US_STATES).size).toBe(51);
    expect(Object.keys(REPRESENTATIVE_ZONE).sort()).toEqual([...US_STATES].sort());
    expect(isKnownState('DC')).toBe(true);
    expect(isKnownState('PR')).toBe(false);
  });

  it('agrees with Intl on the local hour and weekday for every state at any moment of 2015-2018', () => {
    fc.assert(
      fc.property(fc.integer({ min: FROM, max: TO }), fc.constantFrom(...US_STATES), (epochMs, state) => {
        const expected = intlLocal(epochMs, state);
        expect(localHour(epochMs, state)).toBe(expected.hour);
        expect(localDayOfWeek(epochMs, state)).toBe(expected.weekday);
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with Intl in the hours around every daylight-saving switch of 2015-2018', () => {
    // Second Sunday of March and first Sunday of November, every 5 minutes from 04:00Z to 12:00Z.
    const switchDays = [
      [2015, 2, 8],
      [2015, 10, 1],
      [2016, 2, 13],
      [2016, 10, 6],
      [2017, 2, 12],
      [2017, 10, 5],
      [2018, 2, 11],
      [2018, 10, 4],
    ] as const;
    for (const [year, month, day] of switchDays) {
      for (let minute = 4 * 60; minute <= 12 * 60; minute += 5) {
        const epochMs = Date.UTC(year, month, day) + minute * 60_000;
        for (const state of US_STATES)
          expect(localHour(epochMs, state), `${state} ${new Date(epochMs).toISOString()}`).toBe(intlLocal(epochMs, state).hour);
      }
    }
  });

  it('switches New York to daylight time at 02:00 EST and back at 02:00 EDT', () => {
    expect(localHour(Date.parse('2016-03-13T06:59:59Z'), 'NY')).toBe(1);
    expect(localHour(Date.parse('2016-03-13T07:00:00Z'), 'NY')).toBe(3);
    expect(localHour(Date.parse('2016-11-06T05:59:59Z'), 'NY')).toBe(1);
    expect(localHour(Date.parse('2016-11-06T06:00:00Z'), 'NY')).toBe(1);
    expect(localHour(Date.parse('2016-11-06T07:00:00Z'), 'NY')).toBe(2);
    expect(utcOffsetHours(Date.parse('2016-07-01T12:00:00Z'), 'NY')).toBe(-4);
    expect(utcOffsetHours(Date.parse('2016-01-01T12:00:00Z'), 'NY')).toBe(-5);
  });

  it('keeps Arizona and Hawaii on standard time all year', () => {
    for (const iso of ['2016-01-15T20:00:00Z', '2016-07-15T20:00:00Z']) {
      expect(localHour(Date.parse(iso), 'AZ')).toBe(13);
      expect(localHour(Date.parse(iso), 'HI')).toBe(10);
    }
  });

  it('returns null for an unknown state or a non-finite time', () => {
    expect(localHour(Date.parse('2016-01-04T12:00:00Z'), 'XX')).toBeNull();
    expect(localHour(Date.parse('2016-01-04T12:00:00Z'), '')).toBeNull();
    expect(localDayOfWeek(Date.parse('2016-01-04T12:00:00Z'), 'ny')).toBeNull();
    expect(localHour(Number.NaN, 'NY')).toBeNull();
    expect(utcOffsetHours(0, 'ZZ')).toBeNull();
  });

  it('applies the current rule to later years like Intl (around the 2040 switches)', () => {
    for (const iso of [
      '2040-03-11T06:30:00Z',
      '2040-03-11T10:30:00Z',
      '2040-11-04T05:30:00Z',
      '2040-11-04T08:30:00Z',
      '2031-12-31T23:30:00Z',
    ]) {
      const epochMs = Date.parse(iso);
      for (const state of ['NY', 'CA', 'AZ', 'HI', 'AK']) expect(localHour(epochMs, state)).toBe(intlLocal(epochMs, state).hour);
    }
  });
});
