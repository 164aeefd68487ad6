// `fengkong drift`: the population stability of every model input and both scores between two files,
// as a table, and optionally as JSON and an HTML report; exits with DRIFT_EXIT_CODE when a feature is
// in the failing band.
import { Command, Option } from 'commander';
import { analyseDrift, driftFails, FailOn, type DriftResult } from '../analysis/drift.js';
import { countBands, driftReportDocument, DRIFT_TABLE_COLUMNS, driftTableRows } from '../analysis/driftReport.js';
import { percent } from '../analysis/format.js';
import { createOutputSet, writeOutputs } from '../batch/outputFiles.js';
import { libraryVersion } from '../engine/paths.js';
import { readConfigFile } from './config.js';
import { commandLine, textTable } from './text.js';

/** A feature drifted into the failing band (README, exit codes). */
export const DRIFT_EXIT_CODE = 4;

interface DriftFlags {
  failOn: FailOn;
  report?: string;
  json?: string;
  config?: string;
}

export function driftCommand(): Command {
  return new Command('drift')
    .description('population stability (PSI) of every model input and both scores, baseline file against current file')
    .argument('<baseline.csv>', 'applications the models are known to work on (e.g. the training period)')
    .argument('<current.csv>', 'applications to compare with it')
    .addOption(
      new Option('--fail-on <band>', `exit with ${DRIFT_EXIT_CODE} when a feature is in this band or worse`)
        .choices(FailOn.options)
        .default('act'),
    )
    .option('--report <drift.html>', 'write an HTML report: PSI by feature, score distributions, the table, provenance')
    .option('--json <out.json>', 'write the result as JSON')
    .option('--config <config.json>', 'engine config (models, derived features, lists, salt) both files are scored with')
    .action(async (baselinePath: string, currentPath: string, options: DriftFlags) => {
      // The output paths are checked before the two replays: a typo in --report fails in a moment.
      const outputs = createOutputSet([options.json, options.report].filter((path): path is string => path !== undefined));
      const config = options.config === undefined ? {} : readConfigFile(options.config);
      const analysis = await analyseDrift({
        baselinePath,
        currentPath,
        config,
        ...(options.config === undefined ? {} : { configPath: options.config }),
      });
      const { result } = analysis;
      process.stdout.write(formatDriftTable(result));
      // All or nothing: a report that fails to render leaves no JSON behind either.
      await writeOutputs(outputs, async (set) => {
        let html: string | undefined;
        if (options.report !== undefined) {
          // vega and vega-lite load only when a report is asked for.
          const { renderReport } = await import('../report/render.js');
          const command = commandLine(
            ['drift', baselinePath, currentPath],
            [
              ['fail-on', options.failOn],
              ['config', options.config],
              ['json', options.json],
              ['report', options.report],
            ],
          );
          html = await renderReport(
            driftReportDocument(analysis, { generatedAt: new Date().toISOString(), version: libraryVersion, command }),
          );
        }
        if (options.json !== undefined) set.stage(options.json, `${JSON.stringify(result, null, 2)}\n`);
        if (options.report !== undefined) set.stage(options.report, html!);
      });
      if (driftFails(result, options.failOn)) {
        const counts = countBands(result.features);
        process.stderr.write(
          `fengkong: drift: ${counts.act} feature(s) in the act band, ${counts.watch} in the watch band (--fail-on ${options.failOn})\n`,
        );
        process.exitCode = DRIFT_EXIT_CODE;
      }
    });
}

/** The table on standard output: a header line on the files, the features by PSI, a count of bands. */
export function formatDriftTable(result: DriftResult): string {
  const rows = driftTableRows(result).map(([feature, model, kind, psi, band, missingBase, missingCurrent, unseen]) => [
    feature,
    model,
    kind,
    psi.toFixed(4),
    band,
    percent(missingBase, 1),
    percent(missingCurrent, 1),
    percent(unseen, 1),
  ]);
  const counts = countBands(result.features);
  const file = (label: string, summary: DriftResult['baseline']) =>
    `${label} ${summary.path}: ${summary.rows} applications` +
    ` (${summary.rejected} rows rejected, ${summary.repeated} repeated ids, ${summary.undecided} undecided)`;
  return [
    file('baseline', result.baseline),
    file('current', result.current),
    '',
    // Names and words left-aligned, figures right-aligned.
    ...textTable(DRIFT_TABLE_COLUMNS, rows, (column) => column < 3 || column === 4),
    '',
    `${counts.act} act, ${counts.watch} watch, ${counts.stable} stable ` +
      `(PSI < ${result.bands.watch} stable, ${result.bands.watch}–${result.bands.act} watch, > ${result.bands.act} act)`,
    '',
  ].join('\n');
}
