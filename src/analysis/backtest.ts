// The backtest: replay the labelled history through a policy (and a challenger's), then measure what
// the decisions would have done: approvals, bad rates, fraud caught by scenario, each rule's hits,
// precision and incremental catches, the models' discrimination, reasons, and a simple economics.
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import { auc, aucConfidenceInterval } from '../metrics/auc.js';
import { ks } from '../metrics/ks.js';
import { libraryVersion } from '../engine/paths.js';
import type { EngineConfigInput } from '../schema/config.js';
import { Outcome } from '../schema/decision.js';
import { parseEconomics, portfolioEconomics, type Economics, type EconomicsInput } from './economics.js';
import { HELD_OUT_SHARE, modelsTraining, outOfSample, type ModelTraining } from './heldOut.js';
import { rateOf, wilsonRate } from './interval.js';
import { badLabel, replayLabelled, splitByTime, type LabelledOutcome, type Replay } from './replay.js';
import { firedRulesOf, ruleCatalogue, ruleMetrics, type CatalogueRule } from './ruleImpact.js';
import type { BacktestResult, BacktestRun, DecisionChanges, Discrimination, OutcomeFields } from './backtestSchema.js';

/** The definitions a backtest states, in the words of its data model's outcome fields. */
export function definitionsOf(outcomes: OutcomeFields): Record<string, string> {
  const { credit, fraud, amount } = outcomes;
  const creditBad = credit === null ? null : `${credit.field} = ${credit.bad}`;
  const fraudBad = fraud === null ? null : `${fraud.field} = ${fraud.bad}`;
  const badParts = [creditBad === null ? null : `defaulted (${creditBad})`, fraudBad === null ? null : `fraud (${fraudBad})`].filter(
    (part) => part !== null,
  );
  const fraudSignal =
    fraudBad === null
      ? null
      : `fraud (${fraudBad}) for fraud-signal rules (rule categories list, velocity, anomaly; policy category fraud)`;
  const creditSignal = creditBad === null ? null : `default (${creditBad}) for credit rules (bureau, application; policy category credit)`;
  return {
    bad: `bad = ${badParts.join(' or ')}; bad rates count the rows whose status is known${fraud === null ? `; the data model declares no fraud outcome, so every row counts as genuine and no fraud figure is reported` : ''}${credit === null ? '; the data model declares no credit outcome, so no default figure is reported' : ''}`,
    approved: 'approved = outcome approve; reviews are not approvals',
    fraudCaught: 'a fraud is caught when declined or sent to review, missed when approved',
    precision: `precision = share of a rule’s hits that carry its label: ${[fraudSignal, creditSignal].filter((part) => part !== null).join(', ')}`,
    incremental:
      'incremental = applications a rule alone caught: the decision was review or decline, the rule asked for that outcome, and no other rule or policy rule that fired asked for the same or a harsher one (a rule-pack rule only through the policy rules that relay rule hits); counted on each application’s own decision',
    creditScore: `the credit score is higher = better: its AUC and KS are of the negated score against default${credit === null ? '' : ` (${creditBad})`}, on genuine rows`,
    amount:
      amount === null
        ? 'the data model marks no field as the amount, so nothing is priced (no economics)'
        : `economics price the amount lent: an approval’s offer (approvedAmount: a counter-offer lends the band’s maximum, less than was asked), the amount requested (${amount}) when an approval carries no offer or for a review funded under reviewsFunded`,
    counterfactual:
      'the rows a policy declines or reviews are counted against their own labels, as if they had been funded (counterfactual): that holds when every row of the file was funded and observed, as Lending Club’s loans were; where declined applicants have no outcome, figures on them are not defined',
  };
}

export interface RunInput {
  name: string;
  replay: Replay;
  catalogue: readonly CatalogueRule[];
  economics: Economics;
  /** The outcome fields of the run's data model. */
  outcomeFields: OutcomeFields;
  /** The data the run's models record they were trained on (heldOut.ts modelsTraining). */
  models: readonly ModelTraining[];
  heldOutFraction?: number;
}

const approved = (row: LabelledOutcome) => row.decision.outcome === 'approve';
const known = (row: LabelledOutcome) => badLabel(row) !== null;

