// The backtest as a report document (src/report renders it): provenance, caveats, the headline rates with
// their intervals, fraud caught, outcomes by tier and label, the models, the rules, reasons and economics;
// one column per run when a challenger was replayed beside the champion.
import type { ReportDocumentInput, ReportTable } from '../report/document.js';
import { money, percent, rate } from './format.js';
import type { Rate } from './interval.js';
import type { BacktestResult, BacktestRun, Discrimination, OutcomeFields } from './backtestSchema.js';
import { backtestFigures } from './backtestCharts.js';
import type { Backtest } from './backtest.js';

type Cell = string | number | null;

export function backtestReportDocument(backtest: Backtest, generatedAt: string): ReportDocumentInput {
  const { result } = backtest;
  const runs: BacktestRun[] = [result.champion, ...(result.challenger === null ? [] : [result.challenger])];
  const replays = [backtest.champion, ...(backtest.challenger === null ? [] : [backtest.challenger])];
  const figures = backtestFigures(
    runs.map((metrics, index) => ({ name: metrics.name, metrics, rows: replays[index]!.rows })),
    result.outcomes,
  );
  const figure = (title: string) => figures.filter((entry) => entry.title.startsWith(title));
  const runColumns = runs.map((run) => ({ label: run.name, numeric: true }));
  const { outcomes } = result;
  const order = outcomes.time === null ? 'in the file’s order (the data model has no time field)' : `by ${outcomes.time}`;
  return {
    title: `Backtest of ${result.champion.policy.name} ${result.champion.policy.version}${result.challenger === null ? '' : ` against ${result.challenger.policy.name} ${result.challenger.policy.version}`}`,
    generatedAt,
    provenance: [
      { label: 'Input', value: result.input.path },
      { label: 'Input sha256', value: result.input.sha256 },
      ...runs.map((run) => ({ label: `Config sha256 (${run.name})`, value: run.configSha256 })),
      ...runs.map((run) => ({ label: `Policy (${run.name})`, value: `${run.policy.name} ${run.policy.version}` })),
      { label: 'Library version', value: result.libraryVersion },
      { label: 'Command', value: result.command },
    ],
    notes: [
      result.definitions.counterfactual!,
      `Every rate has its 95% Wilson interval in brackets. ${result.definitions.bad}.`,
      `The history is replayed whole in event-time order (velocity and freezes as they were); “held out” is the latest ${percent(result.heldOutFraction, 0)} of rows ${order}, the share the model trainers hold out.`,
      ...outOfSampleNotes(runs),
    ],
    sections: [
      {
        heading: 'Headline',
        paragraphs: [
          result.definitions.approved!,
          ...(result.changes === null
            ? []
            : [
                `The challenger changes ${result.changes.changed} of ${result.changes.compared} decisions' outcome (${percent(result.changes.changed / Math.max(1, result.changes.compared))}).`,
              ]),
        ],
        tables: [
          table('Rates', [{ label: 'Measure' }, ...runColumns], headlineRows(runs, outcomes)),
          ...(result.changes === null ? [] : [changesTable(result)]),
        ],
      },
      ...(outcomes.fraud === null
        ? []
        : [
            {
              heading: 'Fraud caught',
              paragraphs: [result.definitions.fraudCaught!],
              tables: [
                table(
                  'Frauds by scenario: declined, reviewed, missed (approved), caught',
                  [
                    { label: 'Scenario' },
                    { label: 'Frauds', numeric: true },
                    ...runs.flatMap((run) =>
                      ['declined', 'reviewed', 'missed', 'caught'].map((what) => ({ label: `${run.name} ${what}`, numeric: true })),
                    ),
                  ],
                  fraudCaughtRows(runs),
                ),
              ],
            },
          ]),
      {
        heading: 'Outcomes by tier and label',
        tables: runs.map((run) =>
          table(
            `${run.name}: applications by outcome, tier and label`,
            [
              { label: 'Outcome' },
              { label: 'Tier', numeric: true },
              ...['genuine good', 'genuine default', 'genuine, no label', ...(outcomes.fraud === null ? [] : ['fraud']), 'total'].map(
                (label) => ({ label, numeric: true }),
              ),
            ],
            run.outcomeTierLabel.map((cell) => [
              cell.outcome,
              cell.tier,
              cell.genuineGood,
              cell.genuineDefault,
              cell.genuineUnlabelled,
              ...(outcomes.fraud === null ? [] : [cell.fraud]),
              cell.total,
            ]),
          ),
        ),
      },
      {
        heading: 'Models',
        paragraphs: [result.definitions.creditScore!],
        tables: [
          table('AUC (95% DeLong interval) and KS', [{ label: 'Score' }, { label: 'Rows' }, ...runColumns], modelRows(runs, outcomes)),
        ],
        figures: [...figure('ROC'), ...figure('Credit score by'), ...figure('Fraud probability by')],
      },
      {
        heading: 'Credit-score cut-off',
        figures: figure('Approval rate against bad rate'),
      },
      {
        heading: 'Rules',
        paragraphs: [result.definitions.precision!, result.definitions.incremental!],
        tables: runs.map((run) => rulesTable(run)),
        figures: figure('Rule hits'),
      },
      {
        heading: 'Reason codes',
        tables: [reasonsTable(runs)],
        figures: figure('Reason codes'),
      },
      economicsSection(result, runs, runColumns),
    ],
  };
}

