// The `explain` command's two halves: reading one application (a JSON file, or one row of a CSV) and
// rendering its decision for a person. The rendering reads the decision only, never the raw event, so
// it can print nothing an identifier would leak through: decisions carry feature values, not identifiers.
import { ErrorCode, FengkongError, isFengkongError } from '../errors.js';
import type { EventRecord } from '../schema/event.js';
import type { DataModel } from '../features/dataModel.js';
import { readFileBytes } from '../schema/jsonFile.js';
import type { Decision, Reason, RuleHit } from '../schema/decision.js';
import { MAX_LINE_CHARS, checkHeader, parseLine, readLines, recordToEvent } from '../batch/csvRecords.js';

/** How many fraud contributions an explanation lists (the decision keeps them all). */
export const TOP_FRAUD_CONTRIBUTIONS = 5;

/**
 * Reads one application: a JSON object, or with `row`, the row-th data row (1-based, blank lines not
 * counted, as `score` counts them) of a CSV. Every error names the file (and row and line) and the field.
 * With `replay`, also the valid rows before it, in file order, so the application can be decided with
 * the history `score` had (the rows `score` would reject are left out, as it leaves them out).
 */
export async function readApplication(
  path: string,
  row: number | undefined,
  dataModel: DataModel,
  replay = false,
): Promise<{ event: EventRecord; earlier: EventRecord[] }> {
  if (row === undefined && /\.csv$/i.test(path)) {
    throw new FengkongError(ErrorCode.CSV_RECORD, `${path}: a CSV holds many applications: choose one with --row <n>`);
  }
  const earlier: unknown[] = [];
  const { input, where } =
    row === undefined ? { input: readJsonObject(path), where: path } : await readCsvRow(path, row, dataModel, replay ? earlier : null);
  const earlierEvents: EventRecord[] = [];
  for (const record of earlier) {
    try {
      earlierEvents.push(dataModel.parseEvent(record));
    } catch (error) {
      if (!isFengkongError(error)) throw error;
    }
  }
  try {
    return { event: dataModel.parseEvent(input), earlier: earlierEvents };
  } catch (error) {
    if (!isFengkongError(error)) throw error;
    throw new FengkongError(error.code, `${where}: ${error.message}`, { cause: error });
  }
}

