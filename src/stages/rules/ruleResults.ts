// One run of a compiled pack, read from the slots the evaluator filled: which rules fired and failed,
// the values their evaluated conditions read, and on request json-rules-engine's results (rule.js
// evaluate / realize, rule-result.js), built only when asked for so the run itself stays lean.
import {
  STATE_TRUE,
  STATES_PER_WORD,
  type CompiledRule,
  type ConditionNode,
  type FactNode,
  type PlainObject,
  type Program,
  type RuleEvent,
  type Slots,
} from './program.js';
import type { ValueBuilders } from './valueCodegen.js';

/** json-rules-engine's RuleResult as data (own properties, no toJSON). */
export interface RuleResultData {
  readonly conditions: Record<string, unknown>;
  readonly event: RuleEvent;
  readonly priority: number;
  readonly name: string | undefined;
  readonly result: boolean;
}

/** The parts of Engine.run's result that depend on the rules and facts (no almanac). */
export interface RuleResults {
  readonly results: RuleResultData[];
  readonly failureResults: RuleResultData[];
  readonly events: RuleEvent[];
  readonly failureEvents: RuleEvent[];
}

/** One run's outcome: which rules fired, the values their conditions read, and JRE's results on request. */
export interface RulesRun {
  /** Fired rules in evaluation order (priority groups highest first, definition order inside one). */
  readonly fired: readonly CompiledRule[];
  readonly failed: readonly CompiledRule[];
  /**
   * The facts the rule's evaluated conditions read and the values read (after `path`), in condition
   * order, a later read of a fact replacing an earlier one: what src/stages/rules/factValues.ts reads
   * from a JRE rule result. `convert` maps each value as the record is built (toFactValue, say).
   */
  factValues(rule: CompiledRule): Record<string, unknown>;
  factValues<Value>(rule: CompiledRule, convert: (value: unknown) => Value): Record<string, Value>;
  /**
   * Every fact an evaluated condition of any rule read, once, with the value read: the records of all
   * rules merged in evaluation order (a later read of a fact replacing an earlier one).
   */
  evaluatedValues(): Record<string, unknown>;
  evaluatedValues<Value>(convert: (value: unknown) => Value): Record<string, Value>;
  /** Engine.run's results, events and failure events, built on request (the tests hold them equal). */
  toRuleResults(): RuleResults;
}

/** What reading runs of a program needs, worked out once at load. */
export interface RunPlan {
  readonly program: Program;
  /** How the evaluator stores condition states (program.ts Slots): packed, or one per condition. */
  readonly packedStates: boolean;
  /** Fact conditions of each rule (definition order) in tree order, references expanded. */
  readonly leaves: ReadonlyArray<readonly FactNode[]>;
  /** Every rule's fact conditions, rules in evaluation order: the whole run's record, key by key. */
  readonly leavesInOrder: readonly FactNode[];
  /** Generated builders of a rule's record and of the whole run's (valueCodegen.ts), where they serve. */
  readonly builders: ValueBuilders;
}

const NO_BUILDERS: ValueBuilders = { perRule: [], whole: undefined };

export function planRuns(program: Program, packedStates: boolean, builders: ValueBuilders = NO_BUILDERS): RunPlan {
  const leaves = program.roots.map(leavesOf);
  return { program, packedStates, leaves, leavesInOrder: program.order.flatMap((index) => leaves[index]!), builders };
}

const same = (value: unknown): unknown => value;

// A class, not a closure per run: the run keeps its slots and shares the methods. (TypeScript-private
// fields: V8 allocates a run with #private fields measurably slower.)
export class Run implements RulesRun {
  private readonly plan: RunPlan;
  private readonly slots: Slots;
  readonly fired: readonly CompiledRule[];
  readonly failed: readonly CompiledRule[];

  constructor(plan: RunPlan, slots: Slots, fired: CompiledRule[], failed: CompiledRule[]) {
    this.plan = plan;
    this.slots = slots;
    this.fired = fired;
    this.failed = failed;
  }

  factValues(rule: CompiledRule, convert?: (value: unknown) => unknown): Record<string, unknown> {
    const builder = this.plan.builders.perRule[rule.index];
    if (builder !== undefined) return builder(this.slots, convert ?? same);
    return this.addValues({}, this.plan.leaves[rule.index]!, convert);
  }

  evaluatedValues(convert?: (value: unknown) => unknown): Record<string, unknown> {
    const { whole } = this.plan.builders;
    if (whole !== undefined) return whole(this.slots, convert ?? same);
    return this.addValues({}, this.plan.leavesInOrder, convert);
  }

