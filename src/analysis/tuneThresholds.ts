// The thresholds `fengkong tune` searches, where they sit in a policy pack, and a pack with other
// values: the fraud-probability cut-offs (decline, review), the credit-score cut-offs (decline below,
// the marginal review band above it) and the offer bands' lowest scores. Everything else in the pack
// stays as it is; the reason texts that quote a changed value quote the new one.
import { ErrorCode, FengkongError } from '../errors.js';
import type { Condition } from '../schema/rulePack.js';
import type { PolicyPack } from '../schema/policyPack.js';

export interface PolicyThresholds {
  /** P_FRAUD_SCORE_DECLINE: fraud probability ≥ this declines at tier 3 (and freezes). */
  readonly fraudDecline: number;
  /** P_FRAUD_SCORE_REVIEW: fraud probability ≥ this asks for step-up verification. */
  readonly fraudReview: number;
  /** P_CREDIT_SCORE_LOW: a credit score below this declines. */
  readonly creditDecline: number;
  /** P_CREDIT_SCORE_MARGINAL: scores from creditDecline up to, not including, this are reviewed. */
  readonly creditMarginal: number;
  /** The minScore of every offer band but the last (which must reach the scale's lowest score), best first. */
  readonly offerMinScores: readonly number[];
}

type FactLeaf = Extract<Condition, { fact: string }>;

/** Where each threshold lives: rule, fact, operator. */
const LOCATIONS = {
  fraudDecline: { rule: 'P_FRAUD_SCORE_DECLINE', fact: 'fraudProbability', operator: 'greaterThanInclusive' },
  fraudReview: { rule: 'P_FRAUD_SCORE_REVIEW', fact: 'fraudProbability', operator: 'greaterThanInclusive' },
  creditDecline: { rule: 'P_CREDIT_SCORE_LOW', fact: 'creditScore', operator: 'lessThan' },
  marginalFrom: { rule: 'P_CREDIT_SCORE_MARGINAL', fact: 'creditScore', operator: 'greaterThanInclusive' },
  creditMarginal: { rule: 'P_CREDIT_SCORE_MARGINAL', fact: 'creditScore', operator: 'lessThan' },
} as const;
type Location = (typeof LOCATIONS)[keyof typeof LOCATIONS];

function leafAt(pack: PolicyPack, location: Location, where: string): FactLeaf {
  const rule = pack.rules.find((candidate) => candidate.name === location.rule);
  const conditions = rule?.conditions;
  const leaves = conditions !== undefined && 'all' in conditions ? conditions.all : [];
  const leaf = leaves.find(
    (condition): condition is FactLeaf =>
      'fact' in condition && condition.fact === location.fact && condition.operator === location.operator,
  );
  if (leaf === undefined || typeof leaf.value !== 'number') {
    throw new FengkongError(
      ErrorCode.POLICY_INVALID,
      `${where}: tune needs rule ${location.rule} with an "all" condition ${location.fact} ${location.operator} <number>, as in the shipped pack`,
    );
  }
  return leaf;
}

/**
 * The thresholds a pack holds; FK_POLICY_INVALID naming the pack (and the rule) when one is not where
 * tune looks or they are out of the order the rules assume (a review cut-off above the decline one).
 */
export function readThresholds(pack: PolicyPack, where: string): PolicyThresholds {
  const value = (location: Location) => leafAt(pack, location, where).value as number;
  if (value(LOCATIONS.marginalFrom) !== value(LOCATIONS.creditDecline)) {
    throw new FengkongError(
      ErrorCode.POLICY_INVALID,
      `${where}: rule P_CREDIT_SCORE_MARGINAL must start where P_CREDIT_SCORE_LOW stops (${value(LOCATIONS.creditDecline)}) for tune to move them together`,
    );
  }
  const thresholds = {
    fraudDecline: value(LOCATIONS.fraudDecline),
    fraudReview: value(LOCATIONS.fraudReview),
    creditDecline: value(LOCATIONS.creditDecline),
    creditMarginal: value(LOCATIONS.creditMarginal),
    offerMinScores: pack.offers.slice(0, -1).map((band) => band.minScore),
  };
  // The search moves thresholds within this order; a pack outside it is the user's to fix, not a bug.
  const problem = thresholdProblem(thresholds, pack);
  if (problem !== null) {
    throw new FengkongError(
      ErrorCode.POLICY_INVALID,
      `${where}: the thresholds are out of order (${describeThresholds(thresholds, pack)}): ${problem}`,
    );
  }
  return thresholds;
}

