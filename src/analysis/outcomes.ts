// What a labelled event says happened, read through its data model's `outcomes`: whether the loan went
// bad (the credit label), whether it was fraud and of what kind, and what prices it (amount, rate, term).
// Backtest and tune read labels only through here, so any data model that declares its outcomes works.
import { ErrorCode, FengkongError } from '../errors.js';
import type { DataModel } from '../features/dataModel.js';
import type { EventRecord } from '../schema/event.js';
import type { OutcomeFields } from './backtestSchema.js';

export interface OutcomeReader {
  /** The fields each outcome is read from, or null where the data model declares none. */
  readonly fields: {
    readonly credit: string | null;
    readonly fraud: string | null;
    readonly fraudKind: string | null;
    readonly amount: string | null;
    readonly rate: string | null;
    readonly term: string | null;
    readonly time: string | null;
  };
  /** The credit label's bad value as written in the data model (`1`, `"bad"`), for definitions. */
  readonly creditBad: string | null;
  readonly fraudBad: string | null;
  /** True when bad; false when another value or when no credit outcome is declared (bad then means fraud); null when the declared label is missing. */
  defaulted(event: EventRecord): boolean | null;
  /** True when fraud; false when another value or when no fraud label is declared; null when the declared label is missing. */
  isFraud(event: EventRecord): boolean | null;
  fraudKind(event: EventRecord): string | null;
  /** The amount asked for; null without an amount field. */
  amount(event: EventRecord): number | null;
  /** The yearly rate in percent; null without one. */
  ratePercent(event: EventRecord): number | null;
  termMonths(event: EventRecord): number | null;
}

export function outcomeReader(model: DataModel): OutcomeReader {
  const { credit, fraud, pricing } = model.file.outcomes;
  const amountField = model.amountField?.name ?? null;
  const label = (declared: { field: string; bad: string | number | boolean } | undefined) =>
    declared === undefined
      ? () => null
      : (event: EventRecord) => {
          const value = event[declared.field];
          return value === null || value === undefined ? null : value === declared.bad;
        };
  const defaulted = label(credit);
  const fraudLabel = label(fraud);
  const number = (name: string | undefined) => (event: EventRecord) => {
    const value = name === undefined ? null : event[name];
    return typeof value === 'number' ? value : null;
  };
  const rate = number(pricing?.rate?.field);
  const rateScale = pricing?.rate?.unit === 'fraction' ? 100 : 1;
  const term = pricing?.term;
  const months = term?.months;
  return {
    fields: {
      credit: credit?.field ?? null,
      fraud: fraud?.field ?? null,
      fraudKind: fraud?.kind ?? null,
      amount: amountField,
      rate: pricing?.rate?.field ?? null,
      term: term?.field ?? null,
      time: model.timeField?.name ?? null,
    },
    creditBad: credit === undefined ? null : JSON.stringify(credit.bad),
    fraudBad: fraud === undefined ? null : JSON.stringify(fraud.bad),
    defaulted: credit === undefined ? () => false : defaulted,
    isFraud: fraud === undefined ? () => false : fraudLabel,
    fraudKind: (event) => {
      const value = fraud?.kind === undefined ? null : event[fraud.kind];
      return value === null || value === undefined || value === '' ? null : String(value);
    },
    amount: number(amountField ?? undefined),
    ratePercent: (event) => {
      const value = rate(event);
      return value === null ? null : value * rateScale;
    },
    termMonths: (event) => {
      if (term === undefined) return null;
      const value = event[term.field];
      if (months !== undefined) return typeof value === 'string' && Object.hasOwn(months, value) ? months[value]! : null;
      return typeof value === 'number' ? value : null;
    },
  };
}

/** The outcome fields a reader reads, with the bad values as the data model writes them: what a backtest states. */
export function outcomeFields(reader: OutcomeReader): OutcomeFields {
  const { fields } = reader;
  return {
    credit: fields.credit === null ? null : { field: fields.credit, bad: reader.creditBad! },
    fraud: fields.fraud === null ? null : { field: fields.fraud, bad: reader.fraudBad!, kind: fields.fraudKind },
    amount: fields.amount,
    rate: fields.rate,
    term: fields.term,
    time: fields.time,
  };
}

/** Refuses, naming the data model, one that declares neither a credit nor a fraud outcome: there is nothing to count. */
export function requireOutcomes(model: DataModel, command: string): OutcomeReader {
  const reader = outcomeReader(model);
  if (reader.fields.credit === null && reader.fields.fraud === null) {
    throw new FengkongError(
      ErrorCode.CONFIG_INVALID,
      `${command} counts outcomes, and the data model ${model.file.name} declares none: add "outcomes": {"credit": {"field": "<label>", "bad": <value>}} (or "fraud") to ${model.sourceName}`,
    );
  }
  return reader;
}
