// The `fengkong` command: a thin layer that parses flags, calls the library and prints.
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { createEngine } from '../engine/createEngine.js';
import { dataModelOf, parseEngineConfig } from '../engine/loadInputs.js';
import { scoreCsvFile, type ScoreSummary, type ShadowComparison } from '../batch/scoreCsv.js';
import { COMPACT_FIELDS, decisionProjection } from '../batch/fields.js';
import { STANDARD_STREAM } from '../batch/csvRecords.js';
import { checkpointPathFor, readCheckpoint, runIdentity } from '../batch/checkpoint.js';
import { restoreMemoryStore } from '../state/memory.js';
import { Outcome } from '../schema/decision.js';
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import { libraryVersion } from '../engine/paths.js';
import { decisionJsonSchema } from '../schema/jsonSchema.js';
import { DEFAULT_L2, trainFraudModel } from '../train/fraud/trainModel.js';
import { evaluateFraudModelOnFile } from '../train/fraud/evaluateFile.js';
import { renderFraudCard } from '../train/fraud/card.js';
import { defaultCreditHidden, trainCreditModel, writeCreditModel } from '../train/credit/trainCredit.js';
import type { CreditSplit } from '../train/credit/creditData.js';
import { predictCsvFile } from '../stages/credit/predictFile.js';
import { DEFAULT_SEED, writeApplications } from '../simulate/generate.js';
import { writeModelRows } from '../simulate/fromDataModel.js';
import { readConfigFile, trainingConfigOf } from './config.js';
import { readApplication, renderExplanation } from './explain.js';
import { shippedLendingClub } from './data.js';
import { dataModelCommand } from './dataModel.js';
import { DRIFT_EXIT_CODE, driftCommand } from './drift.js';
import { backtestCommand } from './backtest.js';
import { TUNE_EXIT_CODE, tuneCommand } from './tune.js';

interface ScoreFlags {
  out: string;
  rejects?: string;
  config?: string;
  chunkSize: number;
  fields?: string[];
  compact?: boolean;
  strict?: boolean;
  resume?: boolean;
  checkpointEvery: number;
  workers?: number;
  quiet?: boolean;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function integer(name: string, min: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return parsed;
  };
}

