// Serves any manifest's model over any CSV: each row's PD, score, attributions and adverse-action
// reasons, one JSON line per row, in row order. The CSV is streamed (csv-parse), not loaded whole.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import { ErrorCode, FengkongError } from '../../errors.js';
import { loadDerivedFeatures } from '../../features/derived.js';
import { shippedPaths } from '../../engine/paths.js';
import { createCreditPredictor, loadCreditModel } from './stage.js';

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export interface PredictSummary {
  readonly rows: number;
  readonly meanPd: number;
}

export async function predictCsvFile(
  inputPath: string,
  manifestPath: string,
  outputPath: string,
  batchSize = 1024,
): Promise<PredictSummary> {
  const model = await loadCreditModel(manifestPath);
  const predict = createCreditPredictor(model);
  // Derived features the model reads are computed from the row, as the trainer computed them.
  const derived = model.manifest.derivedFeaturesSha256 === null ? null : loadDerivedFeatures(shippedPaths.derivedFeatures);
  if (derived !== null && derived.sha256 !== model.manifest.derivedFeaturesSha256) {
    throw new FengkongError(ErrorCode.MODEL_INVALID, `${manifestPath}: derivedFeaturesSha256 does not match the shipped derived features`);
  }
  const out = createWriteStream(outputPath);
  let rows = 0;
  let pdSum = 0;
  let pending: Array<Record<string, unknown>> = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const predictions = await predict(pending);
    for (const prediction of predictions) pdSum += prediction.result.pd;
    const text = predictions
      .map((prediction, index) =>
        JSON.stringify({ row: rows - pending.length + index + 1, ...prediction.result, reasons: prediction.reasons }),
      )
      .join('\n');
    pending = [];
    if (!out.write(`${text}\n`)) await once(out, 'drain');
  };
  const parser = createReadStream(inputPath).pipe(parse({ columns: true, bom: true }));
  for await (const raw of parser as AsyncIterable<Record<string, string>>) {
    const record: Record<string, unknown> = {};
    for (const [column, text] of Object.entries(raw)) record[column] = text === '' ? null : NUMBER.test(text) ? Number(text) : text;
    if (derived !== null) Object.assign(record, derived.compiled.compute(record));
    pending.push(record);
    rows += 1;
    if (pending.length >= batchSize) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { rows, meanPd: rows === 0 ? 0 : pdSum / rows };
}