export function summariseRun({
  name,
  replay,
  catalogue,
  economics,
  outcomeFields,
  models,
  heldOutFraction = HELD_OUT_SHARE,
}: RunInput): BacktestRun {
  const rows = replay.rows;
  const outcomes = { approve: 0, review: 0, decline: 0 };
  for (const row of rows) outcomes[row.decision.outcome] += 1;
  const rejectedByCode: Record<string, number> = {};
  for (const { code } of replay.rejected) rejectedByCode[code] = (rejectedByCode[code] ?? 0) + 1;
  const first = rows[0]?.decision.stages.policy;
  const heldOut = splitByTime(rows, heldOutFraction).later;
  return {
    name,
    configSha256: replay.configSha256,
    policy: { name: first?.policy ?? '', version: first?.version ?? '' },
    read: replay.read,
    decided: rows.length,
    rejected: replay.rejected.length,
    rejectedByCode,
    outcomes,
    approvalRate: rateOf(rows, approved),
    reviewRate: rateOf(rows, (row) => row.decision.outcome === 'review'),
    declineRate: rateOf(rows, (row) => row.decision.outcome === 'decline'),
    badRate: rateOf(rows, (row) => badLabel(row) === true, known),
    badRateApproved: rateOf(
      rows,
      (row) => badLabel(row) === true,
      (row) => known(row) && approved(row),
    ),
    badRateNotApproved: rateOf(
      rows,
      (row) => badLabel(row) === true,
      (row) => known(row) && !approved(row),
    ),
    defaultRateApprovedGenuine: rateOf(
      rows,
      (row) => row.defaulted === true,
      (row) => approved(row) && !row.isFraud && row.defaulted !== null,
    ),
    fraudRateApproved: rateOf(rows, (row) => row.isFraud, approved),
    genuineGoodStopped: rateOf(
      rows,
      (row) => !approved(row),
      (row) => !row.isFraud && row.defaulted === false,
    ),
    fraudCaught: fraudCaught(rows),
    outcomeTierLabel: outcomeTierLabel(rows),
    rules: ruleMetrics(
      catalogue,
      rows.map((row) => ({ isFraud: row.isFraud, defaulted: row.defaulted, fired: firedRulesOf(row.decision) })),
    ),
    outOfSample: outOfSample(models, replay.inputSha256, heldOutFraction, outcomeFields.time),
    models: {
      fraudProbability: { all: fraudDiscrimination(rows), heldOut: fraudDiscrimination(heldOut) },
      creditScore: { all: creditDiscrimination(rows), heldOut: creditDiscrimination(heldOut) },
    },
    reasons: reasonFrequency(rows),
    economics: outcomeFields.amount === null ? null : portfolioEconomics(rows, economics),
  };
}

/** Every scenario (sorted), then `all`. */
function fraudCaught(rows: readonly LabelledOutcome[]): BacktestRun['fraudCaught'] {
  const frauds = rows.filter((row) => row.isFraud);
  const scenarios = [...new Set(frauds.map((row) => row.fraudScenario ?? 'unnamed'))].sort();
  const tally = (scenario: string, members: readonly LabelledOutcome[]) => {
    const count = (outcome: Outcome) => members.filter((row) => row.decision.outcome === outcome).length;
    const [declined, reviewed, missed] = [count('decline'), count('review'), count('approve')];
    return { scenario, frauds: members.length, declined, reviewed, missed, caught: wilsonRate(declined + reviewed, members.length) };
  };
  return [
    ...scenarios.map((scenario) =>
      tally(
        scenario,
        frauds.filter((row) => (row.fraudScenario ?? 'unnamed') === scenario),
      ),
    ),
    tally('all', frauds),
  ];
}

function outcomeTierLabel(rows: readonly LabelledOutcome[]): BacktestRun['outcomeTierLabel'] {
  const cells = new Map<string, BacktestRun['outcomeTierLabel'][number]>();
  for (const row of rows) {
    const { outcome, tier } = row.decision;
    const key = `${HARSH_ORDER.indexOf(outcome)}:${tier}`;
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = { outcome, tier, genuineGood: 0, genuineDefault: 0, genuineUnlabelled: 0, fraud: 0, total: 0 };
      cells.set(key, cell);
    }
    cell.total += 1;
    if (row.isFraud) cell.fraud += 1;
    else if (row.defaulted === true) cell.genuineDefault += 1;
    else if (row.defaulted === false) cell.genuineGood += 1;
    else cell.genuineUnlabelled += 1;
  }
  return [...cells.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, cell]) => cell);
}
const HARSH_ORDER: readonly Outcome[] = ['approve', 'review', 'decline'];

/** AUC with its DeLong interval and KS, or null when either class has fewer than two rows. */
export function discrimination(scores: readonly number[], labels: readonly number[]): Discrimination {
  const positives = labels.filter((label) => label === 1).length;
  if (positives < 2 || labels.length - positives < 2) return null;
  try {
    const interval = aucConfidenceInterval(scores, labels);
    return {
      rows: labels.length,
      positives,
      auc: auc(scores, labels),
      aucLower: interval.lower,
      aucUpper: interval.upper,
      ks: ks(scores, labels),
    };
  } catch (error) {
    if (isFengkongError(error) && error.code === ErrorCode.METRIC_INPUT_INVALID) return null;
    throw error;
  }
}

/** The fraud probability against is_fraud, on every row the fraud stage scored. */
export function fraudScores(rows: readonly LabelledOutcome[]): { scores: number[]; labels: number[] } {
  const scored = rows.filter((row) => row.decision.stages.fraud !== undefined);
  return { scores: scored.map((row) => row.decision.stages.fraud!.probability), labels: scored.map((row) => (row.isFraud ? 1 : 0)) };
}

