// The memory store's cap on one key's observations: the newest kept, the dropped counted, the bound
// holding under any traffic, and a snapshot carrying it all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStore, restoreMemoryStore } from '../../src/state/memory.js';

describe('a key past its cap', () => {
  it('keeps its newest observations: a window over all of them counts the kept ones, and the dropped are counted', () => {
    const store = createMemoryStore({ maxObservationsPerKey: 3 });
    for (let minute = 0; minute < 5; minute += 1) store.observe('hot', minute * 60_000, minute + 1, `t${minute}`);
    store.observe('cold', 0, 1, 'x');
    expect(store.window('hot', 0, 10 * 60_000)).toEqual({ count: 3, sum: 3 + 4 + 5, distinct: 3 });
    expect(store.window('cold', 0, 10 * 60_000).count).toBe(1);
    expect(store.latestAtOrBefore('hot', 10 * 60_000)).toBe(4 * 60_000);
    expect(store.stats()).toMatchObject({ observations: 4, truncatedObservations: 2 });
    const restored = restoreMemoryStore(JSON.parse(JSON.stringify(store.snapshot())));
    expect(restored.stats()).toMatchObject({ observations: 4, truncatedObservations: 2 });
    expect(restored.window('hot', 0, 10 * 60_000)).toEqual({ count: 3, sum: 12, distinct: 3 });
  });

  it('never holds more than the cap for any key, and answers exactly while no key reaches it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 600_000 })), { maxLength: 200 }),
        (events) => {
          const capped = createMemoryStore({ maxObservationsPerKey: 5 });
          const roomy = createMemoryStore({ maxObservationsPerKey: 1_000 });
          const perKey = new Map<number, number>();
          for (const [key, atMs] of events) {
            capped.observe(`k${key}`, atMs, 1, 't');
            roomy.observe(`k${key}`, atMs, 1, 't');
            perKey.set(key, (perKey.get(key) ?? 0) + 1);
          }
          for (const [key, observed] of perKey) {
            const count = capped.window(`k${key}`, -1, 1e9).count;
            expect(count).toBe(Math.min(observed, 5, roomy.window(`k${key}`, -1, 1e9).count));
          }
          const dropped = [...perKey.values()].reduce((sum, observed) => sum + Math.max(0, observed - 5), 0);
          expect(capped.stats().truncatedObservations).toBe(dropped);
        },
      ),
    );
  });
});