/** Why a threshold set cannot be a pack's (null when it can): the order the rules assume. */
export function thresholdProblem(thresholds: PolicyThresholds, pack: PolicyPack): string | null {
  const { fraudDecline, fraudReview, creditDecline, creditMarginal, offerMinScores } = thresholds;
  if (!(fraudReview > 0 && fraudReview <= fraudDecline && fraudDecline <= 1)) return 'fraud cut-offs must satisfy 0 < review ≤ decline ≤ 1';
  if (!(Number.isInteger(creditDecline) && Number.isInteger(creditMarginal) && creditDecline < creditMarginal)) {
    return 'credit cut-offs must be whole points, the marginal band at least one point wide';
  }
  if (offerMinScores.length !== pack.offers.length - 1) return 'one minScore per offer band but the last';
  const scores = [...offerMinScores, pack.offers.at(-1)!.minScore];
  if (scores.some((score, index) => !Number.isInteger(score) || (index > 0 && score >= scores[index - 1]!))) {
    return 'offer bands must keep falling whole-point minScores';
  }
  return null;
}

/** A number as a reason text quotes it: 0.9, 540. */
export function formatThreshold(value: number): string {
  return String(Number(value.toFixed(4)));
}

/**
 * The pack with these thresholds, the reason texts that quote an old value quoting the new one, and
 * the version and description given. Nothing else changes.
 */
export function withThresholds(
  pack: PolicyPack,
  thresholds: PolicyThresholds,
  identity: { readonly version: string; readonly description: string },
  where: string,
): PolicyPack {
  const problem = thresholdProblem(thresholds, pack);
  if (problem !== null) throw new FengkongError(ErrorCode.POLICY_INVALID, `${where}: cannot write these thresholds: ${problem}`);
  const old = readThresholds(pack, where);
  const tuned = structuredClone(pack);
  leafAt(tuned, LOCATIONS.fraudDecline, where).value = thresholds.fraudDecline;
  leafAt(tuned, LOCATIONS.fraudReview, where).value = thresholds.fraudReview;
  leafAt(tuned, LOCATIONS.creditDecline, where).value = thresholds.creditDecline;
  leafAt(tuned, LOCATIONS.marginalFrom, where).value = thresholds.creditDecline;
  leafAt(tuned, LOCATIONS.creditMarginal, where).value = thresholds.creditMarginal;
  tuned.offers.forEach((band, index) => {
    const minScore = thresholds.offerMinScores[index];
    if (minScore !== undefined) band.minScore = minScore;
  });
  // Each rule's text quotes its own values: "probability 0.9 or more", "between 540 and 549".
  const quoted: Record<string, Array<[number, number]>> = {
    [LOCATIONS.fraudDecline.rule]: [[old.fraudDecline, thresholds.fraudDecline]],
    [LOCATIONS.fraudReview.rule]: [[old.fraudReview, thresholds.fraudReview]],
    [LOCATIONS.creditDecline.rule]: [[old.creditDecline, thresholds.creditDecline]],
    [LOCATIONS.creditMarginal.rule]: [
      [old.creditDecline, thresholds.creditDecline],
      [old.creditMarginal - 1, thresholds.creditMarginal - 1],
    ],
  };
  for (const rule of tuned.rules) {
    const swaps = quoted[rule.name];
    const reason = rule.event.params.reason;
    if (swaps !== undefined && reason !== undefined) rule.event.params.reason = requote(reason, swaps);
  }
  return { ...tuned, version: identity.version, description: identity.description };
}

/** Replaces each quoted number (whole, not part of a longer number) by its new value, all at once. */
export function requote(text: string, swaps: ReadonlyArray<readonly [number, number]>): string {
  const replacements = new Map(swaps.map(([from, to]) => [formatThreshold(from), formatThreshold(to)]));
  const alternatives = [...replacements.keys()].sort((a, b) => b.length - a.length).map((value) => value.replace('.', '\\.'));
  const pattern = new RegExp(`(?<![\\d.])(?:${alternatives.join('|')})(?![\\d]|\\.\\d)`, 'g');
  return text.replace(pattern, (match) => replacements.get(match) ?? match);
}

/** "fraud review ≥ 0.3, decline ≥ 0.9; credit decline < 540, review 540-549; bands A ≥ 600, ..." */
export function describeThresholds(thresholds: PolicyThresholds, pack: PolicyPack): string {
  const bands = thresholds.offerMinScores.map((score, index) => `${pack.offers[index]!.band} ≥ ${score}`).join(', ');
  return (
    `fraud review ≥ ${formatThreshold(thresholds.fraudReview)}, decline ≥ ${formatThreshold(thresholds.fraudDecline)}; ` +
    `credit decline < ${thresholds.creditDecline}, review ${thresholds.creditDecline}-${thresholds.creditMarginal - 1}; bands ${bands}`
  );
}