/** The credit score, negated (higher = riskier), against default on genuine rows with a default label. */
export function creditScores(rows: readonly LabelledOutcome[]): { scores: number[]; labels: number[] } {
  const scored = rows.filter((row) => !row.isFraud && row.defaulted !== null && row.decision.stages.credit !== undefined);
  return { scores: scored.map((row) => -row.decision.stages.credit!.score), labels: scored.map((row) => (row.defaulted ? 1 : 0)) };
}

const fraudDiscrimination = (rows: readonly LabelledOutcome[]) => {
  const { scores, labels } = fraudScores(rows);
  return discrimination(scores, labels);
};
const creditDiscrimination = (rows: readonly LabelledOutcome[]) => {
  const { scores, labels } = creditScores(rows);
  return discrimination(scores, labels);
};

function reasonFrequency(rows: readonly LabelledOutcome[]): BacktestRun['reasons'] {
  const counts = new Map<string, { code: string; stage: string; decisions: number; primary: number }>();
  for (const { decision } of rows) {
    const primary = new Set(decision.reasons.primary.map((reason) => reason.code));
    for (const reason of new Map(decision.reasons.all.map((entry) => [entry.code, entry])).values()) {
      let entry = counts.get(reason.code);
      if (entry === undefined) counts.set(reason.code, (entry = { code: reason.code, stage: reason.stage, decisions: 0, primary: 0 }));
      entry.decisions += 1;
      if (primary.has(reason.code)) entry.primary += 1;
    }
  }
  return [...counts.values()].sort((a, b) => b.decisions - a.decisions || (a.code < b.code ? -1 : 1));
}

/** Applications decided in both runs, by id: how many changed outcome, and from what to what. */
export function compareRuns(champion: readonly LabelledOutcome[], challenger: readonly LabelledOutcome[]): DecisionChanges {
  const theirs = new Map(challenger.map((row) => [row.applicationId, row.decision.outcome]));
  const matrix = Object.fromEntries(HARSH_ORDER.map((from) => [from, { approve: 0, review: 0, decline: 0 }])) as DecisionChanges['matrix'];
  let compared = 0;
  let changed = 0;
  for (const row of champion) {
    const other = theirs.get(row.applicationId);
    if (other === undefined) continue;
    compared += 1;
    if (other !== row.decision.outcome) changed += 1;
    matrix[row.decision.outcome]![other] += 1;
  }
  return { compared, changed, matrix };
}

export interface BacktestOptions {
  inputPath: string;
  config?: EngineConfigInput;
  challengerConfig?: EngineConfigInput;
  economics?: EconomicsInput;
  command?: string;
  chunkSize?: number;
}

export interface Backtest {
  result: BacktestResult;
  champion: Replay;
  challenger: Replay | null;
}

export async function runBacktest(options: BacktestOptions): Promise<Backtest> {
  const economics = parseEconomics(options.economics);
  const config = options.config ?? {};
  const chunk = options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize };
  // Catalogues first: a bad pack fails before minutes of replay.
  const championRules = ruleCatalogue(config);
  const challengerRules = options.challengerConfig === undefined ? null : ruleCatalogue(options.challengerConfig);
  const championModels = modelsTraining(config);
  const challengerModels = options.challengerConfig === undefined ? [] : modelsTraining(options.challengerConfig);
  const champion = await replayLabelled(options.inputPath, { config, ...chunk });
  if (champion.rows.length === 0) {
    throw new FengkongError(ErrorCode.CSV_RECORD, `${options.inputPath}: no row could be decided (${champion.rejected.length} rejected)`);
  }
  const challenger =
    options.challengerConfig === undefined ? null : await replayLabelled(options.inputPath, { config: options.challengerConfig, ...chunk });
  const outcomes = champion.outcomes;
  // One set of outcome definitions per report: a challenger reads the same labels, or the comparison means nothing.
  if (challenger !== null && JSON.stringify(challenger.outcomes) !== JSON.stringify(outcomes)) {
    throw new FengkongError(
      ErrorCode.CONFIG_INVALID,
      `the challenger's data model reads other outcomes (${JSON.stringify(challenger.outcomes)}) than the champion's (${JSON.stringify(outcomes)}): a backtest compares two policies on the same labels`,
    );
  }
  const result: BacktestResult = {
    format: 'fengkong-backtest',
    version: 2,
    input: { path: options.inputPath, sha256: champion.inputSha256 },
    libraryVersion,
    command: options.command ?? '',
    outcomes,
    definitions: definitionsOf(outcomes),
    heldOutFraction: HELD_OUT_SHARE,
    economics,
    champion: summariseRun({
      name: 'champion',
      replay: champion,
      catalogue: championRules,
      economics,
      outcomeFields: outcomes,
      models: championModels,
    }),
    challenger:
      challenger === null
        ? null
        : summariseRun({
            name: 'challenger',
            replay: challenger,
            catalogue: challengerRules!,
            economics,
            outcomeFields: challenger.outcomes,
            models: challengerModels,
          }),
    changes: challenger === null ? null : compareRuns(champion.rows, challenger.rows),
  };
  return { result, champion, challenger };
}