export function createProgram(): Command {
  const program = new Command()
    .name('fengkong')
    .description('Explainable lending decisions: rules, anti-fraud, credit and policy')
    .version(libraryVersion);

  program
    .command('score')
    .description('decide every application in a CSV file; write one decision per valid row')
    .argument('<in.csv>', 'applications, columns as in data/applications.csv (.csv.gz gunzipped; - for standard input)')
    .requiredOption('--out <decisions.jsonl>', 'decisions, one JSON object per line, in input order (- for standard output)')
    .option('--rejects <rejects.jsonl>', 'rows that could not be decided (default: <out>.rejects.jsonl; a file, required with --out -)')
    .option('--config <config.json>', 'engine config (rule packs, lists, models, policy pack, challengers, salt)')
    .option('--chunk-size <n>', 'rows read and written together, valid or not', integer('--chunk-size', 1), 1024)
    .option(
      '--fields <paths>',
      'write only these fields of each decision: dotted paths, comma-separated (e.g. outcome,stages.credit.score)',
      list,
    )
    .option('--compact', `write only ${COMPACT_FIELDS.join(', ')}`)
    .option('--strict', `exit with ${EXIT.REJECTED_ROWS} when any row was rejected`)
    .option(
      '--resume',
      'write checkpoints (<out>.checkpoint.json) as the run goes; if one is there, go on from it: a killed run resumed ends as an uninterrupted one',
    )
    .option('--checkpoint-every <rows>', 'rows between checkpoints, with --resume', integer('--checkpoint-every', 1), 100_000)
    .option(
      '--workers <n>',
      'decide on n worker threads (this thread keeps the velocity history and writes); the output is the same as without',
      integer('--workers', 1),
    )
    .option('--quiet', 'no progress bar and no summary on stderr')
    .action(async (input: string, options: ScoreFlags) => {
      if (options.fields !== undefined && options.compact === true) throw usage('--fields and --compact: choose one');
      if (options.out === STANDARD_STREAM && options.rejects === undefined) {
        throw usage('--out - writes decisions to standard output: name a file for the rejected rows with --rejects <file>');
      }
      if (options.resume === true && (input === STANDARD_STREAM || options.out === STANDARD_STREAM)) {
        throw usage('--resume needs files: standard input and output cannot be resumed');
      }
      const fields = options.compact === true ? COMPACT_FIELDS : options.fields;
      const project = fields === undefined ? undefined : projectionOrUsage(fields);
      const config = options.config === undefined ? {} : readConfigFile(options.config);
      const checkpointPath = checkpointPathFor(options.out);
      const resumeFrom = options.resume === true && existsSync(checkpointPath) ? readCheckpoint(checkpointPath) : undefined;
      const store = resumeFrom === undefined ? undefined : restoreMemoryStore(resumeFrom.store);
      const engine = await createEngine(config, store === undefined ? {} : { store });
      // What decides and formats the lines: a checkpoint of any other run is refused.
      const runId = runIdentity({ audit: engine.audit, config, fields: fields ?? null });
      const rejectsPath = options.rejects ?? `${options.out}.rejects.jsonl`;
      const showProgress = options.quiet !== true && process.stderr.isTTY === true;
      const bar = showProgress
        ? new cliProgress.SingleBar(
            { format: 'scoring [{bar}] {percentage}% | {rows} rows | eta {eta}s', stream: process.stderr },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      bar?.start(1, 0, { rows: 0 });
      const summary = await scoreCsvFile(engine, {
        inputPath: input,
        outputPath: options.out,
        rejectsPath,
        chunkSize: options.chunkSize,
        ...(project === undefined ? {} : { project }),
        ...(options.workers === undefined ? {} : { workers: { count: options.workers, config, fields: fields ?? null } }),
        ...(options.resume === true ? { checkpoint: { path: checkpointPath, everyRows: options.checkpointEvery, runId } } : {}),
        ...(resumeFrom === undefined ? {} : { resumeFrom }),
        onProgress: ({ bytesRead, totalBytes, rowsRead }) => {
          bar?.setTotal(Math.max(totalBytes, 1));
          bar?.update(bytesRead, { rows: rowsRead });
        },
      });
      bar?.stop();
      if (options.quiet !== true) {
        if (resumeFrom !== undefined) process.stderr.write(`resumed after line ${resumeFrom.linesConsumed} (${checkpointPath})\n`);
        process.stderr.write(formatSummary(summary, options.out, rejectsPath));
      }
      if (summary.read !== summary.decided + summary.rejected) {
        throw new Error(`accounting mismatch: read ${summary.read} ≠ decided ${summary.decided} + rejected ${summary.rejected}`);
      }
      if (options.strict === true && summary.rejected > 0) process.exitCode = EXIT.REJECTED_ROWS;
    });

  program
    .command('explain')
    .description('decide one application and explain the decision: reasons, every stage, timings, audit')
    .argument('<application>', 'a JSON object with the keys of data/applications.csv, or a CSV file with --row')
    .option('--row <n>', 'the 1-based data row of a CSV file to explain', integer('--row', 1))
    .option(
      '--no-replay',
      'with --row: decide the row alone; by default the rows before it are decided first, so velocity and freezes are what score saw',
    )
    .option('--config <config.json>', 'engine config (rule packs, lists, models, policy pack, challengers, salt)')
    .option('--json', 'print the decision itself (one JSON object, indented) instead of the explanation')
    .action(async (input: string, options: { row?: number; replay: boolean; config?: string; json?: boolean }) => {
      // Score's decision, with the rules that did not fire and the credit attributions recorded too.
      const config = options.config === undefined ? {} : readConfigFile(options.config);
      const engine = await createEngine({ ...config, recordFailedRules: true, attributions: 'all' });
      const { event, earlier } = await readApplication(input, options.row, engine.dataModel, options.replay);
      for (let start = 0; start < earlier.length; start += 1024) await engine.decideBatchSettled(earlier.slice(start, start + 1024));
      const decision = await engine.decide(event);
      process.stdout.write(options.json === true ? `${JSON.stringify(decision, null, 2)}\n` : renderExplanation(decision));
    });

  program
    .command('gen')
    .description(
      'generate a deterministic stream of loan applications from the real Lending Club loans (or, with --config, rows valid under its data model)',
    )
    .requiredOption('--rows <n>', 'rows to write', integer('--rows', 1))
    .option('--seed <s>', 'PRNG seed', integer('--seed', 0), DEFAULT_SEED)
    .requiredOption('--out <file.csv>', 'where to write the applications')
    .option('--source <lending_club.csv>', 'real loans to start from (default: the shipped data/lending_club.csv)')
    .option(
      '--config <config.json>',
      'a config naming another data model: rows valid under it instead (values within each declaration, labels at fixed rates: no signal to learn)',
    )
    .action((options: { rows: number; seed: number; out: string; source?: string; config?: string }) => {
      const settings = options.config === undefined ? undefined : parseEngineConfig(readConfigFile(options.config));
      if (settings !== undefined && settings.dataModel === undefined) {
        throw new FengkongError(
          ErrorCode.CONFIG_INVALID,
          `--config ${options.config} names no data model: gen without --config writes the lending applications; with it, rows of the data model the config names`,
        );
      }
      if (settings?.dataModel !== undefined) {
        if (options.source !== undefined)
          throw new FengkongError(ErrorCode.CONFIG_INVALID, '--source applies to the lending generator, not with --config');
        const model = dataModelOf(settings);
        const fd = openForWriting(options.out);
        try {
          const summary = writeModelRows(model, { rows: options.rows, seed: options.seed }, (chunk) => writeSync(fd, chunk));
          process.stderr.write(
            `wrote ${summary.rows} rows valid under the data model ${model.file.name} to ${options.out}` +
              `${model.file.outcomes.credit === undefined ? '' : `: ${summary.creditBad} with ${model.file.outcomes.credit.field} bad`}` +
              `${model.file.outcomes.fraud === undefined ? '' : `, ${summary.fraudBad} with ${model.file.outcomes.fraud.field} bad`} (drawn at random: no signal)\n`,
          );
        } finally {
          closeSync(fd);
        }
        return;
      }
      const source = readTextFile(options.source ?? shippedLendingClub());
      // Synchronous writes: the generator is synchronous, and a stream would buffer a 1M-row file in memory.
      const fd = openForWriting(options.out);
      try {
        const summary = writeApplications({ rows: options.rows, seed: options.seed, source }, (chunk) => writeSync(fd, chunk));
        const scenarios = Object.entries(summary.scenarios)
          .map(([name, count]) => `${name} ${count}`)
          .join(', ');
        process.stderr.write(
          `wrote ${summary.rows} applications to ${options.out}: ${summary.fraudRows} fraud (${(summary.fraudRate * 100).toFixed(2)}%: ${scenarios}), ${summary.defaults} defaults\n`,
        );
      } finally {
        closeSync(fd);
      }
    });

  interface FraudTrainFlags {
    out: string;
    l2: number;
    config?: string;
    dataModel?: string;
    target?: string;
    positive?: string;
    exclude: string[];
  }
  const train = program.command('train').description('train a model on labelled history');
  train
    .command('fraud')
    .description('fit the anti-fraud logistic regression with a time split and write the model and its card')
    .argument('<applications.csv>', "labelled events: the data model's fraud outcome (is_fraud in data/applications.csv)")
    .requiredOption('--out <model.json>', 'where to write the model; the card goes beside it as <name>.card.md')
    .option('--l2 <penalty>', 'L2 penalty on standardised inputs', Number, DEFAULT_L2)
    .option('--config <config.json>', 'engine config (data model, lists, derived features, salt) the features are computed with')
    .option(
      '--data-model <dm.json>',
      'instead of --config: read the file through this data model (its aggregates and signals are the inputs)',
    )
    .option('--target <label>', "the label to learn (default: the data model's fraud outcome)")
    .option('--positive <value>', 'with --target: the value that means fraud')
    .option('--exclude <inputs>', 'comma-separated candidate inputs never to use (feature or fact names)', list, [])
    .action(async (input: string, options: FraudTrainFlags) => {
      if ((options.target === undefined) !== (options.positive === undefined)) {
        throw new FengkongError(ErrorCode.CONFIG_INVALID, '--target and --positive go together');
      }
      const training = await trainFraudModel({
        inputPath: input,
        l2: options.l2,
        config: trainingConfigOf(options) ?? {},
        exclude: options.exclude,
        ...(options.target === undefined ? {} : { label: { field: options.target, positive: options.positive! } }),
      });
      const cardPath = options.out.replace(/\.json$/, '') + '.card.md';
      writeFileSync(options.out, `${JSON.stringify(training.model, null, 2)}\n`);
      writeFileSync(cardPath, renderFraudCard({ ...training, sourceName: input, modelPath: options.out }));
      const auc = training.heldOut.auc;
      process.stderr.write(
        `held-out AUC ${auc.auc.toFixed(3)} (95% ${auc.lower.toFixed(3)}-${auc.upper.toFixed(3)}), KS ${training.heldOut.ks.toFixed(3)}, ` +
          `${training.heldOut.frauds} frauds in ${training.heldOut.rows} held-out rows; train AUC ${training.trainAuc.toFixed(3)}\n` +
          `model: ${options.out}\ncard: ${cardPath}\n`,
      );
    });

  train
    .command('credit')
    .description('train the credit network on a labelled CSV, export it to ONNX and write its manifest and card')
    .argument('<file.csv>', 'labelled rows: data/applications.csv, or any CSV with a binary target')
    .requiredOption('--target <column>', 'the target column')
    .option('--positive <value>', 'the target value that means bad', '1')
    .option('--categorical <columns>', 'comma-separated columns to one-hot even if numeric', list, [])
    .option('--exclude <columns>', 'comma-separated columns never to use', list, [])
    .option('--seed <n>', "training seed (and the random split's)", integer('--seed', 0), 7)
    .option(
      '--data-model <dm.json>',
      'read the file through this data model: its fields (by role and type), aggregates and signals are the candidate inputs',
    )
    .option(
      '--config <config.json>',
      'instead of --data-model: an engine config, whose data model reads the file and whose lists and derived features are candidate inputs too',
    )
    .option('--split <how>', 'with --data-model or --config: time (by its time field, the default), random (under --seed) or file-order')
    .option('--hidden <widths>', 'hidden layer widths, comma-separated', (value: string) => list(value).map(Number), [
      ...defaultCreditHidden,
    ])
    .requiredOption('--out <prefix>', 'writes <prefix>.onnx, <prefix>.manifest.json and <prefix>.card.md')
    .action(
      async (
        input: string,
        options: {
          target: string;
          positive: string;
          categorical: string[];
          exclude: string[];
          seed: number;
          hidden: number[];
          out: string;
          dataModel?: string;
          config?: string;
          split?: string;
        },
      ) => {
        const split = options.split;
        if (split !== undefined && !['time', 'random', 'file-order'].includes(split)) {
          throw new FengkongError(ErrorCode.CONFIG_INVALID, `--split: "${split}" is not time, random or file-order`);
        }
        const engineConfig = trainingConfigOf(options);
        if (split !== undefined && engineConfig === undefined) {
          throw new FengkongError(ErrorCode.CONFIG_INVALID, '--split applies with --data-model or --config');
        }
        const training = await trainCreditModel({
          inputPath: input,
          ...(engineConfig === undefined
            ? {}
            : {
                dataModel: dataModelOf(parseEngineConfig(engineConfig)),
                engineConfig,
                split: (split ?? 'time') as CreditSplit,
                splitSeed: options.seed,
              }),
          target: options.target,
          positive: options.positive,
          categorical: options.categorical,
          exclude: options.exclude,
          seed: options.seed,
          hidden: options.hidden,
        });
        const written = writeCreditModel(training, options.out);
        const metrics = written.manifest.metrics;
        process.stderr.write(
          `cross-validated AUC: network ${metrics.cvAucMlpMean!.toFixed(3)} ± ${metrics.cvAucMlpSd!.toFixed(3)}, ` +
            `logistic regression ${metrics.cvAucLrMean!.toFixed(3)} ± ${metrics.cvAucLrSd!.toFixed(3)}; ` +
            `held-out AUC ${metrics.heldOutAuc!.toFixed(3)} (95% ${metrics.heldOutAucLower95!.toFixed(3)}-${metrics.heldOutAucUpper95!.toFixed(3)})\n` +
            `model: ${written.onnxPath}\nmanifest: ${written.manifestPath}\ncard: ${written.cardPath}\n`,
        );
      },
    );

  program
    .command('predict')
    .description("score any CSV with a credit model's manifest: PD, score, attributions and reasons per row")
    .argument('<file.csv>', 'rows with the columns the model was trained on')
    .requiredOption('--model <manifest.json>', 'the model manifest')
    .requiredOption('--out <file.jsonl>', 'one JSON line per row')
    .action(async (input: string, options: { model: string; out: string }) => {
      const summary = await predictCsvFile(input, options.model, options.out);
      process.stderr.write(
        `read ${summary.rows} rows, scored ${summary.scored}, failed ${summary.failed}; mean PD ${summary.meanPd.toFixed(4)}: ${options.out}\n`,
      );
    });

  program
    .command('evaluate')
    .description('evaluate the anti-fraud model on the latest 20% of a labelled file (replayed in time order)')
    .argument('<applications.csv>', 'labelled applications')
    .option('--model <model.json>', 'the model (default: the shipped one)')
    .option('--config <config.json>', 'engine config (data model, lists, derived features) the inputs are computed with')
    .action(async (input: string, options: { model?: string; config?: string }) => {
      const config = options.config === undefined ? {} : readConfigFile(options.config);
      const evaluation = await evaluateFraudModelOnFile(input, options.model, undefined, config);
      const auc = evaluation.auc;
      process.stdout.write(
        `${evaluation.rows} held-out rows, ${evaluation.frauds} frauds: AUC ${auc.auc.toFixed(3)} (95% ${auc.lower.toFixed(3)}-${auc.upper.toFixed(3)}), KS ${evaluation.ks.toFixed(3)}\n` +
          evaluation.alerts
            .map((alert) => `recall at ${(alert.alertRate * 100).toFixed(1)}% alerts: ${(alert.recall * 100).toFixed(1)}%`)
            .join('\n') +
          '\n',
      );
    });

  program.addCommand(dataModelCommand());
  program.addCommand(driftCommand());
  program.addCommand(backtestCommand());
  program.addCommand(tuneCommand());

  program
    .command('schema')
    .description("print the decision's JSON Schema")
    .option('--out <file.json>', 'write it to a file instead')
    .action((options: { out?: string }) => {
      const text = `${JSON.stringify(decisionJsonSchema(), null, 2)}\n`;
      if (options.out === undefined) process.stdout.write(text);
      else writeFileSync(options.out, text);
    });

  return program;
}

function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new FengkongError(ErrorCode.FILE_READ, `${path}: cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause,
    });
  }
}

function openForWriting(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (cause) {
    throw new FengkongError(ErrorCode.FILE_WRITE, `${path}: cannot be written (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause,
    });
  }
}

