// Derived features: a JSON file of named expressions (src/schema/features.ts), checked and compiled once
// at load (src/features/expression.ts), then computed for every event.
//
// Inputs. An expression may read the event's numeric feature columns and the derived features declared
// before it in the file. Labels, identifiers, metadata (the earlier credit model's pricing), the
// application id and time, and non-numeric columns are refused at load, as are unknown names, a feature
// that refers to itself and references to features declared later (so there can be no cycles).
//
// Missing-value policy, per event and per feature:
//   - an input that is null or absent (or a number that is not finite) is missing;
//   - if any input an expression reads is missing, or any earlier derived feature it reads is null, the
//     feature is null; the expression is not evaluated;
//   - otherwise the expression is evaluated; a boolean result becomes 1 or 0, and a result that is not a
//     finite number (division by zero, log of 0, sqrt of a negative number, overflow) is null.
// So a computed feature is always a finite number or null, never NaN or Infinity. An input that is
// present but not a number (a string, say) is an invalid event and throws FK_EVENT_INVALID.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ErrorCode, FengkongError } from '../errors.js';
import type { DataModel } from './dataModel.js';
import { DerivedFeatureFile, type DerivedFeature } from '../schema/features.js';
import { parseJsonFile, readFileBytes } from '../schema/jsonFile.js';
import { describeIssues } from '../schema/issues.js';
import { compileExpression, toFeatureValue, type CompiledExpression } from './expression.js';

/** Event fields an expression may read: the data model's numeric feature fields (a protected one only where the model allows its use). */
export function usableInputFields(model: DataModel): readonly string[] {
  return model
    .fieldsWithRole('feature')
    .filter((field) => model.numericFields.has(field.name) && (!field.protected || field.protectedUse !== undefined))
    .map((field) => field.name);
}

export interface CompiledFeature {
  readonly name: string;
  readonly expression: string;
  readonly description: string;
  readonly unit: DerivedFeature['unit'];
  /** Event columns and earlier derived features the expression reads, in order of first use. */
  readonly inputs: readonly string[];
}

export interface CompiledFeatures {
  /** The file the features were read from, as named in messages. */
  readonly sourceName: string;
  /** Declared feature names, in file order. */
  readonly names: readonly string[];
  readonly features: readonly CompiledFeature[];
  /** Event columns read by at least one feature. */
  readonly eventInputs: readonly string[];
  /**
   * Computes every feature for one event, in declared order. Each value is a finite number or null
   * (see the missing-value policy at the top of this module).
   */
  compute(event: Readonly<Record<string, unknown>>): Record<string, number | null>;
}

/**
 * Validates a derived-features file and compiles every expression. Throws FengkongError
 * FK_FEATURE_INVALID for a file that does not match the schema and FK_EXPRESSION_INVALID for an
 * expression that is refused; both messages start with `sourceName`.
 */
