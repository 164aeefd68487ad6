// fengkong's credit scoring path against raw onnxruntime-node `InferenceSession.run` on the same model
// and the same inputs, at batch 1 and batch 1024 (tinybench; a call takes microseconds and up).
//
// The inputs: the facts the engine builds for the first 1024 applications of the file (so the credit
// model's derived inputs are there), encoded once with fengkong's encodeRecord; the raw session gets
// those encoded rows, exactly the tensor fengkong hands the runtime. Both sessions are opened with the
// options fengkong uses (one thread each for intra- and inter-op, all graph optimisations).
//
// fengkong's path without attributions, the one the ratio compares: when the library offers a way
// to score without the Shapley attributions (probed below: `createCreditPredictor(model).score`, which
// takes the facts records and so encodes them too), that; otherwise its CreditSession wrapper's `run`
// (input checks, the tensor, the output checks and copies), which is what the credit stage calls to
// score. Timed beside them for reference: CreditSession.run on its own (the runtime's wrapper without
// the encoding) and the predictor with attributions (scoring, then 2^7 coalitions per row for the
// exact group Shapley values, and the reasons).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import * as creditStage from '../dist/stages/credit/stage.js';
import { encodeRecord } from '../dist/stages/credit/encode.js';
import { loadDecisionInputs, parseEngineConfig } from '../dist/engine/loadInputs.js';
import { createMemoryStore } from '../dist/state/memory.js';
import { feed, keep, round, timeTasks } from './timing.mjs';

export const CREDIT_BATCH = 1024;

/** The facts of the first `n` events, built as the engine builds them (velocity history included). */
function factsOf(events, n) {
  const inputs = loadDecisionInputs(parseEngineConfig({}), createMemoryStore());
  return events.slice(0, n).map((event) => inputs.factBuilder.build(event).facts);
}

/**
 * The library's scorer with and without attributions. `createCreditPredictor(model)` answers either a
 * function (score with attributions) or `{ score, attribute, predict }`, whose `score` leaves the
 * attributions out: checked on a record, not assumed. `scoreOnly` is null when there is no such way.
 */
async function creditScorers(model, records) {
  const predictor = creditStage.createCreditPredictor(model);
  if (typeof predictor === 'function') return { predict: predictor, scoreOnly: null };
  const { predict, score } = predictor;
  if (typeof score === 'function') {
    const [prediction] = await score(records.slice(0, 1));
    const attributions = prediction?.result?.attributions;
    if (attributions === undefined || attributions.length === 0) {
      return { predict, scoreOnly: { score, name: '`createCreditPredictor(model).score`' } };
    }
  }
  return { predict, scoreOnly: null };
}

/**
 * Times, at batch 1 and batch 1024: raw session.run, fengkong's path without attributions and the full
 * predictor. Answers the timings, the path used and the ratios (fengkong's median over raw's).
 */
export async function benchCredit(events, { repo = '.', timeMs, warmupMs, batches = [1, CREDIT_BATCH] }) {
  const manifestPath = join(repo, 'models/credit.manifest.json');
  const model = await creditStage.loadCreditModel(manifestPath);
  const { manifest } = model;
  const width = manifest.inputs.length;
  const raw = await InferenceSession.create(readFileSync(join(repo, 'models', manifest.onnx.file)), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const records = factsOf(events, CREDIT_BATCH);
  if (records.length < CREDIT_BATCH) throw new Error(`the credit benchmark needs ${CREDIT_BATCH} applications`);
  const encoded = new Float32Array(CREDIT_BATCH * width);
  records.forEach((record, index) => encodeRecord(manifest.inputs, record, encoded, index * width));
  const rowAt = (i) => encoded.subarray(i * width, (i + 1) * width);
  const { predict: predictWithAttributions, scoreOnly } = await creditScorers(model, records);
  const fengkongPath = scoreOnly?.name ?? '`CreditSession.run` (dist/stages/credit/session.js)';

  // The same answers both ways, for every row, before timing anything.
  const rawLogits = (await raw.run({ [manifest.onnx.inputName]: new Tensor('float32', encoded, [CREDIT_BATCH, width]) }))[
    manifest.onnx.logitOutput
  ].data;
  const wrappedLogits = (await model.session.run(encoded, CREDIT_BATCH)).logits;
  for (let i = 0; i < CREDIT_BATCH; i += 1) {
    if (Math.abs(rawLogits[i] - wrappedLogits[i]) > 1e-5) throw new Error(`row ${i}: raw session.run and CreditSession.run disagree`);
  }

  // The task timing fengkong's path without attributions: the score-only predictor when there is one.
  const pathTask = scoreOnly ? 'fengkong score without attributions' : 'fengkong CreditSession.run';
  const tasks = [];
  for (const batch of batches) {
    // Batch 1 cycles through the rows; batch 1024 scores them all each call.
    let next = 0;
    const slice = () => {
      if (batch === CREDIT_BATCH) return { rows: encoded, records };
      const i = next++ % CREDIT_BATCH;
      return { rows: rowAt(i), records: records.slice(i, i + 1) };
    };
    tasks.push(
      {
        name: `raw session.run, batch ${batch}`,
        async: true,
        fn: async () => {
          const outputs = await raw.run({ [manifest.onnx.inputName]: new Tensor('float32', slice().rows, [batch, width]) });
          feed(outputs[manifest.onnx.logitOutput].data[0]);
        },
      },
      {
        name: `fengkong CreditSession.run, batch ${batch}`,
        async: true,
        fn: async () => feed((await model.session.run(slice().rows, batch)).logits[0]),
      },
      {
        name: `fengkong predictor with attributions, batch ${batch}`,
        async: true,
        fn: async () => {
          const predictions = await predictWithAttributions(slice().records);
          feed(predictions[0].result.score);
          keep(predictions);
        },
      },
    );
    if (scoreOnly) {
      tasks.push({
        name: `fengkong score without attributions, batch ${batch}`,
        async: true,
        fn: async () => {
          const predictions = await scoreOnly.score(slice().records);
          feed(predictions[0].result.score);
          keep(predictions);
        },
      });
    }
  }
  const times = await timeTasks(tasks, { timeMs, warmupMs });
  const ratios = {};
  for (const batch of batches) {
    const over = (task, digits) =>
      round(times[`${task}, batch ${batch}`].medianNs / times[`raw session.run, batch ${batch}`].medianNs, digits);
    ratios[`batch${batch}`] = over(pathTask, 3);
    ratios[`batch${batch}CreditSession`] = over('fengkong CreditSession.run', 3);
    ratios[`batch${batch}WithAttributions`] = over('fengkong predictor with attributions', 2);
  }
  await raw.release();
  await model.session.release();
  return { fengkongPath, pathTask, sessionOptions: 'intraOpNumThreads 1, interOpNumThreads 1, graphOptimizationLevel all', times, ratios };
}
