// Turns a record (an application's facts, or a row of any CSV) into the credit model's input vector,
// as the manifest says: numeric inputs filled when missing and standardised, categories one-hot.
import type { CreditInput } from '../../schema/creditManifest.js';

export type RecordValue = number | string | boolean | null | undefined;

/** Writes one encoded row into `out` at `offset`. */
export function encodeRecord(
  inputs: readonly CreditInput[],
  record: Readonly<Record<string, RecordValue>>,
  out: Float32Array,
  offset = 0,
): void {
  for (let index = 0; index < inputs.length; index += 1) {
    const input = inputs[index]!;
    const value = record[input.source];
    if (input.kind === 'numeric') {
      const number =
        typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'boolean' ? (value ? 1 : 0) : input.fill;
      out[offset + index] = (number - input.mean) / input.scale;
    } else {
      const text = value === null || value === undefined ? '' : String(value);
      out[offset + index] = text === input.level ? 1 : 0;
    }
  }
}
