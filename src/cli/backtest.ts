// `fengkong backtest`: replays a labelled history through the policy (and a challenger's), writes the
// HTML report and optionally the metrics as JSON, and prints the headline on standard error.
import { Command } from 'commander';
import { runBacktest } from '../analysis/backtest.js';
import { backtestReportDocument } from '../analysis/backtestReport.js';
import type { BacktestResult, BacktestRun } from '../analysis/backtestSchema.js';
import { readEconomicsFile } from '../analysis/economics.js';
import { money, percent, rate } from '../analysis/format.js';
import { createOutputSet, writeOutputs } from '../batch/outputFiles.js';
import { readConfigFile } from './config.js';
import { commandLine } from './text.js';

interface BacktestFlags {
  report: string;
  config?: string;
  challenger?: string;
  economics?: string;
  json?: string;
  quiet?: boolean;
}

export function backtestCommand(): Command {
  return new Command('backtest')
    .description(
      'replay labelled applications through the policy in time order and report approvals, bad rates, fraud caught, rules, models and economics',
    )
    .argument(
      '<labelled.csv>',
      'applications with the labels their data model declares as outcomes (default, is_fraud, fraud_scenario in data/applications.csv)',
    )
    .requiredOption('--report <report.html>', 'the HTML report: tables with 95% intervals, charts, provenance')
    .option('--config <config.json>', 'engine config of the policy to test (default: the shipped one)')
    .option('--challenger <config.json>', 'a second engine config, replayed too and shown beside the first')
    .option(
      '--economics <economics.json>',
      'averageBalanceFactor, lossGivenDefault, fraudLoss, reviewsFunded (defaults 0.5, 0.6, 1, false)',
    )
    .option('--json <out.json>', 'also write the metrics as JSON')
    .option('--quiet', 'no summary on stderr')
    .action(async (input: string, options: BacktestFlags) => {
      // Every file named is read, and every output path checked, before the replay starts: a typo fails
      // in a second, not after it. The outputs are put in place together at the end, or not at all.
      const outputs = createOutputSet([options.report, ...(options.json === undefined ? [] : [options.json])]);
      const config = options.config === undefined ? {} : readConfigFile(options.config);
      const challengerConfig = options.challenger === undefined ? undefined : readConfigFile(options.challenger);
      const economics = options.economics === undefined ? undefined : readEconomicsFile(options.economics);
      const backtest = await runBacktest({
        inputPath: input,
        config,
        ...(challengerConfig === undefined ? {} : { challengerConfig }),
        ...(economics === undefined ? {} : { economics }),
        command: commandLine(
          ['backtest', input],
          (['report', 'config', 'challenger', 'economics', 'json'] as const).map((name) => [name, options[name]] as const),
        ),
      });
      // vega loads only when a report is drawn, not with every command.
      const { renderReport } = await import('../report/render.js');
      const html = await renderReport(backtestReportDocument(backtest, new Date().toISOString()));
      await writeOutputs(outputs, (set) => {
        if (options.json !== undefined) set.stage(options.json, `${JSON.stringify(backtest.result, null, 2)}\n`);
        set.stage(options.report, html);
      });
      if (options.quiet !== true) process.stderr.write(formatBacktestSummary(backtest.result, options));
    });
}

export function formatBacktestSummary(result: BacktestResult, options: { report: string; json?: string }): string {
  const runs = [result.champion, ...(result.challenger === null ? [] : [result.challenger])];
  const auc = (model: BacktestRun['models']['fraudProbability']['all']) =>
    model === null
      ? 'n/a'
      : `AUC ${model.auc.toFixed(3)} (${model.aucLower.toFixed(3)}–${model.aucUpper.toFixed(3)}), KS ${model.ks.toFixed(3)}`;
  const { credit, fraud } = result.outcomes;
  const bad = [credit === null ? null : credit.field, fraud === null ? null : fraud.field].filter((name) => name !== null).join(' or ');
  const lines = runs.flatMap((run) => {
    const caught = run.fraudCaught.at(-1)!;
    return [
      `${run.name} (${run.policy.name} ${run.policy.version}): read ${run.read}, decided ${run.decided}, rejected ${run.rejected}`,
      `  outcomes: approve ${run.outcomes.approve}, review ${run.outcomes.review}, decline ${run.outcomes.decline}`,
      `  approval rate ${rate(run.approvalRate)}`,
      `  bad rate (${bad}): all ${rate(run.badRate)}; approved ${rate(run.badRateApproved)}`,
      ...(fraud === null
        ? []
        : [
            `  fraud caught (declined or reviewed) ${rate(caught.caught)}; missed ${caught.missed}`,
            `  fraud probability vs ${fraud.field}: ${auc(run.models.fraudProbability.all)}; held out ${auc(run.models.fraudProbability.heldOut)}`,
          ]),
      ...(credit === null
        ? []
        : [
            `  credit score vs ${credit.field}${fraud === null ? '' : ' (genuine)'}: ${auc(run.models.creditScore.all)}; held out ${auc(run.models.creditScore.heldOut)}`,
          ]),
      run.economics === null
        ? '  economics: not priced (the data model marks no field as the amount)'
        : `  economics (on the amounts lent): revenue ${money(run.economics.revenue)}${run.economics.fundedUnpriced > 0 ? ` (${run.economics.fundedUnpriced} funded good loans not priced: no rate or term)` : ''}, loss ${money(run.economics.loss)} (defaults ${money(run.economics.defaultLoss)}, frauds ${money(run.economics.fraudLoss)}), net ${money(run.economics.net)}`,
    ];
  });
  const changes =
    result.changes === null
      ? []
      : [
          `challenger changes ${result.changes.changed} of ${result.changes.compared} outcomes (${percent(result.changes.changed / Math.max(1, result.changes.compared))})`,
        ];
  return [...lines, ...changes, `report: ${options.report}`, ...(options.json === undefined ? [] : [`json: ${options.json}`]), ''].join(
    '\n',
  );
}
