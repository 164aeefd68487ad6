// Local wall-clock time for a US state without a time-zone database: one representative standard UTC
// offset per state (the zone most of its people live in) and whether it observes daylight saving time.
// The daylight-saving rule is the US one in force since 2007: from the second Sunday of March at 02:00
// local standard time to the first Sunday of November at 02:00 local daylight time. Earlier years are
// computed with the same rule. The hot path does integer arithmetic only: no Intl, no Date, no allocation.

/** The 50 states and DC, with standard offset from UTC in hours and whether daylight saving applies. */
const STATE_ZONES: ReadonlyArray<readonly [state: string, standardOffsetHours: number, observesDst: boolean]> = [
  ['AL', -6, true],
  ['AK', -9, true],
  ['AZ', -7, false],
  ['AR', -6, true],
  ['CA', -8, true],
  ['CO', -7, true],
  ['CT', -5, true],
  ['DE', -5, true],
  ['DC', -5, true],
  ['FL', -5, true],
  ['GA', -5, true],
  ['HI', -10, false],
  ['ID', -7, true],
  ['IL', -6, true],
  ['IN', -5, true],
  ['IA', -6, true],
  ['KS', -6, true],
  ['KY', -5, true],
  ['LA', -6, true],
  ['ME', -5, true],
  ['MD', -5, true],
  ['MA', -5, true],
  ['MI', -5, true],
  ['MN', -6, true],
  ['MS', -6, true],
  ['MO', -6, true],
  ['MT', -7, true],
  ['NE', -6, true],
  ['NV', -8, true],
  ['NH', -5, true],
  ['NJ', -5, true],
  ['NM', -7, true],
  ['NY', -5, true],
  ['NC', -5, true],
  ['ND', -6, true],
  ['OH', -5, true],
  ['OK', -6, true],
  ['OR', -8, true],
  ['PA', -5, true],
  ['RI', -5, true],
  ['SC', -5, true],
  ['SD', -6, true],
  ['TN', -6, true],
  ['TX', -6, true],
  ['UT', -7, true],
  ['VT', -5, true],
  ['VA', -5, true],
  ['WA', -8, true],
  ['WV', -5, true],
  ['WI', -6, true],
  ['WY', -7, true],
];

/** The 51 state codes (50 states and DC) this module knows, in a fixed order. */
export const US_STATES: readonly string[] = STATE_ZONES.map(([state]) => state);

const HOUR = 3_600_000;
const DAY = 86_400_000;

const stateIndex = new Map<string, number>(STATE_ZONES.map(([state], index) => [state, index]));
const standardOffsetMs = new Float64Array(STATE_ZONES.map(([, offset]) => offset * HOUR));
const observesDst = new Uint8Array(STATE_ZONES.map(([, , dst]) => (dst ? 1 : 0)));

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthIndex = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthIndex + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The year of a day counted from 1970-01-01. */
function yearOfDays(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  return yearOfEra + era * 400 + (monthIndex >= 10 ? 1 : 0);
}

/** Day of week of a day counted from 1970-01-01 (a Thursday): 0 = Sunday ... 6 = Saturday. */
function weekdayOfDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** The day (from 1970-01-01) of the n-th Sunday of a month. */
function nthSunday(year: number, month: number, n: number): number {
  const first = daysFromCivil(year, month, 1);
  return first + ((7 - weekdayOfDays(first)) % 7) + (n - 1) * 7;
}

// The switch moments of the last year asked about (local standard ms): most calls hit the same year.
let cachedYearFrom = 0;
let cachedYearTo = 0;
let cachedDstStart = 0;
let cachedDstEnd = 0;

/**
 * Whether daylight saving time is in effect at a moment given as local STANDARD time (epoch ms shifted
 * by the standard offset). Starts 2nd Sunday of March 02:00 standard; ends 1st Sunday of November
 * 02:00 daylight, which is 01:00 standard.
 */
function inDst(localStandardMs: number): boolean {
  if (!(localStandardMs >= cachedYearFrom && localStandardMs < cachedYearTo)) {
    const year = yearOfDays(Math.floor(localStandardMs / DAY));
    cachedYearFrom = daysFromCivil(year, 1, 1) * DAY;
    cachedYearTo = daysFromCivil(year + 1, 1, 1) * DAY;
    cachedDstStart = nthSunday(year, 3, 2) * DAY + 2 * HOUR;
    cachedDstEnd = nthSunday(year, 11, 1) * DAY + 1 * HOUR;
  }
  return localStandardMs >= cachedDstStart && localStandardMs < cachedDstEnd;
}

/** Local time of a state as epoch milliseconds shifted by its UTC offset; NaN for an unknown state. */
function localMs(epochMs: number, state: string): number {
  const index = stateIndex.get(state);
  if (index === undefined) return Number.NaN;
  const standard = epochMs + standardOffsetMs[index]!;
  return observesDst[index] === 1 && inDst(standard) ? standard + HOUR : standard;
}

/** UTC offset in hours of a state at a moment (e.g. -4 for New York in July), or null for an unknown state. */
export function utcOffsetHours(epochMs: number, state: string): number | null {
  const local = localMs(epochMs, state);
  return Number.isNaN(local) ? null : (local - epochMs) / HOUR;
}

/** Hour of day (0-23) on the wall clock of a US state, or null for an unknown state or time. */
export function localHour(epochMs: number, state: string): number | null {
  const local = localMs(epochMs, state);
  if (!Number.isFinite(local)) return null;
  return Math.floor((local - Math.floor(local / DAY) * DAY) / HOUR);
}

/** Day of week (0 = Sunday ... 6 = Saturday) on the wall clock of a US state, or null when unknown. */
export function localDayOfWeek(epochMs: number, state: string): number | null {
  const local = localMs(epochMs, state);
  if (!Number.isFinite(local)) return null;
  return weekdayOfDays(Math.floor(local / DAY));
}

/** Whether the state code is one this module knows (the 50 states and DC). */
export function isKnownState(state: string): boolean {
  return stateIndex.has(state);
}
