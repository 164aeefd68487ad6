// The one event-time order: applied_at, ties in the order given (file order).
import { describe, expect, it } from 'vitest';
import { eventTimeMs, inEventTime } from '../../src/features/eventTime.js';

describe('inEventTime', () => {
  const events = [
    { id: 'c', applied_at: '2016-01-02T00:00:00Z' },
    { id: 'a', applied_at: '2016-01-01T00:00:00Z' },
    { id: 'd', applied_at: '2016-01-02T00:00:00Z' },
    { id: 'b', applied_at: '2016-01-01T12:00:00Z' },
    { id: 'e', applied_at: '2016-01-02T00:00:00Z' },
  ];

  it('sorts by applied_at, equal times keeping their order, and leaves its input alone', () => {
    expect(inEventTime(events, (event) => event.applied_at).map((event) => event.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(events.map((event) => event.id)).toEqual(['c', 'a', 'd', 'b', 'e']);
  });

  it('takes the time as milliseconds too, with the same order', () => {
    expect(inEventTime(events, (event) => eventTimeMs(event.applied_at)).map((event) => event.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    // Ties keep the given order, whatever it is: reversed input, reversed ties.
    expect(inEventTime([...events].reverse(), (event) => event.applied_at).map((event) => event.id)).toEqual(['a', 'b', 'e', 'd', 'c']);
  });
});
