// fengkong's single decision: `await engine.decide(event)` in a loop over distinct, time-ordered
// events, each call timed on its own with process.hrtime.bigint (a call takes tens to hundreds of
// microseconds, far above the timer's cost). One engine per measurement, so no application id is
// decided twice by the same engine; the first events warm the JIT up and are not counted.
import { createEngine } from '../dist/index.js';
import { parseEngineConfig } from '../dist/engine/loadInputs.js';
import { feed, keep, percentiles, round } from './timing.mjs';

/** Whether the library accepts a config (a key another change may not have added yet), and why not. */
export function configAccepted(config) {
  try {
    parseEngineConfig(config);
    return { accepted: true };
  } catch (error) {
    return { accepted: false, reason: error.message };
  }
}

/**
 * Decides `events` one `await engine.decide(event)` at a time on a fresh engine built from `config`:
 * the first `warmupEvents` untimed, the rest timed per call. rowsPerSecond is the timed events over the
 * wall clock of the timed loop.
 */
export async function timeSingleDecisions(events, config, { warmupEvents }) {
  const engine = await createEngine(config);
  const decideOne = async (event) => {
    const decision = await engine.decide(event);
    if (decision.audit.repeated === true) throw new Error(`application ${event.application_id} was decided twice`);
    feed(decision.tier + decision.reasons.all.length);
    keep(decision);
  };
  for (let i = 0; i < warmupEvents; i += 1) await decideOne(events[i]);
  const timed = events.length - warmupEvents;
  const samplesNs = new Float64Array(timed);
  const started = process.hrtime.bigint();
  for (let i = warmupEvents; i < events.length; i += 1) {
    const callStarted = process.hrtime.bigint();
    await decideOne(events[i]);
    samplesNs[i - warmupEvents] = Number(process.hrtime.bigint() - callStarted);
  }
  const elapsedNs = Number(process.hrtime.bigint() - started);
  let totalNs = 0;
  for (const ns of samplesNs) totalNs += ns;
  return {
    config,
    warmupEvents,
    events: timed,
    ...percentiles(samplesNs),
    meanNs: round(totalNs / timed),
    elapsedMs: round(elapsedNs / 1e6),
    rowsPerSecond: round(timed / (elapsedNs / 1e9)),
  };
}