function table(caption: string, columns: { label: string; numeric?: boolean }[], rows: Cell[][]): ReportTable {
  return { caption, columns: columns.map((column) => ({ label: column.label, numeric: column.numeric ?? false })), rows };
}

function headlineRows(runs: readonly BacktestRun[], outcomes: OutcomeFields): Cell[][] {
  const each = (pick: (run: BacktestRun) => Cell) => runs.map(pick);
  const fraud = outcomes.fraud !== null;
  const rates: (readonly [string, (run: BacktestRun) => Rate])[] = [
    ['Approval rate', (run) => run.approvalRate],
    ['Review rate', (run) => run.reviewRate],
    ['Decline rate', (run) => run.declineRate],
    ['Bad rate, all rows', (run) => run.badRate],
    ['Bad rate, approved', (run) => run.badRateApproved],
    ['Bad rate, not approved', (run) => run.badRateNotApproved],
    ...(fraud && outcomes.credit !== null
      ? [['Default rate, approved genuine', (run: BacktestRun) => run.defaultRateApprovedGenuine] as const]
      : []),
    ...(fraud
      ? ([
          ['Fraud rate, approved', (run: BacktestRun) => run.fraudRateApproved],
          ['Fraud caught (declined or reviewed)', (run: BacktestRun) => run.fraudCaught.at(-1)!.caught],
        ] as const)
      : []),
    ...(outcomes.credit === null ? [] : [['Good stopped (declined or reviewed)', (run: BacktestRun) => run.genuineGoodStopped] as const]),
  ];
  return [
    ['Rows read', ...each((run) => run.read)],
    ['Decided', ...each((run) => run.decided)],
    ['Rejected', ...each((run) => run.rejected)],
    ['Approve / review / decline', ...each((run) => `${run.outcomes.approve} / ${run.outcomes.review} / ${run.outcomes.decline}`)],
    ...rates.map(([label, pick]) => [label, ...each((run) => rate(pick(run)))]),
  ];
}

function changesTable(result: BacktestResult): ReportTable {
  const changes = result.changes!;
  const outcomes = ['approve', 'review', 'decline'] as const;
  return table(
    `Decisions by champion outcome (rows) and challenger outcome (columns): ${changes.changed} of ${changes.compared} changed`,
    [{ label: 'Champion \\ challenger' }, ...outcomes.map((outcome) => ({ label: outcome, numeric: true }))],
    outcomes.map((from) => [from, ...outcomes.map((to) => changes.matrix[from]?.[to] ?? 0)]),
  );
}

