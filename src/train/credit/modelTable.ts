// A labelled CSV read for the credit model through a data model: each row parsed as the engine parses
// an event (a row the data model refuses is dropped, with the reason counted), the candidate inputs
// chosen by role (feature fields only: never an id, time, identifier, metadata or label, nor a protected
// field the data model does not allow), numeric or categorical by declared type, and the rows ordered
// for the split the caller chose: by the time field, at random under a seed, or as the file has them.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { cellValue } from '../../batch/csvRecords.js';
import { ErrorCode, FengkongError, isFengkongError } from '../../errors.js';
import type { DataModel } from '../../features/dataModel.js';
import type { FieldType } from '../../schema/dataModel.js';
import type { EventRecord } from '../../schema/event.js';
import { computeModelFacts } from './modelFacts.js';
import {
  PROTECTED_EXCLUSION,
  requireBinaryTarget,
  ROLE_EXCLUSIONS,
  type CreditRecord,
  type CreditSource,
  type CreditSplit,
  type CreditTable,
  type CreditTableOptions,
  type DroppedRows,
  type Exclusion,
} from './creditTable.js';

const NOT_INPUTS: ReadonlySet<FieldType> = new Set(['timestamp', 'ipv4', 'ipv6', 'email', 'phone']);

/** The rows of `header`/`rows` (a parsed CSV) as the credit trainer reads them, through the data model. */
export function creditTableByModel(
  options: CreditTableOptions & { readonly dataModel: DataModel },
  bytes: Uint8Array,
  header: readonly string[],
  rows: ReadonlyArray<Record<string, string>>,
): CreditTable {
  const { dataModel: model, inputPath, target, positive } = options;
  const sourceName = basename(inputPath);
  const split = options.split ?? 'time';
  const invalid = (message: string) => new FengkongError(ErrorCode.CONFIG_INVALID, `${sourceName}: ${message}`);
  const targetField = model.field(target);
  if (targetField === undefined) throw invalid(`the target ${target} is not a field of the data model ${model.sourceName}`);
  if (targetField.role !== 'label')
    throw invalid(`the target ${target} has role ${targetField.role} in the data model; a target is a label`);
  if (split === 'time' && model.timeField === null) {
    throw invalid(
      `the data model has no time field, so no time split: choose --split random --seed S or --split file-order (the card states which)`,
    );
  }
  if (split === 'random' && options.splitSeed === undefined) throw invalid('a random split needs a seed (--seed)');
  for (const name of options.categorical ?? []) {
    if (model.field(name) === undefined) throw invalid(`"${name}" is not a field of the data model`);
  }

  // Each row read as an event: the CSV's text typed by the data model, then its schema.
  const missingCells = new Set(model.file.missingValues);
  const dropped: DroppedRows[] = [];
  const reasons = new Map<string, number>();
  const events: Array<{ row: number; event: Record<string, unknown> }> = [];
  const nowMs = Date.now();
  rows.forEach((row, index) => {
    const input: Record<string, unknown> = {};
    for (const field of model.fields) {
      if (!Object.hasOwn(row, field.name)) continue;
      const text = row[field.name]!;
      input[field.name] = missingCells.has(text) ? null : cellValue(text, kindOf(field.type));
    }
    try {
      events.push({ row: index, event: model.parseEvent(input, nowMs) });
    } catch (error) {
      if (!isFengkongError(error)) throw error;
      const why = error.message.replace(/^invalid event: /, '').split(';')[0]!;
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
  });
  for (const [why, count] of reasons) dropped.push({ rows: count, why: `not valid under the data model (${why})` });
  const labelled = events.filter(({ event }) => event[target] !== null && event[target] !== undefined);
  if (labelled.length < events.length) dropped.push({ rows: events.length - labelled.length, why: `the target ${target} is missing` });
  const targetValues = new Set(labelled.map(({ event }) => String(event[target])));
  requireBinaryTarget(sourceName, target, targetValues, positive);

  const excluded: Exclusion[] = [];
  const userExcluded = new Set(options.exclude ?? []);
  const forcedCategorical = new Set(options.categorical ?? []);
  const sources: CreditSource[] = [];
  const inHeader = new Set(header);
  for (const column of header) if (model.field(column) === undefined) excluded.push({ column, why: 'not a field of the data model' });
  for (const field of model.fields) {
    if (field.name === target || !inHeader.has(field.name)) continue;
    const why =
      (field.role === 'feature' ? undefined : ROLE_EXCLUSIONS[field.role]) ??
      (field.protected && field.protectedUse === undefined
        ? PROTECTED_EXCLUSION
        : NOT_INPUTS.has(field.type)
          ? `a ${field.type}: not a model input as it is (declare an aggregate or signal over it)`
          : userExcluded.has(field.name)
            ? 'excluded by the caller'
            : null);
    if (why !== null) {
      excluded.push({ column: field.name, why });
      continue;
    }
    if (labelled.every(({ event }) => event[field.name] === null || event[field.name] === undefined)) {
      excluded.push({ column: field.name, why: 'every value is missing' });
      continue;
    }
    const numeric = model.numericFields.has(field.name) && !forcedCategorical.has(field.name);
    sources.push({ name: field.name, kind: numeric ? 'numeric' : 'categorical', derived: false });
  }

  const records: CreditRecord[] = labelled.map(({ event }) => {
    const record: CreditRecord = {};
    for (const source of sources) {
      const value = event[source.name];
      record[source.name] = value === null || value === undefined ? null : source.kind === 'numeric' ? (value as number) : String(value);
    }
    return record;
  });

  // The engine's computed facts of every valid row (velocity needs the unlabelled rows' history too).
  const computed =
    options.engineConfig === undefined
      ? null
      : computeModelFacts(
          model,
          events.map(({ event }) => event as EventRecord),
          options.engineConfig,
        );
  const known = new Set([...model.fieldNames, ...(computed?.names ?? [])]);
  for (const name of options.exclude ?? []) {
    if (!known.has(name)) throw invalid(`--exclude "${name}" is neither a field of the data model nor a fact the engine computes from it`);
  }
  const descriptions: Record<string, string> = Object.fromEntries(model.fields.map((field) => [field.name, field.description]));
  let derivedFeaturesSha256: string | null = null;
  if (computed !== null) {
    const rowOf = new Map(events.map(({ row }, index) => [row, index]));
    for (const name of computed.names) {
      const values = labelled.map(({ row }) => computed.values[rowOf.get(row)!]![name] ?? null);
      if (userExcluded.has(name)) excluded.push({ column: name, why: 'excluded by the caller' });
      else if (values.every((value) => value === null)) excluded.push({ column: name, why: 'every value is missing' });
      else {
        sources.push({ name, kind: 'numeric', derived: computed.derived.has(name) });
        labelled.forEach((_, index) => (records[index]![name] = values[index]!));
        if (computed.derived.has(name)) derivedFeaturesSha256 = computed.derivedFeaturesSha256;
        descriptions[name] = computed.descriptions.get(name) || name.replaceAll('_', ' ');
      }
    }
  }
  const labels = Uint8Array.from(labelled, ({ event }) => (String(event[target]) === positive ? 1 : 0));
  const timeName = model.timeField?.name;
  const times = labelled.map(({ event }) => (timeName === undefined ? '' : String(event[timeName])));
  const order = rowOrder(split, labelled.length, options.splitSeed ?? 0, (i) =>
    timeName === undefined ? 0 : model.timeMsOf(labelled[i]!.event as never),
  );
  const reorder = <T>(values: readonly T[]): T[] => Array.from(order, (index) => values[index]!);
  return {
    sourceName,
    dataSha256: createHash('sha256').update(bytes).digest('hex'),
    header,
    layout: 'generic',
    sources,
    derivedFeaturesSha256,
    excluded,
    dropped,
    records: reorder(records),
    labels: Uint8Array.from(order, (index) => labels[index]!),
    timeOrdered: split === 'time',
    times: reorder(times),
    split,
    descriptions,
    ...(timeName === undefined ? {} : { timeColumn: timeName }),
  };
}

/** How the CSV reader reads a cell of a field of this type. */
function kindOf(type: FieldType): 'number' | 'boolean' | 'text' {
  return type === 'number' || type === 'integer' ? 'number' : type === 'boolean' ? 'boolean' : 'text';
}

/**
 * Row indices in split order: by time (ties in file order), by a seeded hash of each row's index (a
 * shuffle that depends only on the seed and the row count), or as the file has them.
 */
function rowOrder(split: CreditSplit, count: number, seed: number, timeMsOf: (index: number) => number): Uint32Array {
  const indices = Uint32Array.from({ length: count }, (_, i) => i);
  if (split === 'file-order') return indices;
  if (split === 'time') {
    const times = Array.from(indices, timeMsOf);
    return indices.sort((a, b) => times[a]! - times[b]! || a - b);
  }
  const keys = Array.from(indices, (i) => createHash('sha256').update(`${seed}:${i}`).digest().readUInt32BE(0));
  return indices.sort((a, b) => keys[a]! - keys[b]! || a - b);
}