function readJsonObject(path: string): unknown {
  const bytes = readFileBytes(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    // JSON.parse's message quotes the text around the error, which may be an identifier: not shown.
    throw new FengkongError(ErrorCode.EVENT_INVALID, `${path}: not valid JSON`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FengkongError(ErrorCode.EVENT_INVALID, `${path}: expected one JSON object (an application), found ${describeJson(parsed)}`);
  }
  return parsed;
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : `a ${typeof value}`;
}

async function readCsvRow(
  path: string,
  row: number,
  dataModel: DataModel,
  earlier: unknown[] | null,
): Promise<{ input: unknown; where: string }> {
  const lines = readLines(path);
  try {
    const first = await lines.next();
    if (first.done === true) throw new FengkongError(ErrorCode.CSV_HEADER, `${path}: the file is empty (no header)`);
    const layout = checkHeader(path, first.value.text, dataModel);
    let dataRows = 0;
    for await (const line of lines) {
      if (!line.overlong && line.text.trim() === '') continue;
      dataRows += 1;
      if (dataRows < row) {
        const parsed = earlier === null || line.overlong ? null : parseLine(line.text);
        if (parsed !== null && 'fields' in parsed && parsed.fields.length === layout.names.length) {
          earlier!.push(recordToEvent(layout, parsed.fields));
        }
        continue;
      }
      const where = `${path}: row ${row} (line ${line.number})`;
      const parsed = line.overlong ? { error: `line longer than ${MAX_LINE_CHARS} characters` } : parseLine(line.text);
      if ('error' in parsed) throw new FengkongError(ErrorCode.CSV_RECORD, `${where}: ${parsed.error}`);
      if (parsed.fields.length !== layout.names.length) {
        throw new FengkongError(ErrorCode.CSV_RECORD, `${where}: expected ${layout.names.length} fields, found ${parsed.fields.length}`);
      }
      return { input: recordToEvent(layout, parsed.fields), where };
    }
    throw new FengkongError(ErrorCode.CSV_RECORD, `${path}: there is no row ${row} (the file has ${dataRows} data rows)`);
  } finally {
    await lines.return(undefined);
  }
}

/** A decision for a person: the verdict, the reasons, each stage's findings, the timings and the audit. */
export function renderExplanation(decision: Decision): string {
  return [
    ...verdictLines(decision),
    ...rulesLines(decision.stages.rules, decision.reasons.all),
    ...fraudLines(decision.stages.fraud),
    ...creditLines(decision.stages.credit),
    ...policyLines(decision.stages.policy),
    ...shadowLines(decision.shadow),
    ...auditLines(decision.audit),
    '',
  ].join('\n');
}

function verdictLines(decision: Decision): string[] {
  const lines = [
    `application ${decision.applicationId}: ${decision.outcome}, tier ${decision.tier}`,
    `actions: ${decision.actions.join(', ')}`,
  ];
  const offer = decision.offer;
  if (offer !== undefined) {
    lines.push(
      `offer: band ${offer.band}, ${formatNumber(offer.approvedAmount)} approved of ${formatNumber(offer.requestedAmount)} requested ` +
        `(band maximum ${formatNumber(offer.maxAmount)}), APR ${formatNumber(offer.aprPercent.min)}-${formatNumber(offer.aprPercent.max)}%, ` +
        (offer.counterOffer ? 'a counter-offer' : 'no counter-offer'),
    );
  }
  lines.push(`primary reasons:${decision.reasons.primary.length === 0 ? ' none' : ''}`);
  const width = widest(decision.reasons.primary.map((reason) => reason.code));
  lines.push(...decision.reasons.primary.map((reason) => `  ${reason.code.padEnd(width)}  ${describeReason(reason)}`));
  lines.push(`applicant reasons:${decision.reasons.applicant.length === 0 ? ' none' : ''}`);
  lines.push(...decision.reasons.applicant.map((reason) => `  ${reason.code}: ${reason.text}`));
  return lines;
}

function describeReason(reason: Reason): string {
  const values = formatValues(reason.values);
  return `[${reason.stage}, ${reason.severity}] ${reason.text}${values === '' ? '' : ` (${values})`}`;
}

function rulesLines(rules: Decision['stages']['rules'], reasons: readonly Reason[]): string[] {
  const failed = rules.failed;
  const width = widest([...rules.fired, ...(failed ?? [])].map((hit) => hit.code));
  const hitLine = (hit: RuleHit, values: Reason['values'] | undefined) =>
    `    ${hit.code.padEnd(width)}  ${hit.severity.padEnd(7)}  ${values === undefined ? '' : formatValues(values)}`.trimEnd();
  // A fired rule's own values are on its reason.
  const reasonValues = new Map(reasons.filter((reason) => reason.stage === 'rules').map((reason) => [reason.code, reason.values]));
  return [
    `rules (${rules.evaluator}): ${rules.fired.length} fired${failed === undefined ? '' : `, ${failed.length} did not`}; ` +
      `list hits: ${rules.listHits.length === 0 ? 'none' : rules.listHits.join(', ')}`,
    `  values read: ${formatValues(rules.values) || 'none'}`,
    `  fired:${rules.fired.length === 0 ? ' none' : ''}`,
    ...rules.fired.map((hit) => hitLine(hit, reasonValues.get(hit.code))),
    ...(failed === undefined
      ? ['  did not fire: not recorded (config recordFailedRules)']
      : [
          `  did not fire (the values their conditions read):${failed.length === 0 ? ' none' : ''}`,
          ...failed.map((hit) => hitLine(hit, hit.values)),
        ]),
  ];
}

function fraudLines(fraud: Decision['stages']['fraud']): string[] {
  if (fraud === undefined) return ['fraud: not run (no anti-fraud model)'];
  const top = fraud.contributions.slice(0, TOP_FRAUD_CONTRIBUTIONS);
  const width = widest(top.map((contribution) => contribution.feature));
  return [
    `fraud: probability ${formatNumber(fraud.probability)} (${(fraud.probability * 100).toFixed(2)}%), ` +
      `logit ${formatNumber(fraud.logit)} against a baseline of ${formatNumber(fraud.baselineLogit)}`,
    `  top ${top.length} of ${fraud.contributions.length} contributions, most fraud-like first (feature, value, log-odds):`,
    ...top.map(
      (contribution) =>
        `    ${contribution.feature.padEnd(width)}  ${formatNumber(contribution.value).padStart(8)}  ${formatSigned(contribution.contribution, 3)}`,
    ),
  ];
}

function creditLines(credit: Decision['stages']['credit']): string[] {
  if (credit === undefined) return ['credit: not run (no credit model)'];
  const head =
    `credit: score ${credit.score}, PD ${formatNumber(credit.pd)} (${(credit.pd * 100).toFixed(2)}%), ` +
    `${formatNumber(credit.points)} points against a baseline of ${formatNumber(credit.baselinePoints)}`;
  const { attributions, adverseActionCodes = [] } = credit;
  if (attributions === undefined) return [head, '  attributions: not computed (config attributions)'];
  const width = widest(attributions.map((attribution) => attribution.code));
  return [
    head,
    '  attributions (points, most lost first):',
    ...attributions.map(
      (attribution) => `    ${attribution.code.padEnd(width)}  ${formatSigned(attribution.points, 1).padStart(6)}  ${attribution.text}`,
    ),
    `  adverse-action codes: ${adverseActionCodes.length === 0 ? 'none' : adverseActionCodes.join(', ')}`,
  ];
}

function policyLines(policy: Decision['stages']['policy']): string[] {
  const width = widest(policy.fired.map((hit) => hit.code));
  return [
    `policy ${policy.policy} ${policy.version}: ` +
      (policy.fired.length === 0
        ? "no rule fired (the pack's default decided)"
        : `${policy.fired.length} rule(s) fired, the deciding one first`),
    ...policy.fired.map((hit) => `  ${hit.code.padEnd(width)}  ${hit.outcome.padEnd(7)}  tier ${hit.tier}  ${formatValues(hit.values)}`),
    `  identity frozen: ${policy.identityFrozen ? 'yes (an earlier tier 3 decision froze it)' : 'no'}`,
  ];
}

function shadowLines(shadow: Decision['shadow']): string[] {
  if (shadow === undefined || shadow.length === 0) return [];
  return [
    'shadow (challengers: recorded, never acted on):',
    ...shadow.map((verdict) => {
      if ('error' in verdict) return `  ${verdict.challenger}: failed (${verdict.error}); the champion's decision stands`;
      const scores = [
        ...(verdict.fraudProbability === undefined ? [] : [`fraud probability ${formatNumber(verdict.fraudProbability)}`]),
        ...(verdict.creditScore === undefined ? [] : [`credit score ${verdict.creditScore}`]),
      ];
      const reasons = verdict.primaryReasonCodes.length === 0 ? 'no reasons' : `reasons ${verdict.primaryReasonCodes.join(', ')}`;
      return `  ${verdict.challenger}: ${verdict.outcome}, tier ${verdict.tier} (${verdict.actions.join(', ')}); ${[...scores, reasons].join('; ')}`;
    }),
  ];
}

function auditLines(audit: Decision['audit']): string[] {
  const shadowUs = audit.shadowUs;
  const stages: Array<[string, number | undefined]> = [
    ['features', audit.featuresUs],
    ['rules', audit.rulesUs],
    ['fraud', audit.fraudUs],
    ['credit', audit.creditUs],
    ['policy', audit.policyUs],
  ];
  const hashes: Array<[string, string | undefined]> = [
    ['input', audit.inputHash],
    ['rule packs', audit.rulePackSha256],
    ['lists', audit.listsSha256],
    ['derived features', audit.derivedFeaturesSha256],
    ['fraud model', audit.fraudModelSha256],
    ['credit manifest', audit.creditManifestSha256],
    ['credit model', audit.creditModelSha256],
    ['policy', audit.policySha256],
  ];
  return [
    `latency (µs): ${stages
      .filter(([, us]) => us !== undefined)
      .map(([stage, us]) => `${stage} ${us!.toFixed(1)}`)
      .join(', ')}, total ${audit.totalUs.toFixed(1)}` +
      (shadowUs === undefined ? '' : ` (shadow ${shadowUs.toFixed(1)}, not in the total)`),
    `audit: fengkong ${audit.version}, decided at ${audit.decidedAt}` +
      (audit.repeated === true ? ' (a repeat: this application was decided before with the same input)' : ''),
    `  sha256: ${hashes
      .filter(([, hash]) => hash !== undefined)
      .map(([name, hash]) => `${name} ${hash!.slice(0, 12)}`)
      .join(', ')}`,
  ];
}

function formatValues(values: Reason['values']): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}=${typeof value === 'number' ? formatNumber(value) : String(value)}`)
    .join(', ');
}

/** Integers as they are; other numbers to 4 significant digits, or one decimal from 1000 up. */
function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1000 ? value.toFixed(1) : String(Number(value.toPrecision(4)));
}

function formatSigned(value: number, decimals: number): string {
  const fixed = value.toFixed(decimals);
  return value > 0 ? `+${fixed}` : fixed;
}

function widest(texts: readonly string[]): number {
  return texts.reduce((width, text) => Math.max(width, text.length), 0);
}
