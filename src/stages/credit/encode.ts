// Turns a record (an application's facts, or a row of any CSV) into the credit model's input vector,
// as the manifest says: numeric inputs filled when missing and standardised, categories one-hot. Only
// a missing value (null or absent) is filled; anything else that is not a finite number is an error,
// never a silent training mean.
import { ErrorCode, FengkongError } from '../../errors.js';
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
      let number: number;
      if (value === null || value === undefined) number = input.fill;
      else if (typeof value === 'boolean') number = value ? 1 : 0;
      else if (typeof value === 'number' && Number.isFinite(value)) number = value;
      else throw new FengkongError(ErrorCode.EVENT_INVALID, `credit input ${input.source}: expected a finite number or a missing value`);
      out[offset + index] = (number - input.mean) / input.scale;
    } else {
      const text = value === null || value === undefined ? '' : String(value);
      out[offset + index] = text === input.level ? 1 : 0;
    }
  }
}
