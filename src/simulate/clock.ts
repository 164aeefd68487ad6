// When applications arrive: the simulation window and the weekly and daily rhythm, the daily curve
// read on the applicant's LOCAL wall clock (so a Californian's 11 am is three hours after a New Yorker's).
import { localDayOfWeek, localHour } from '../features/localTime.js';
import type { Random } from './prng.js';
import { SOURCE_ROWS } from './source.js';

/** First instant of the window: Monday 2016-01-04 00:00:00 UTC. */
export const WINDOW_START_MS = Date.UTC(2016, 0, 4);
/** Length of the window for up to SOURCE_ROWS rows; larger runs stretch it proportionally, */
export const BASE_WINDOW_DAYS = 90;
/**
 * up to three years (to 2019-01-04; about 120,000 rows); beyond, more applications a day. Stretching
 * further would carry a million rows to 2041, dates the engine refuses as lying in the future.
 */
export const MAX_WINDOW_DAYS = 1096;

const DAY_SECONDS = 86_400;

export interface TimeWindow {
  /** Epoch seconds, included. */
  readonly startSec: number;
  /** Epoch seconds, excluded. */
  readonly endSec: number;
}

/**
 * 90 days from 2016-01-04 for up to 9,857 rows; 90 × rows / 9,857 days beyond, so volume per day
 * holds, up to MAX_WINDOW_DAYS.
 */
export function windowFor(rows: number): TimeWindow {
  const days = rows <= SOURCE_ROWS ? BASE_WINDOW_DAYS : Math.min((BASE_WINDOW_DAYS * rows) / SOURCE_ROWS, MAX_WINDOW_DAYS);
  const startSec = WINDOW_START_MS / 1000;
  return { startSec, endSec: startSec + Math.round(days * DAY_SECONDS) };
}

/** Relative volume by local hour: quiet 1-5 am, a late-morning peak and a higher evening peak. */
export const HOUR_WEIGHTS: readonly number[] = [
  1.3, 0.7, 0.4, 0.3, 0.3, 0.5, 1.0, 1.9, 3.0, 4.2, 5.1, 5.5, 5.0, 4.7, 4.5, 4.3, 4.2, 4.4, 4.9, 5.4, 5.7, 5.0, 3.6, 2.2,
];
/** Relative volume by local day of week, Sunday first: weekdays busier than weekends. */
export const DAY_WEIGHTS: readonly number[] = [0.62, 1.12, 1.1, 1.06, 1.02, 0.95, 0.68];

const MAX_WEIGHT = Math.max(...HOUR_WEIGHTS) * Math.max(...DAY_WEIGHTS);

/** The rhythm weight of a moment for an applicant in `state`, scaled to at most 1. */
export function rhythmWeight(epochMs: number, state: string): number {
  const hour = localHour(epochMs, state);
  const day = localDayOfWeek(epochMs, state);
  if (hour === null || day === null) return 1;
  return (HOUR_WEIGHTS[hour]! * DAY_WEIGHTS[day]!) / MAX_WEIGHT;
}

/** A whole second in the window drawn from the rhythm of `state` (rejection sampling). */
export function sampleApplicationTime(rng: Random, window: TimeWindow, state: string): number {
  const span = window.endSec - window.startSec;
  for (;;) {
    const second = window.startSec + Math.floor(rng.float() * span);
    if (rng.float() < rhythmWeight(second * 1000, state)) return second;
  }
}

/** ISO 8601 UTC without milliseconds, e.g. 2016-01-04T13:05:09Z. */
export function isoSeconds(epochSec: number): string {
  return new Date(epochSec * 1000).toISOString().slice(0, 19) + 'Z';
}
