// What the credit trainer reads a labelled CSV into (creditData.ts, or modelTable.ts through a data
// model): the candidate inputs, why the others are left out, and the rows in split order.
import { ErrorCode, FengkongError } from '../../errors.js';
import type { DataModel } from '../../features/dataModel.js';
import type { FieldRole } from '../../schema/dataModel.js';
import type { EngineConfigInput } from '../../schema/config.js';

/** How rows divide into training and held-out: by time, at random under a seed, or in file order. */
export type CreditSplit = 'time' | 'random' | 'file-order';

export type CreditRecord = Record<string, number | string | null>;

export type SourceKind = 'numeric' | 'categorical';

export interface CreditSource {
  readonly name: string;
  readonly kind: SourceKind;
  /** True for a shipped derived feature, computed from the row's columns. */
  readonly derived: boolean;
}

export interface Exclusion {
  readonly column: string;
  readonly why: string;
}

export interface DroppedRows {
  readonly rows: number;
  readonly why: string;
}

export interface CreditTableOptions {
  readonly inputPath: string;
  /** Read the file through this data model (modelTable.ts): its roles and types choose the inputs. */
  readonly dataModel?: DataModel;
  /** With a data model: the split (default `time`, which needs a time field) and a random split's seed. */
  readonly split?: CreditSplit;
  readonly splitSeed?: number;
  /**
   * With a data model: the engine config (naming that data model) whose computed facts — aggregates,
   * signals, list hits, derived features — are candidate inputs too; without one, the fields only.
   */
  readonly engineConfig?: EngineConfigInput;
  readonly target: string;
  /** The target value that means bad. */
  readonly positive: string;
  readonly categorical?: readonly string[];
  readonly exclude?: readonly string[];
}

export interface CreditTable {
  /** The file's name without its folder: what the manifest and card may quote. */
  readonly sourceName: string;
  readonly dataSha256: string;
  readonly header: readonly string[];
  /** 'application' when the header carries every required column of the application schema. */
  readonly layout: 'application' | 'generic';
  /** Candidate inputs: the usable columns in header order, then the derived features in file order. */
  readonly sources: readonly CreditSource[];
  readonly derivedFeaturesSha256: string | null;
  readonly excluded: readonly Exclusion[];
  readonly dropped: readonly DroppedRows[];
  /** The kept rows, in time order when there is an applied_at column, else in file order. */
  readonly records: readonly CreditRecord[];
  /** 1 when the row's target is the positive value. */
  readonly labels: Uint8Array;
  /** True when the rows were ordered by applied_at. */
  readonly timeOrdered: boolean;
  /** applied_at of each kept row ('' without the column), in the order of `records`. */
  readonly times: readonly string[];
  /** Set when read through a data model: the split the rows are ordered for, and each field's description (reason texts). */
  readonly split?: CreditSplit;
  readonly descriptions?: Readonly<Record<string, string>>;
  /** The column the rows are ordered by when `timeOrdered` (applied_at without a data model). */
  readonly timeColumn?: string;
}

/** Why a field of each role other than feature is never a credit model input: what the manifest and card record. */
export const ROLE_EXCLUSIONS: Readonly<Record<Exclude<FieldRole, 'feature'>, string>> = {
  id: 'the id field, never an input',
  time: 'the time field: it orders the time split, never an input',
  identifier: 'an identifier (hashed before anything reads it), never an input',
  label: 'a label (an outcome known only after the decision), never an input',
  metadata: 'metadata kept for analysis, never an input',
};

export const PROTECTED_EXCLUSION = 'a protected attribute: never an input unless the data model states why (protectedUse)';

/** A target must take exactly two values in the kept rows, one of them the positive value; FK_CSV_RECORD otherwise. */
export function requireBinaryTarget(sourceName: string, target: string, values: ReadonlySet<string>, positive: string): void {
  if (values.size === 2 && values.has(positive)) return;
  const found = values.has(positive) ? 'the positive value among them' : 'none of them the positive value given';
  throw new FengkongError(
    ErrorCode.CSV_RECORD,
    `${sourceName}: target column "${target}" has ${values.size} distinct values (${found}); it must have exactly two, one of them the positive value`,
  );
}
