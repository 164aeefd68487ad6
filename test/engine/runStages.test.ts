// The stage runner: order, earlier results, the batched path and per-event timing.
import { describe, expect, it } from 'vitest';
import { runStages } from '../../src/engine/runStages.js';
import type { Stage, StageInput } from '../../src/engine/stage.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import { ErrorCode } from '../../src/errors.js';
import { cleanEvent, hashedIdentifiers } from '../fixtures/events.js';

const inputs = ['E1', 'E2', 'E3'].map((id) => ({
  id,
  atMs: Date.parse(cleanEvent().applied_at),
  event: shippedDataModel().parseEvent(cleanEvent({ application_id: id })),
  facts: { funded_amnt: 1 },
  identifiers: hashedIdentifiers(),
}));

describe('runStages', () => {
  it('runs stages in order, each seeing the results of the stages before it for the same event', async () => {
    const seen: string[] = [];
    const first: Stage<string> = {
      name: 'rules',
      sha256: {},
      evaluate: (input) => {
        seen.push(`rules:${input.event.application_id}`);
        return { result: `r-${input.event.application_id}`, reasons: [] };
      },
    };
    const calls: number[] = [];
    const second: Stage<string> = {
      name: 'fraud',
      sha256: {},
      evaluate: () => {
        throw new Error('the batched path should be used for a batch');
      },
      evaluateBatch: async (batch: readonly StageInput[]) => {
        calls.push(batch.length);
        return batch.map((input) => ({ result: `f-after-${String(input.earlier.rules)}`, reasons: [] }));
      },
    };
    const runs = await runStages([first, second], inputs);
    expect(seen).toEqual(['rules:E1', 'rules:E2', 'rules:E3']);
    expect(calls).toEqual([3]);
    expect(runs.map((run) => run.outputs.fraud?.result)).toEqual(['f-after-r-E1', 'f-after-r-E2', 'f-after-r-E3']);
    for (const run of runs) {
      expect(run.latencyUs.rules).toBeGreaterThanOrEqual(0);
      expect(run.latencyUs.fraud).toBeGreaterThanOrEqual(0);
    }
  });

  it('uses the per-event path for a single event, and wraps a stage crash as FK_STAGE_FAILED naming the stage', async () => {
    const crashing: Stage<string> = {
      name: 'credit',
      sha256: {},
      evaluate: () => {
        throw new TypeError('boom');
      },
      evaluateBatch: async () => [],
    };
    await expect(runStages([crashing], inputs.slice(0, 1))).rejects.toMatchObject({
      code: ErrorCode.STAGE_FAILED,
      message: expect.stringContaining('stage credit failed'),
    });
    await expect(runStages([crashing], inputs)).rejects.toMatchObject({
      code: ErrorCode.STAGE_FAILED,
      message: expect.stringContaining('0 results for 3'),
    });
  });
});