export function formatSummary(summary: ScoreSummary, outputPath: string, rejectsPath: string): string {
  const byCode = Object.entries(summary.rejectedByCode)
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  return [
    `read ${summary.read}, decided ${summary.decided}, rejected ${summary.rejected}${byCode ? ` (${byCode})` : ''}` +
      (summary.blankLines > 0 ? `, blank lines skipped ${summary.blankLines}` : ''),
    `outcomes: approve ${summary.outcomes.approve}, review ${summary.outcomes.review}, decline ${summary.outcomes.decline}`,
    `tiers: 1 ${summary.tiers['1']}, 2 ${summary.tiers['2']}, 3 ${summary.tiers['3']}`,
    ...summary.shadow.map(formatShadowComparison),
    ...(summary.repeated > 0 ? [`repeated application ids (the first decision written again): ${summary.repeated}`] : []),
    ...(summary.lateEvents > 0 ? [`late events (decided, not recorded in the velocity history): ${summary.lateEvents}`] : []),
    ...(summary.workers > 0
      ? [`worker threads: ${summary.workers} (decided again after a freeze set in an earlier chunk: ${summary.redecided})`]
      : []),
    `${summary.rowsPerSecond} rows/s (${summary.elapsedMs} ms)`,
    `decisions: ${outputPath}`,
    `rejects: ${rejectsPath}`,
    '',
  ].join('\n');
}