  /** Adds to `values`, key by key, the facts the evaluated conditions among `leaves` read. */
  private addValues(
    values: Record<string, unknown>,
    leaves: readonly FactNode[],
    convert?: (value: unknown) => unknown,
  ): Record<string, unknown> {
    for (const leaf of leaves) {
      if (conditionState(this.plan, this.slots, leaf.id) === undefined) continue;
      const read = this.slots[leaf.read.slot];
      const value = convert === undefined ? read : convert(read);
      // An own `__proto__` entry, not a new prototype.
      if (leaf.read.fact === '__proto__')
        Object.defineProperty(values, leaf.read.fact, { value, enumerable: true, writable: true, configurable: true });
      else values[leaf.read.fact] = value;
    }
    return values;
  }

  toRuleResults(): RuleResults {
    const { plan } = this;
    const { program } = plan;
    const out: RuleResults = { results: [], failureResults: [], events: [], failureEvents: [] };
    for (const index of program.order) {
      const rule = program.rules[index]!;
      const root = program.roots[index]!;
      const passed = stateOf(root, plan, this.slots) === true;
      const event = cloneData(rule.event) as RuleEvent;
      const conditions = conditionResult(root, plan, this.slots, root.kind === 'reference');
      (passed ? out.results : out.failureResults).push({ conditions, event, priority: rule.priority, name: rule.name, result: passed });
      (passed ? out.events : out.failureEvents).push(event);
    }
    return out;
  }
}

/** A condition's recorded result, undefined when it was not evaluated. */
function conditionState({ program, packedStates }: RunPlan, slots: Slots, id: number): boolean | undefined {
  if (!packedStates) return slots[program.stateBase + id] as boolean | undefined;
  const bits = ((slots[program.stateBase + Math.floor(id / STATES_PER_WORD)] as number) >>> (2 * (id % STATES_PER_WORD))) & 3;
  return bits === 0 ? undefined : bits === STATE_TRUE;
}

/**
 * Which condition's state is a node's outcome. Only fact conditions and conditions over several (or no)
 * conditions record theirs: one over a single condition has its result (`not`: the opposite), and a
 * reference has its target's.
 */
function stateHolder(node: ConditionNode): [id: number, negated: boolean] {
  if (node.id >= 0) return [node.id, false];
  if (node.kind === 'reference') return stateHolder(node.target!);
  const [id, negated] = stateHolder((node as { children: readonly ConditionNode[] }).children[0]!);
  return [id, node.kind === 'not' ? !negated : negated];
}

/** A condition's result in a run, undefined when it was not evaluated. */
function stateOf(node: ConditionNode, plan: RunPlan, slots: Slots): boolean | undefined {
  const [id, negated] = stateHolder(node);
  const state = conditionState(plan, slots, id);
  return state === undefined ? undefined : state !== negated;
}

/** A condition as json-rules-engine leaves it in a rule result (rule.js evaluate / realize). */
function conditionResult(node: ConditionNode, plan: RunPlan, slots: Slots, withResult: boolean): PlainObject {
  const passed = stateOf(node, plan, slots);
  if (node.kind === 'fact') {
    const out = cloneData(node.definition) as PlainObject;
    if (passed !== undefined) {
      out.factResult = slots[node.read.slot];
      out.valueResult = node.valueRead !== undefined ? slots[node.valueRead.slot] : out.value;
      out.result = passed;
    }
    return out;
  }
  if (node.kind === 'reference') {
    const out = cloneData(node.definition) as PlainObject;
    if (passed === undefined) return out;
    // realize(): the reference loses `condition` and takes the named condition's properties, along a
    // chain of references; an unknown name leaves the reference as it is.
    let target = node.target;
    while (target !== undefined) {
      delete out.condition;
      Object.assign(out, target.kind === 'reference' ? cloneData(target.definition) : conditionResult(target, plan, slots, false));
      target = target.kind === 'reference' ? target.target : undefined;
    }
    out.result = passed;
    return out;
  }
  const out: PlainObject = {};
  for (const key of Object.keys(node.definition)) {
    out[key] =
      key !== node.kind
        ? cloneData(node.definition[key])
        : node.kind === 'not'
          ? conditionResult(node.children[0]!, plan, slots, true)
          : node.children.map((child) => conditionResult(child, plan, slots, true));
  }
  out.operator = node.kind;
  out.priority = node.priority;
  if (withResult && passed !== undefined) out.result = passed;
  return out;
}

/** Deep copy of plain data (what compileRules accepted). */
function cloneData(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneData);
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as PlainObject;
  for (const key of Object.keys(value)) copy[key] = cloneData((value as PlainObject)[key]);
  return copy;
}

function leavesOf(node: ConditionNode): FactNode[] {
  if (node.kind === 'fact') return [node];
  if (node.kind === 'reference') return node.target === undefined ? [] : leavesOf(node.target);
  return node.children.flatMap(leavesOf);
}