function modelRows(runs: readonly BacktestRun[], outcomes: OutcomeFields): Cell[][] {
  const fraud = outcomes.fraud === null ? null : `Fraud probability vs ${outcomes.fraud.field}`;
  const credit = outcomes.credit === null ? null : `Credit score vs ${outcomes.credit.field}${outcomes.fraud === null ? '' : ' (genuine)'}`;
  const slices = [
    ...(fraud === null
      ? []
      : ([
          [fraud, 'all', (run: BacktestRun) => run.models.fraudProbability.all],
          [fraud, 'held out', (run: BacktestRun) => run.models.fraudProbability.heldOut],
        ] as const)),
    ...(credit === null
      ? []
      : ([
          [credit, 'all', (run: BacktestRun) => run.models.creditScore.all],
          [credit, 'held out', (run: BacktestRun) => run.models.creditScore.heldOut],
        ] as const)),
  ];
  return slices.map(([score, rows, pick]) => [score, rows, ...runs.map((run) => discrimination(pick(run)))]);
}

function discrimination(model: Discrimination): string {
  if (model === null) return 'n/a (a class has fewer than two rows)';
  return `AUC ${model.auc.toFixed(3)} (${model.aucLower.toFixed(3)}–${model.aucUpper.toFixed(3)}), KS ${model.ks.toFixed(3)}; ${model.positives} of ${model.rows}`;
}

function rulesTable(run: BacktestRun): ReportTable {
  return table(
    `${run.name}: every rule of the rule packs and the policy pack`,
    [
      { label: 'Rule' },
      { label: 'Source' },
      { label: 'Category' },
      { label: 'Verdict' },
      { label: 'Precision on' },
      { label: 'Hits', numeric: true },
      { label: 'Hit rate', numeric: true },
      { label: 'Precision', numeric: true },
      { label: 'Incremental', numeric: true },
      { label: 'Incremental precision', numeric: true },
    ],
    run.rules.map((rule) => [
      rule.code,
      rule.source === 'policy' ? `policy ${rule.pack}` : rule.pack,
      rule.category,
      rule.verdict,
      rule.precisionLabel,
      rule.hits,
      rate(rule.hitRate),
      rate(rule.precision),
      rule.incremental,
      rate(rule.incrementalPrecision),
    ]),
  );
}

function reasonsTable(runs: readonly BacktestRun[]): ReportTable {
  const codes = [...new Map(runs.flatMap((run) => run.reasons.map((reason) => [reason.code, reason.stage] as const))).entries()];
  return table(
    'Decisions listing each reason code (among all reasons; among the primary four)',
    [
      { label: 'Code' },
      { label: 'Stage' },
      ...runs.flatMap((run) => [
        { label: `${run.name} all`, numeric: true },
        { label: `${run.name} primary`, numeric: true },
      ]),
    ],
    codes.map(([code, stage]) => [
      code,
      stage,
      ...runs.flatMap((run) => {
        const reason = run.reasons.find((entry) => entry.code === code);
        return [reason?.decisions ?? 0, reason?.primary ?? 0];
      }),
    ]),
  );
}

/** What each run's held-out slice is, as its models record their training data (one note when the runs agree). */
function outOfSampleNotes(runs: readonly BacktestRun[]): string[] {
  const notes = new Map<string, string[]>();
  for (const run of runs) notes.set(run.outOfSample.note, [...(notes.get(run.outOfSample.note) ?? []), run.name]);
  if (notes.size === 1) return [...notes.keys()];
  return [...notes.entries()].map(([note, names]) => `${names.join(', ')}: ${note}`);
}