/** `challenger new-policy: 123 of 9857 outcomes differ (approve→review 100, review→decline 23)` */
function formatShadowComparison({ challenger, compared, differ, failed, outcomes }: ShadowComparison): string {
  const changes: string[] = [];
  for (const champion of Outcome.options) {
    for (const shadow of Outcome.options) {
      if (shadow !== champion && outcomes[champion][shadow] > 0) changes.push(`${champion}→${shadow} ${outcomes[champion][shadow]}`);
    }
  }
  return (
    `challenger ${challenger}: ${differ} of ${compared} outcomes differ${changes.length > 0 ? ` (${changes.join(', ')})` : ''}` +
    (failed > 0 ? `; failed on ${failed}` : '')
  );
}

/**
 * Exit codes, as the README states them. Commander exits with USAGE itself on an unknown command or
 * option, a missing argument or a bad value.
 */
export const EXIT = {
  OK: 0,
  /** The command line is wrong: nothing was read or written. */
  USAGE: 1,
  /** A FengkongError stopped the command (bad file, header, config, model; its code is printed); no output was put in place. */
  FAILED: 2,
  /** `score --strict`: every row was decided or rejected, and some were rejected. */
  REJECTED_ROWS: 3,
  /** `drift`: a feature's PSI is in the band `--fail-on` names (act by default). */
  DRIFTED: DRIFT_EXIT_CODE,
  /** `tune`: the tuned policy misses its constraint on the check slice. */
  TUNE_CONSTRAINT_NOT_MET: TUNE_EXIT_CODE,
  /** A bug: an error that is not a FengkongError (its stack is printed). */
  INTERNAL: 70,
} as const;

/** A command-line mistake found after parsing (two flags that exclude each other, say). */
class UsageError extends Error {}
const usage = (message: string) => new UsageError(message);

function projectionOrUsage(fields: readonly string[]) {
  try {
    return decisionProjection(fields);
  } catch (error) {
    throw isFengkongError(error) ? usage(error.message) : error;
  }
}

export async function main(argv: string[]): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`fengkong: ${error.message}\n`);
      process.exitCode = EXIT.USAGE;
    } else if (isFengkongError(error)) {
      process.stderr.write(`fengkong: ${error.code}: ${error.message}\n`);
      process.exitCode = EXIT.FAILED;
    } else {
      process.stderr.write(`fengkong: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = EXIT.INTERNAL;
    }
  }
}
