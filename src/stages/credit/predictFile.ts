// Serves any manifest's model over any CSV: each row's PD, score, attributions and adverse-action
// reasons, one JSON line per row, in row order. The CSV is streamed (csv-parse), not loaded whole.
// Cells are read as the trainer read them: a categorical input's column as text, the others as numbers
// (empty = missing). A row that cannot be scored gets a line with its error; the others go on.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import { ErrorCode, FengkongError, isFengkongError } from '../../errors.js';
import { loadDerivedFeatures } from '../../features/derived.js';
import { shippedPaths } from '../../engine/paths.js';
import { shippedDataModel } from '../../features/dataModel.js';
import { createCreditPredictor, loadCreditModel } from './stage.js';

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export interface PredictSummary {
  readonly rows: number;
  readonly scored: number;
  readonly failed: number;
  readonly meanPd: number;
}

export async function predictCsvFile(
  inputPath: string,
  manifestPath: string,
  outputPath: string,
  batchSize = 1024,
): Promise<PredictSummary> {
  const model = await loadCreditModel(manifestPath);
  const { manifest } = model;
  const predictor = createCreditPredictor(model);
  // Derived features the model reads are computed from the row, as the trainer computed them.
  const derived = manifest.derivedFeaturesSha256 === null ? null : loadDerivedFeatures(shippedPaths.derivedFeatures, shippedDataModel());
  if (derived !== null && derived.sha256 !== manifest.derivedFeaturesSha256) {
    throw new FengkongError(ErrorCode.MODEL_INVALID, `${manifestPath}: derivedFeaturesSha256 does not match the shipped derived features`);
  }
  const categorical = new Set(manifest.inputs.filter((input) => input.kind === 'category').map((input) => input.source));
  const derivedNames = new Set(derived?.compiled.names ?? []);

  const out = createWriteStream(outputPath);
  let rows = 0;
  let scored = 0;
  let failed = 0;
  let pdSum = 0;
  let pending: Array<{ row: number; record: Record<string, unknown> }> = [];
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const predictions = await predictor.predict(batch.map((item) => item.record));
    const lines = predictions.map((prediction, index) => {
      pdSum += prediction.result.pd;
      return JSON.stringify({ row: batch[index]!.row, ...prediction.result, reasons: prediction.reasons });
    });
    scored += predictions.length;
    await write(`${lines.join('\n')}\n`);
  };

  const parser = createReadStream(inputPath).pipe(parse({ columns: true, bom: true }));
  let checkedHeader = false;
  for await (const raw of parser as AsyncIterable<Record<string, string>>) {
    if (!checkedHeader) {
      const missing = [...new Set(manifest.inputs.map((input) => input.source))].filter(
        (source) => !Object.hasOwn(raw, source) && !derivedNames.has(source),
      );
      if (missing.length > 0) {
        throw new FengkongError(ErrorCode.CSV_HEADER, `${inputPath}: the model reads column(s) the file lacks: ${missing.join(', ')}`);
      }
      checkedHeader = true;
    }
    rows += 1;
    try {
      pending.push({ row: rows, record: readRecord(raw, categorical, derived) });
    } catch (error) {
      failed += 1;
      const code = isFengkongError(error) ? error.code : ErrorCode.EVENT_INVALID;
      await write(`${JSON.stringify({ row: rows, error: { code, message: (error as Error).message } })}\n`);
    }
    if (pending.length >= batchSize) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { rows, scored, failed, meanPd: scored === 0 ? 0 : pdSum / scored };
}

function readRecord(
  raw: Readonly<Record<string, string>>,
  categorical: ReadonlySet<string>,
  derived: ReturnType<typeof loadDerivedFeatures> | null,
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [column, text] of Object.entries(raw)) {
    if (text === '') record[column] = null;
    else if (categorical.has(column)) record[column] = text;
    else if (NUMBER.test(text)) record[column] = Number(text);
    else record[column] = text;
  }
  if (derived !== null) {
    // The derived features read numbers; a text cell in one of their columns makes this row fail alone.
    for (const column of derived.compiled.eventInputs) {
      if (typeof record[column] === 'string') throw new FengkongError(ErrorCode.EVENT_INVALID, `column ${column}: expected a number`);
    }
    Object.assign(record, derived.compiled.compute(record));
  }
  return record;
}