/** Every scenario any run met (sorted), then `all`; a run without the scenario shows a dash. */
export function fraudCaughtRows(runs: readonly BacktestRun[]): Cell[][] {
  const scenarios = [
    ...new Set(runs.flatMap((run) => run.fraudCaught.map((entry) => entry.scenario)).filter((scenario) => scenario !== 'all')),
  ].sort();
  return [...scenarios, 'all'].map((scenario) => {
    const entries = runs.map((run) => run.fraudCaught.find((entry) => entry.scenario === scenario));
    const frauds = entries.find((entry) => entry !== undefined)?.frauds ?? null;
    return [
      scenario,
      frauds ?? DASH,
      ...entries.flatMap((entry) =>
        entry === undefined ? [DASH, DASH, DASH, DASH] : [entry.declined, entry.reviewed, entry.missed, rate(entry.caught)],
      ),
    ];
  });
}

const DASH = '—';

function economicsSection(
  result: BacktestResult,
  runs: readonly BacktestRun[],
  runColumns: { label: string; numeric: boolean }[],
): ReportDocumentInput['sections'][number] {
  const { economics, outcomes } = result;
  const priced = runs.map((run) => run.economics);
  if (priced.some((summary) => summary === null)) {
    return { heading: 'Economics', paragraphs: [`Not priced: ${result.definitions.amount}.`] };
  }
  const summaries = priced as NonNullable<BacktestRun['economics']>[];
  const rateName = outcomes.rate ?? 'the rate';
  const termName = outcomes.term ?? 'the term';
  const unpriced = outcomes.rate === null || outcomes.term === null;
  return {
    heading: 'Economics',
    paragraphs: [
      `Revenue of an approved genuine good loan = amount × ${rateName} × ${termName} in months/12 × ${economics.averageBalanceFactor} (average balance); ` +
        `loss of an approved genuine default = amount × ${economics.lossGivenDefault} (loss given default); ` +
        (outcomes.fraud === null
          ? ''
          : `an approved fraud loses ${economics.fraudLoss === 1 ? 'the whole amount' : `amount × ${economics.fraudLoss}`}; `) +
        `declined${economics.reviewsFunded ? '' : ' and reviewed'} rows earn and lose nothing. ` +
        `The amount is the amount lent: an approval’s offer (approvedAmount: a counter-offer lends the band’s maximum, less than was asked), the amount requested (${outcomes.amount}) when an approval carries no offer${economics.reviewsFunded ? ' and for a funded review' : ''}. ` +
        (unpriced
          ? `The data model declares no ${[outcomes.rate === null ? 'rate' : null, outcomes.term === null ? 'term' : null].filter((part) => part !== null).join(' or ')} (outcomes.pricing), so no revenue is priced: every funded good loan is counted as unpriced. `
          : `A funded genuine good loan without ${rateName} or ${termName} earns nothing here and is counted apart (unpriced), not priced at 0%. `) +
        'No funding cost, prepayment or recovery timing: a yardstick to compare policies on the same history.',
    ],
    tables: [
      table(
        'Estimated revenue and loss',
        [{ label: 'Measure' }, ...runColumns],
        [
          ['Funded loans', ...summaries.map((summary) => summary.fundedLoans)],
          ['Funded amount (lent)', ...summaries.map((summary) => money(summary.fundedAmount))],
          [
            `Funded genuine good without ${rateName} or ${termName} (revenue not priced)`,
            ...summaries.map((summary) => summary.fundedUnpriced),
          ],
          [
            `Funded genuine without ${outcomes.credit === null ? 'a credit label' : `a ${outcomes.credit.field} label`} (not priced)`,
            ...summaries.map((summary) => summary.fundedUnlabelled),
          ],
          ['Revenue', ...summaries.map((summary) => money(summary.revenue))],
          ['Loss on defaults', ...summaries.map((summary) => money(summary.defaultLoss))],
          ...(outcomes.fraud === null ? [] : [['Loss on frauds', ...summaries.map((summary) => money(summary.fraudLoss))]]),
          ['Net (revenue − loss)', ...summaries.map((summary) => money(summary.net))],
        ],
      ),
    ],
  };
}
