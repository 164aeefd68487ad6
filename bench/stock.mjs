// The stock assembly: what a user would write from the same libraries without fengkong, to score a
// CSV of applications. csv-parse (records as objects, `columns: true`), a zod schema of the CSV's
// columns (numbers coerced, empty fields null), json-rules-engine 7.3.1 `Engine.run` with the shipped
// rule packs over the row's columns (`allowUndefinedFacts: true`: the velocity, list and derived facts
// the packs also read are undefined here, so those rules never fire), a logistic regression as a plain
// loop over models/fraud-lr.json's coefficients, onnxruntime-node `InferenceSession.run` on
// models/credit.onnx in batches of 1024 (rows encoded with fengkong's encodeRecord), and
// `JSON.stringify` of a small decision object per row.
//
// It is a cost model, not a second fengkong: its fraud and credit inputs are only what the row
// carries (the fraud model's velocity and identity inputs take their training mean, so they
// contribute nothing; the credit model's derived inputs take their fill value), and its outcome is a
// three-line policy. What it keeps is the work per row a user's pipeline would do with these
// libraries.
//
//   import { createStockAssembly } from './stock.mjs';
//   const stock = await createStockAssembly();
//   const { rows, rowsPerSecond } = await stock.scoreFile('data/applications.csv');
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { Engine } from 'json-rules-engine';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { encodeRecord } from '../dist/stages/credit/encode.js';
import { feed, keep, round } from './timing.mjs';

export const STOCK_ONNX_BATCH = 1024;

const emptyToNull = (value) => (value === '' ? null : value);
const text = z.preprocess(emptyToNull, z.string().nullable());
const requiredText = z.string().min(1);
const number = z.preprocess(emptyToNull, z.coerce.number().finite().nullable());
const requiredNumber = z.coerce.number().finite();

/** The columns of data/applications.csv, as a user would declare them. */
export const StockRow = z.object({
  application_id: requiredText,
  applied_at: z.iso.datetime(),
  applicant_id: text,
  device_id: text,
  ip: text,
  email: text,
  phone: text,
  ip_region: text,
  channel: z.enum(['web', 'mobile_app', 'broker', 'branch']),
  addr_state: requiredText,
  funded_amnt: requiredNumber,
  term: z.enum(['term_36', 'term_60']),
  annual_inc: requiredNumber,
  emp_length: text,
  verification_status: text,
  delinq_2yrs: number,
  inq_last_6mths: number,
  revol_util: number,
  acc_now_delinq: number,
  open_il_6m: number,
  open_il_12m: number,
  open_il_24m: number,
  total_bal_il: number,
  all_util: number,
  inq_fi: number,
  inq_last_12m: number,
  delinq_amnt: number,
  num_il_tl: number,
  total_il_high_credit_limit: number,
  int_rate: number,
  sub_grade: text,
  default: number,
  is_fraud: number,
  fraud_scenario: text,
});

/**
 * The fraud model's inputs that a row alone gives; every other input takes its baseline (the training
 * mean) and so contributes 0. Not fengkong's features: an approximation a user might write.
 */
const rowFraudInputs = {
  log_loan_to_income: (row) => (row.annual_inc > 0 ? Math.log1p(row.funded_amnt / row.annual_inc) : null),
  ip_region_mismatch: (row) => (row.ip_region === null ? null : row.ip_region === row.addr_state ? 0 : 1),
  log_email_local_digits: (row) => (row.email === null ? null : Math.log1p(row.email.split('@')[0].replace(/\D/g, '').length)),
};

function fraudProbability(model, row) {
  let logit = model.intercept;
  for (const feature of model.features) {
    const input = rowFraudInputs[feature.name];
    const value = (input === undefined ? null : input(row)) ?? feature.baseline;
    logit += (feature.coefficient * (value - feature.mean)) / feature.scale;
  }
  return 1 / (1 + Math.exp(-logit));
}

/** PDO scaling as the manifest states it: baseScore at baseOdds (good:bad), pointsToDoubleOdds. */
function creditScore(scaling, logitOfBad) {
  const factor = scaling.pointsToDoubleOdds / Math.LN2;
  const points = scaling.baseScore + factor * (-logitOfBad - Math.log(scaling.baseOdds));
  return Math.round(Math.min(scaling.max, Math.max(scaling.min, points)));
}

/** Loads the rule packs, the two models and the ONNX session once; `repo` is the repository's root. */
export async function createStockAssembly({ repo = '.' } = {}) {
  const packsDir = join(repo, 'rules/packs');
  const rules = readdirSync(packsDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .flatMap((name) => JSON.parse(readFileSync(join(packsDir, name), 'utf8')).rules);
  const engine = new Engine(rules, { allowUndefinedFacts: true });
  const fraudModel = JSON.parse(readFileSync(join(repo, 'models/fraud-lr.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(repo, 'models/credit.manifest.json'), 'utf8'));
  // The runtime's defaults, as a user would open it.
  const session = await InferenceSession.create(join(repo, 'models', manifest.onnx.file));
  const width = manifest.inputs.length;

  /**
   * Scores the CSV at `path` (at most `limitRows` rows); answers the rows decided and the wall clock
   * from the first byte read to the last decision stringified.
   */
  async function scoreFile(path, { limitRows = Infinity } = {}) {
    const started = process.hrtime.bigint();
    const batchRows = new Float32Array(STOCK_ONNX_BATCH * width);
    let pending = [];
    const outcomes = { approve: 0, review: 0, decline: 0 };
    let rows = 0;

    const flush = async () => {
      if (pending.length === 0) return;
      const n = pending.length;
      const input = new Tensor('float32', batchRows.subarray(0, n * width), [n, width]);
      const outputs = await session.run({ [manifest.onnx.inputName]: input });
      const logits = outputs[manifest.onnx.logitOutput].data;
      const pds = outputs[manifest.onnx.pdOutput].data;
      for (let j = 0; j < n; j += 1) {
        const { applicationId, fired, severities, fraud } = pending[j];
        const score = creditScore(manifest.scaling, logits[j]);
        const outcome =
          severities.has('decline') || fraud >= 0.9 || score < 540
            ? 'decline'
            : severities.has('review') || fraud >= 0.3
              ? 'review'
              : 'approve';
        outcomes[outcome] += 1;
        const line = JSON.stringify({
          applicationId,
          outcome,
          rules: fired,
          fraudProbability: round(fraud, 4),
          pd: round(pds[j], 4),
          score,
        });
        feed(line.length);
        keep(line);
      }
      pending = [];
    };

    const records = createReadStream(path).pipe(parse({ columns: true }));
    for await (const record of records) {
      if (rows >= limitRows) break;
      const row = StockRow.parse(record);
      const { results } = await engine.run(row);
      const fired = results.map((result) => result.event.type);
      const severities = new Set(results.map((result) => result.event.params.severity));
      const fraud = fraudProbability(fraudModel, row);
      encodeRecord(manifest.inputs, row, batchRows, pending.length * width);
      pending.push({ applicationId: row.application_id, fired, severities, fraud });
      rows += 1;
      if (pending.length === STOCK_ONNX_BATCH) await flush();
    }
    records.destroy();
    await flush();
    const elapsedNs = Number(process.hrtime.bigint() - started);
    return { rows, elapsedMs: round(elapsedNs / 1e6), rowsPerSecond: round(rows / (elapsedNs / 1e9)), outcomes };
  }

  return { scoreFile, release: () => session.release() };
}
