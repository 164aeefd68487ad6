// `fengkong tune`: search the policy's thresholds on a labelled history, stage the tuned pack, check it
// on the later slice by a full replay, put the pack (and the JSON and report asked for) in place, print
// the trade-off and the verdict; exits with TUNE_EXIT_CODE when the constraint is not met on the check
// slice (the outputs are written all the same).
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CONFIDENCE, DEFAULT_HOLDOUT, tunePolicy, type TuneResult } from '../analysis/tune.js';
import { createOutputSet, writeOutputs } from '../batch/outputFiles.js';
import {
  checkVerdict,
  FRONTIER_COLUMNS,
  frontierCells,
  frontierRows,
  objectiveText,
  SLICE_COLUMNS,
  sliceRows,
  thresholdRows,
  tuneReportDocument,
} from '../analysis/tuneReport.js';
import type { Objective } from '../analysis/tuneSearch.js';
import { libraryVersion } from '../engine/paths.js';
import { readConfigFile } from './config.js';
import { commandLine, textTable } from './text.js';

/** The tuned policy misses its constraint on the check slice (README, exit codes). */
export const TUNE_EXIT_CODE = 5;

interface TuneFlags {
  out: string;
  maxBadRate?: number;
  minFraudCaught?: number;
  objective: Objective;
  holdout: number;
  confidence: number;
  config?: string;
  report?: string;
  json?: string;
}

function fraction(name: string, { open }: { open: boolean }) {
  return (value: string): number => {
    const parsed = Number(value);
    const inside = open ? parsed > 0 && parsed < 1 : parsed >= 0 && parsed <= 1;
    if (value.trim() === '' || !inside)
      throw new InvalidArgumentError(`${name} must be a fraction ${open ? 'between 0 and 1' : 'from 0 to 1'}, such as 0.05`);
    return parsed;
  };
}

export function tuneCommand(): Command {
  return new Command('tune')
    .description(
      "search the policy's fraud and credit thresholds on labelled history; write the tuned pack and check it on the later slice",
    )
    .argument(
      '<labelled.csv>',
      'applications with the labels their data model declares as outcomes (default, is_fraud in data/applications.csv)',
    )
    .requiredOption('--out <tuned-policy.json>', 'where to write the tuned policy pack (load it with policyPack in --config)')
    .option(
      '--max-bad-rate <rate>',
      'constraint: bad rate (fraud or default) among approved at most this',
      fraction('--max-bad-rate', { open: false }),
    )
    .option(
      '--min-fraud-caught <rate>',
      'constraint: share of fraud declined or reviewed at least this',
      fraction('--min-fraud-caught', { open: false }),
    )
    .addOption(
      new Option('--objective <objective>', 'what to maximise under the constraints').choices(['approvals', 'profit']).default('approvals'),
    )
    .option(
      '--holdout <fraction>',
      'the latest share of rows by the time field (applied_at): the check slice, never tuned on',
      fraction('--holdout', { open: true }),
      DEFAULT_HOLDOUT,
    )
    .option(
      '--confidence <level>',
      'one-sided confidence with which the constraints must hold on the tuning slice (0: on the rates themselves)',
      (value: string) => {
        const parsed = fraction('--confidence', { open: false })(value);
        if (parsed !== 0 && parsed < 0.5) throw new InvalidArgumentError('--confidence must be 0 or from 0.5 to below 1');
        if (parsed === 1) throw new InvalidArgumentError('--confidence must be below 1');
        return parsed;
      },
      DEFAULT_CONFIDENCE,
    )
    .option('--config <config.json>', 'engine config; its policy pack (default: the shipped one) is the one tuned')
    .option('--report <tune.html>', 'write an HTML report: the trade-off charts with the chosen and current thresholds, and the tables')
    .option('--json <out.json>', 'write the result as JSON')
    .action(async (input: string, options: TuneFlags) => {
      const constraints = {
        ...(options.maxBadRate === undefined ? {} : { maxBadRate: options.maxBadRate }),
        ...(options.minFraudCaught === undefined ? {} : { minFraudCaught: options.minFraudCaught }),
      };
      if (options.objective === 'approvals' && Object.keys(constraints).length === 0) {
        process.stderr.write(
          'fengkong: tune: maximising approvals without a constraint approves everything: give --max-bad-rate and/or --min-fraud-caught\n',
        );
        process.exitCode = 1; // EXIT.USAGE: nothing read or written
        return;
      }
      const config = options.config === undefined ? {} : readConfigFile(options.config);
      // Every output path is checked now, before the replays; the pack, JSON and report are staged and
      // put in place together at the end, or none of them when the command fails.
      const outputs = createOutputSet([
        options.out,
        ...(options.json === undefined ? [] : [options.json]),
        ...(options.report === undefined ? [] : [options.report]),
      ]);
      let result: TuneResult | undefined;
      await writeOutputs(outputs, async (set) => {
        result = await tunePolicy({
          inputPath: input,
          outPath: options.out,
          outputs: set,
          config,
          objective: options.objective,
          constraints,
          holdout: options.holdout,
          confidence: options.confidence,
        });
        if (options.json !== undefined) set.stage(options.json, `${JSON.stringify(result, null, 2)}\n`);
        if (options.report !== undefined) set.stage(options.report, await reportPage(result, input, options));
      });
      // A constraint missed on the check slice still leaves the pack, JSON and report in place: they are
      // the result, and the exit code says it missed.
      process.stdout.write(formatTune(result!, options.out));
      if (!result!.check.met) {
        process.stderr.write(`fengkong: tune: ${checkVerdict(result!)}\n`);
        process.exitCode = TUNE_EXIT_CODE;
      }
    });
}