export function compileFeatures(file: DerivedFeatureFile, sourceName: string, model: DataModel): CompiledFeatures {
  const usableInputColumns = usableInputFields(model);
  const usableInputs: ReadonlySet<string> = new Set(usableInputColumns);
  // Checked again here so a file built in code gets the same guarantees as one read from disk.
  const parsed = DerivedFeatureFile.safeParse(file);
  if (!parsed.success) {
    throw new FengkongError(ErrorCode.FEATURE_INVALID, `${sourceName}: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  }
  const declared = parsed.data.features;
  const modelNames = new Set([...model.fieldNames, ...model.file.aggregates.map((a) => a.name), ...model.file.signals.map((s) => s.name)]);
  declared.forEach((feature, index) => {
    if (modelNames.has(feature.name)) {
      throw new FengkongError(
        ErrorCode.FEATURE_INVALID,
        `${sourceName}: features.${index}.name: ${feature.name} collides with a field, aggregate or signal of the data model`,
      );
    }
  });
  const allNames = new Set(declared.map((feature) => feature.name));
  const earlier = new Set<string>();

  const compiled: { feature: CompiledFeature; expression: CompiledExpression }[] = [];
  for (const feature of declared) {
    const expression = compileExpression(feature.expression, {
      sourceName,
      featureName: feature.name,
      checkSymbol: (name) => (usableInputs.has(name) ? null : refusalOf(name, feature.name, earlier, allNames, model)),
    });
    compiled.push({
      feature: {
        name: feature.name,
        expression: feature.expression,
        description: feature.description,
        unit: feature.unit,
        inputs: expression.symbols,
      },
      expression,
    });
    earlier.add(feature.name);
  }

  const eventInputs = usableInputColumns.filter((column) => compiled.some(({ expression }) => expression.symbols.includes(column)));
  const names = compiled.map(({ feature }) => feature.name);

  // One scope for every row: each event column read is overwritten before any feature is evaluated and
  // each derived feature before any later feature reads it, so nothing leaks from the previous row.
  const scope = new Map<string, number | null>();
  const steps = compiled.map(({ feature, expression }) => ({
    name: feature.name,
    inputs: expression.symbols,
    evaluate: expression.evaluate,
  }));

  const compute = (event: Readonly<Record<string, unknown>>): Record<string, number | null> => {
    for (const column of eventInputs) scope.set(column, inputValue(event[column], column, sourceName));
    const result: Record<string, number | null> = {};
    for (const step of steps) {
      let value: number | null = null;
      if (!anyMissing(scope, step.inputs)) {
        let raw: unknown;
        try {
          raw = step.evaluate(scope);
        } catch (cause) {
          // Unreachable for expressions the allow-list admits; kept so a surprise names its feature.
          throw new FengkongError(ErrorCode.EXPRESSION_INVALID, `${sourceName}: feature "${step.name}": evaluation failed`, { cause });
        }
        value = toFeatureValue(raw);
      }
      scope.set(step.name, value);
      result[step.name] = value;
    }
    return result;
  };

  return {
    sourceName,
    names,
    features: compiled.map(({ feature }) => feature),
    eventInputs,
    compute,
  };
}

/** The file, its validated and compiled features, and the sha256 (hex) of its bytes. */
export interface LoadedDerivedFeatures {
  readonly compiled: CompiledFeatures;
  readonly sha256: string;
}

/**
 * Reads, validates and compiles a derived-features file. Messages name the file as `path` was given.
 * Throws FK_FILE_READ when it cannot be read, FK_FEATURE_INVALID for bad JSON or a schema failure and
 * FK_EXPRESSION_INVALID for a refused expression.
 */
export function loadDerivedFeatures(path: string, model: DataModel): LoadedDerivedFeatures {
  const bytes = readFileBytes(path);
  const file = parseJsonFile(path, bytes, DerivedFeatureFile, ErrorCode.FEATURE_INVALID);
  return {
    compiled: compileFeatures(file, path, model),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** Where the shipped derived-features file is, relative to this module (also once built). */
export function defaultDerivedFeaturesPath(): string {
  return fileURLToPath(new URL('../../rules/derived-features.json', import.meta.url));
}

function inputValue(value: unknown, column: string, sourceName: string): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === null || value === undefined) return null;
  throw new FengkongError(ErrorCode.EVENT_INVALID, `${sourceName}: event field "${column}" must be a number or null`);
}

function anyMissing(scope: Map<string, number | null>, inputs: readonly string[]): boolean {
  for (let i = 0; i < inputs.length; i++) {
    if (scope.get(inputs[i] as string) == null) return true;
  }
  return false;
}

// Why a symbol may not be used in the feature named `self`, or null when it may.
function refusalOf(
  name: string,
  self: string,
  earlier: ReadonlySet<string>,
  allNames: ReadonlySet<string>,
  model: DataModel,
): string | null {
  if (earlier.has(name)) return null;
  if (name === self) return `feature refers to itself ("${name}")`;
  if (allNames.has(name)) {
    return `derived feature "${name}" is declared later in the file (a feature may only use features declared before it)`;
  }
  const field = model.field(name);
  if (field !== undefined) {
    const role = field.role;
    if (field.protected && role === 'feature') {
      return `field "${name}" is protected: no derived feature reads it unless the data model states why (protectedUse)`;
    }
    switch (role) {
      case 'label':
        return `label column "${name}" is not a usable input (labels are never features)`;
      case 'identifier':
        return `identifier column "${name}" is not a usable input (raw identifiers are never features)`;
      case 'metadata':
        return `metadata column "${name}" is not a usable input (kept for analysis, never an input to a decision)`;
      case 'feature':
        return `column "${name}" is not numeric and is not a usable input`;
      default:
        return `column "${name}" (${role}) is not a usable input`;
    }
  }
  return `unknown field "${name}"`;
}
