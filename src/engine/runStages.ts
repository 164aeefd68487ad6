// Runs the stages in order over a batch of prepared events. A stage with a batched path (one model call
// for many events) gets the whole batch at once; the others run per event. Each stage sees the results
// of the stages before it for the same event. Timing is per event: a batched stage's time is shared
// evenly among its events.
import { performance } from 'node:perf_hooks';
import { ErrorCode, FengkongError } from '../errors.js';
import type { StageName } from '../schema/decision.js';
import type { Stage, StageInput, StageOutput } from './stage.js';

export interface StageRun {
  readonly outputs: Partial<Record<StageName, StageOutput<unknown>>>;
  /** Microseconds per stage for this event. */
  readonly latencyUs: Partial<Record<StageName, number>>;
}

export async function runStages(
  stages: ReadonlyArray<Stage<unknown>>,
  inputs: ReadonlyArray<Omit<StageInput, 'earlier'>>,
): Promise<StageRun[]> {
  const runs = inputs.map(() => ({ outputs: {} as StageRun['outputs'], latencyUs: {} as StageRun['latencyUs'] }));
  // Each event's results so far, by stage name: a new object after each stage, so a stage keeps what it saw.
  const earlier: Array<StageInput['earlier']> = inputs.map(() => ({}));
  for (const stage of stages) {
    const stageInputs: StageInput[] = inputs.map(({ id, atMs, event, facts, identifiers }, index) => ({
      id,
      atMs,
      event,
      facts,
      identifiers,
      earlier: earlier[index]!,
    }));
    if (stage.evaluateBatch !== undefined && stageInputs.length > 1) {
      const started = performance.now();
      const outputs = await guard(stage, stageInputs[0]!, () => stage.evaluateBatch!(stageInputs));
      const shareUs = microseconds(started, performance.now()) / stageInputs.length;
      if (outputs.length !== stageInputs.length) {
        throw new FengkongError(
          ErrorCode.STAGE_FAILED,
          `stage ${stage.name} returned ${outputs.length} results for ${stageInputs.length} events`,
        );
      }
      outputs.forEach((output, index) => {
        runs[index]!.outputs[stage.name] = output;
        runs[index]!.latencyUs[stage.name] = tenths(shareUs);
      });
    } else {
      for (const [index, input] of stageInputs.entries()) {
        const started = performance.now();
        runs[index]!.outputs[stage.name] = await guard(stage, input, () => stage.evaluate(input));
        runs[index]!.latencyUs[stage.name] = microseconds(started, performance.now());
      }
    }
    if (stage !== stages[stages.length - 1]) {
      for (const [index, run] of runs.entries()) earlier[index] = { ...earlier[index], [stage.name]: run.outputs[stage.name]!.result };
    }
  }
  return runs;
}

async function guard<T>(stage: Stage<unknown>, input: StageInput, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof FengkongError) throw cause;
    const why = cause instanceof Error ? cause.name : 'error';
    throw new FengkongError(ErrorCode.STAGE_FAILED, `stage ${stage.name} failed on application ${input.id} (${why})`, {
      cause,
    });
  }
}

export function microseconds(from: number, to: number): number {
  return Math.round((to - from) * 10_000) / 10;
}

/** Microseconds as decisions show them: to a tenth. */
export function tenths(us: number): number {
  return Math.round(us * 10) / 10;
}
