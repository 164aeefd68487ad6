// engine.decideStream, the library's streaming API: raw inputs in, one result per input out in input
// order, invalid inputs as coded errors in their place, the same decisions as a batch, and nothing read
// ahead of the consumer beyond one chunk.
import { describe, expect, it } from 'vitest';
import { createEngine, ErrorCode, type StreamResult } from '../../src/index.js';
import { readEvents } from '../../src/batch/readEvents.js';
import { stable } from '../fixtures/decisions.js';

describe('engine.decideStream', () => {
  it('yields a result per input in input order: the decisions decideBatch gives, and the invalid inputs coded in their place', async () => {
    const events = (await readEvents('data/applications.csv')).events.slice(0, 60);
    const inputs: unknown[] = [...events];
    inputs.splice(5, 0, { ...events[5], annual_inc: 'lots' });
    inputs.splice(23, 0, 'not an object');
    async function* source() {
      yield* inputs;
    }
    const results: StreamResult[] = [];
    for await (const result of (await createEngine()).decideStream(source(), { chunkSize: 7 })) results.push(result);
    expect(results.map((result) => result.index)).toEqual(inputs.map((_, index) => index));
    for (const index of [5, 23]) {
      expect(results[index]).toMatchObject({ error: { code: ErrorCode.EVENT_INVALID } });
    }
    expect((results[5] as { error: { message: string } }).error.message).toContain('annual_inc');
    const batch = await (await createEngine()).decideBatch(events);
    const streamed = results.flatMap((result) => ('decision' in result ? [result.decision] : []));
    expect(streamed.map(stable)).toEqual(batch.map(stable));
  }, 60_000);

  it('reads no further ahead than one chunk: an endless source can be consumed in part', async () => {
    const events = (await readEvents('data/applications.csv')).events.slice(0, 200);
    let pulled = 0;
    function* endless() {
      for (let round = 0; ; round += 1) {
        for (const event of events) {
          pulled += 1;
          yield { ...event, application_id: `${event.application_id}-${round}` };
        }
      }
    }
    const engine = await createEngine();
    let seen = 0;
    for await (const result of engine.decideStream(endless(), { chunkSize: 4 })) {
      expect('decision' in result).toBe(true);
      seen += 1;
      if (seen === 10) break;
    }
    expect(pulled).toBe(12);
    await expect(engine.decideStream([], { chunkSize: 0 }).next()).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID });
  });
});