async function reportPage(result: TuneResult, input: string, options: TuneFlags): Promise<string> {
  // vega and vega-lite load only when a report is asked for.
  const { renderReport } = await import('../report/render.js');
  const command = commandLine(
    ['tune', input],
    [
      ['out', options.out],
      ['max-bad-rate', options.maxBadRate],
      ['min-fraud-caught', options.minFraudCaught],
      ['objective', options.objective],
      ['holdout', options.holdout],
      ['confidence', options.confidence],
      ['config', options.config],
      ['json', options.json],
      ['report', options.report],
    ],
  );
  return renderReport(
    tuneReportDocument(result, { generatedAt: new Date().toISOString(), version: libraryVersion, command, tunedPackName: options.out }),
  );
}

/** The summary on standard output: slices, objective, the frontier table, the thresholds, both slices, the verdict. */
export function formatTune(result: TuneResult, outPath: string): string {
  const { input, slices, search } = result;
  return [
    `${input.name}: read ${input.read}, decided ${input.decided}, rejected ${input.rejected}; policy ${result.policy.name} ${result.policy.version}`,
    `slices ${result.orderedBy}: history ${slices.history.rows} (${slices.history.from} to ${slices.history.to}), ` +
      `tuning ${slices.tuning.rows} (${slices.tuning.from} to ${slices.tuning.to}), ` +
      `check ${slices.check.rows} (${slices.check.from} to ${slices.check.to}; never tuned on)`,
    `objective: ${objectiveText(result)}`,
    `searched ${search.evaluated} threshold sets on the tuning slice${search.feasible ? '' : '; none met the constraint there: the closest is chosen'}`,
    '',
    'frontier on the tuning slice (approval rate against bad rate, with fraud caught; rates with their 95% Wilson intervals):',
    ...textTable(FRONTIER_COLUMNS, frontierRows(result.search).map(frontierCells), (column) => column < 1),
    '',
    ...textTable(['threshold', 'current', 'tuned'], thresholdRows(result), (column) => column < 1),
    '',
    `tuned pack: ${outPath} (${result.policy.name} ${result.tunedPack.version})`,
    '',
    ...textTable(SLICE_COLUMNS, sliceRows(result), (column) => column < 2),
    '',
    checkVerdict(result),
    '',
  ].join('\n');
}
