// The one event-time order of application history: applied_at, ties in file order (applied_at is
// validated as an ISO date-time before anything is sorted, so every time parses). Replay, the held-out
// split, drift and the fraud trainer all sort this way, so a row's place in time, and which slice it
// falls in, is the same everywhere. It sits beside the velocity history, below the stages that use it.

/** Milliseconds since the epoch of an applied_at; NaN when it does not parse. */
export function eventTimeMs(appliedAt: string): number {
  return Date.parse(appliedAt);
}

/**
 * A new array of `items` in event-time order: by `timeOf` (an applied_at string, or its milliseconds),
 * equal times keeping their order in `items` (file order when `items` is in file order).
 */
export function inEventTime<T>(items: readonly T[], timeOf: (item: T) => string | number): T[] {
  return items
    .map((item, index) => {
      const time = timeOf(item);
      return { item, index, atMs: typeof time === 'number' ? time : eventTimeMs(time) };
    })
    .sort((a, b) => a.atMs - b.atMs || a.index - b.index)
    .map(({ item }) => item);
}
