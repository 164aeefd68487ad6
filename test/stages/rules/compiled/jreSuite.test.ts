// json-rules-engine's own tests (github.com/CacheControl/json-rules-engine, test/*.js at 7.3.2, whose
// src is 7.3.1's), rewritten as cases: each runs on Engine.run and compiled (they must agree, see
// sameAsEngine.ts), and the original test's expectations hold for both. Facts are constant: the
// originals' dynamic facts become the values they return. Not ported, because the compiled evaluator
// does not do them (they need Engine.run): dynamic and asynchronous facts, fact priorities set with
// engine.addFact, event handlers and onSuccess, replaceFactsInEventParams, custom operators and
// decorators, the almanac API; and the `[*]` and `.['x']` paths, which the safe subset refuses.
import type { EngineResult } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import type { RuleDefinition, RuleResults } from '../../../../src/stages/rules/compile.js';
import { compileCase, EVALUATORS, expectSameAsEngine, plain, type RulesCase } from './sameAsEngine.js';

/** test/support/rule-factory.js */
const factoryRule = (options: Partial<RuleDefinition> = {}): RuleDefinition => ({
  name: options.name,
  priority: options.priority || 1,
  conditions: options.conditions ?? {
    all: [
      { fact: 'age', operator: 'lessThan', value: 45 },
      { fact: 'pointBalance', operator: 'greaterThanInclusive', value: 1000 },
    ],
  },
  event: options.event ?? { type: 'pointCapReached', params: { currency: 'points', pointCap: 1000 } },
});

/** Runs the case on Engine.run and both evaluators (they must agree) and returns each result, so a test can check each. */
async function both(rulesCase: RulesCase): Promise<Array<EngineResult | RuleResults>> {
  const engine = await expectSameAsEngine(rulesCase);
  if (!engine.ok) throw engine.error;
  return [engine.value, ...EVALUATORS.map((evaluator) => compileCase(rulesCase, evaluator).run(rulesCase.facts).toRuleResults())];
}

async function eachWay(rulesCase: RulesCase, check: (result: EngineResult | RuleResults) => void): Promise<void> {
  for (const result of await both(rulesCase)) check(result);
}

/** The value at a path of keys and indices (chai's nested include). */
const at = (value: unknown, ...keys: Array<string | number>): unknown =>
  keys.reduce<unknown>((current, key) => (current as Record<string | number, unknown>)[key], plain(value));

const fired = (result: EngineResult | RuleResults) => result.events.map((event) => event.type);

describe('engine-all.test.js', () => {
  const event = { type: 'ageTrigger', params: { demographic: 'under50' } };
  const single = { all: [{ fact: 'age', operator: 'lessThan', value: 50 }] };
  const two = {
    all: [
      { fact: 'age', operator: 'lessThan', value: 50 },
      { fact: 'age', operator: 'greaterThan', value: 21 },
    ],
  };

  it.each([
    [single, 10, true],
    [single, 65, false],
    [two, 30, true],
    [two, 10, false],
    [two, 65, false],
  ])('%j with age %d emits: %s', async (conditions, age, emits) => {
    await eachWay({ rules: [factoryRule({ conditions, event })], facts: { age } }, (result) => {
      expect(result.events).toEqual(emits ? [event] : []);
    });
  });
});

describe('engine-any.test.js and engine-not.test.js', () => {
  const event = { type: 'ageTrigger', params: { demographic: 'under50' } };
  const any = {
    any: [
      { fact: 'age', operator: 'lessThan', value: 50 },
      { fact: 'segment', operator: 'equal', value: 'european' },
    ],
  };
  it.each([
    [{ any: [{ fact: 'age', operator: 'lessThan', value: 50 }] }, { age: 10 }, true],
    [{ any: [{ fact: 'age', operator: 'lessThan', value: 50 }] }, { age: 75 }, false],
    [any, { segment: 'north-american', age: 25 }, true],
    [any, { segment: 'european', age: 100 }, true],
    [any, { segment: 'north-american', age: 100 }, false],
    [{ not: { fact: 'age', operator: 'greaterThanInclusive', value: 50 } }, { age: 10 }, true],
    [{ not: { fact: 'age', operator: 'greaterThanInclusive', value: 50 } }, { age: 75 }, false],
  ])('%j on %j emits: %s', async (conditions, facts, emits) => {
    await eachWay({ rules: [factoryRule({ conditions, event })], facts }, (result) => expect(result.events).toEqual(emits ? [event] : []));
  });
});

describe('engine-recusive-rules.test.js', () => {
  const nestedAny = {
    all: [
      { fact: 'age', operator: 'lessThan', value: 65 },
      { fact: 'age', operator: 'greaterThan', value: 21 },
      {
        any: [
          { fact: 'income', operator: 'lessThanInclusive', value: 100 },
          { fact: 'family-size', operator: 'lessThanInclusive', value: 3 },
        ],
      },
    ],
  };
  const nestedAll = {
    any: [
      { fact: 'age', operator: 'lessThan', value: 65 },
      { fact: 'age', operator: 'equal', value: 70 },
      {
        all: [
          { fact: 'income', operator: 'lessThanInclusive', value: 100 },
          { fact: 'family-size', operator: 'lessThanInclusive', value: 3 },
        ],
      },
    ],
  };
  const thriceNested = {
    any: [
      {
        all: [
          { any: [{ fact: 'income', operator: 'lessThanInclusive', value: 100 }] },
          { fact: 'family-size', operator: 'lessThanInclusive', value: 3 },
        ],
      },
    ],
  };
  const notNot = { not: { not: { fact: 'age', operator: 'lessThan', value: 65 } } };
  it.each([
    ['all with nested any', nestedAny, { age: 30, income: 30, 'family-size': 2 }, true],
    ['all with nested any', nestedAny, { age: 30, income: 200, 'family-size': 8 }, false],
    ['any with nested all', nestedAll, { age: 90, income: 30, 'family-size': 2 }, true],
    ['any with nested all', nestedAll, { age: 90, income: 200, 'family-size': 2 }, false],
    ['any with all within any', thriceNested, { income: 30, 'family-size': 1 }, true],
    ['any with all within any', thriceNested, { income: 30, 'family-size': 5 }, false],
    ['not within not', notNot, { age: 30 }, true],
    ['not within not', notNot, { age: 65 }, false],
  ])('%s on %j emits: %s', async (_name, conditions, facts, emits) => {
    await eachWay({ rules: [factoryRule({ conditions, event: { type: 'middle-income-adult' } })], facts }, (result) =>
      expect(result.events).toHaveLength(emits ? 1 : 0),
    );
  });
});

describe('engine-run.test.js, engine-failure.test.js, engine-rule-priority.js', () => {
  const rules = [
    factoryRule({ conditions: { any: [{ fact: 'age', operator: 'greaterThanInclusive', value: 21 }] }, event: { type: 'generic1' } }),
    factoryRule({ conditions: { any: [{ fact: 'age', operator: 'greaterThanInclusive', value: 75 }] }, event: { type: 'generic2' } }),
  ];

  it('returns the activated events and the failure events', async () => {
    await eachWay({ rules, facts: { age: 30 } }, (result) => {
      expect(result.events).toEqual([{ type: 'generic1' }]);
      expect(result.failureEvents).toEqual([{ type: 'generic2' }]);
    });
    await eachWay({ rules, facts: { age: 90 } }, (result) => expect(fired(result).sort()).toEqual(['generic1', 'generic2']));
    await eachWay({ rules, facts: { age: 10 } }, (result) => expect(result.events).toHaveLength(0));
  });

  it.each(EVALUATORS)('treats each run independently (%s)', async (evaluator) => {
    const compiled = compileCase({ rules, facts: {} }, evaluator);
    const counts = [50, 10, 12, 30, 14, 15, 25].map((age) => compiled.run({ age }).fired.length);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(3);
  });

  it('reports a failing rule with its event as a failure event', async () => {
    const rule = factoryRule({
      conditions: { any: [{ fact: 'age', operator: 'greaterThanInclusive', value: 21 }] },
      event: { type: 'generic' },
    });
    await eachWay({ rules: [rule], facts: { age: 10 } }, (result) => expect(result.failureEvents).toEqual([{ type: 'generic' }]));
    await eachWay({ rules: [rule], facts: { age: 50 } }, (result) => expect(result.failureEvents).toHaveLength(0));
  });

  it('runs the rules in order of priority', async () => {
    const conditions = { any: [{ fact: 'age', operator: 'greaterThanInclusive', value: 21 }] };
    const prioritised = [
      factoryRule({ conditions, event: { type: 'midPriorityEvent' }, priority: 50 }),
      factoryRule({ conditions, event: { type: 'highPriorityEvent' }, priority: 100 }),
      factoryRule({ conditions, event: { type: 'lowestPriorityEvent' }, priority: 1 }),
    ];
    await eachWay({ rules: prioritised, facts: { age: 22 } }, (result) =>
      expect(fired(result)).toEqual(['highPriorityEvent', 'midPriorityEvent', 'lowestPriorityEvent']),
    );
  });
});

describe('engine-fact-comparison.test.js', () => {
  const conditions = { all: [{ fact: 'height', operator: 'lessThanInclusive', value: { fact: 'width' } }] };
  const event = { type: 'success-event' };

  it('allows a fact to retrieve other fact values', async () => {
    await eachWay({ rules: [factoryRule({ conditions, event })], facts: { height: 1, width: 2 } }, (result) =>
      expect(result.events).toHaveLength(1),
    );
    await eachWay({ rules: [factoryRule({ conditions, event })], facts: { height: 2, width: 1 } }, (result) =>
      expect(result.events).toHaveLength(0),
    );
  });

  it('result has the correct valueResult and factResult properties', async () => {
    await eachWay({ rules: [factoryRule({ conditions, event })], facts: { height: 1, width: 2 } }, (result) => {
      const condition = (result.results[0]!.conditions as { all: Array<Record<string, unknown>> }).all[0]!;
      expect(condition.factResult).toBe(1);
      expect(condition.valueResult).toBe(2);
    });
  });

  it('honors the path on both sides', async () => {
    const pathConditions = {
      all: [
        {
          fact: 'widthMultiplier',
          params: { multiplier: 2 },
          path: '$.feet',
          operator: 'equal',
          value: { fact: 'heightMultiplier', params: { multiplier: 4 }, path: '$.meters' },
        },
      ],
    };
    const rules = [factoryRule({ conditions: pathConditions, event })];
    await eachWay({ rules, facts: { widthMultiplier: { feet: 20 }, heightMultiplier: { meters: 20 } } }, (result) =>
      expect(result.events).toHaveLength(1),
    );
    await eachWay({ rules, facts: { widthMultiplier: { feet: 18 }, heightMultiplier: { meters: 20 } } }, (result) =>
      expect(result.events).toHaveLength(0),
    );
  });
});

describe('engine-condition.test.js', () => {
  const sendEvent = { type: 'checkSending', params: { sendRetirementPayment: true } };
  const sendConditions = { all: [{ condition: 'over60' }, { fact: 'isRetired', operator: 'equal', value: true }] };
  const over60 = { all: [{ fact: 'age', operator: 'greaterThanInclusive', value: 60 }] };

  it('evaluates undefined conditions as false under allowUndefinedConditions', async () => {
    await eachWay(
      {
        rules: [factoryRule({ conditions: sendConditions, event: sendEvent })],
        facts: { isRetired: true },
        allowUndefinedConditions: true,
      },
      (result) => expect(result.failureEvents).toEqual([sendEvent]),
    );
  });

  it('throws "No condition over60 exists" during the run otherwise', async () => {
    const outcome = await expectSameAsEngine({
      rules: [factoryRule({ conditions: sendConditions, event: sendEvent })],
      facts: { isRetired: true },
    });
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: Error }).error.message).toBe('No condition over60 exists');
  });

  it('shares a condition across rules, and expands it in the rule results', async () => {
    const outreachEvent = { type: 'triggerOutreach' };
    const rules = [
      factoryRule({ conditions: sendConditions, event: sendEvent }),
      factoryRule({
        conditions: { all: [{ condition: 'over60' }, { fact: 'requestedOutreach', operator: 'equal', value: true }] },
        event: outreachEvent,
      }),
    ];
    await eachWay({ rules, facts: { age: 65, isRetired: true, requestedOutreach: true }, conditions: { over60 } }, (result) => {
      expect(result.events).toEqual(expect.arrayContaining([sendEvent, outreachEvent]));
      for (const ruleResult of result.results) {
        // chai's nested include of conditions.all[0].all[0].fact, .operator and .value
        expect(at(ruleResult.conditions, 'all', 0, 'all', 0)).toMatchObject({ fact: 'age', operator: 'greaterThanInclusive', value: 60 });
      }
    });
  });

  it('evaluates a nested reference inside a named condition, under not', async () => {
    const earlyRetirement = { all: [{ not: { condition: 'over60' } }, { fact: 'isRetired', operator: 'equal', value: true }] };
    const rules = [
      factoryRule({
        conditions: { all: [{ condition: 'earlyRetirement' }, { fact: 'requestedOutreach', operator: 'equal', value: true }] },
        event: { type: 'triggerOutreach' },
      }),
    ];
    await eachWay(
      { rules, facts: { age: 55, isRetired: true, requestedOutreach: true }, conditions: { over60, earlyRetirement } },
      (result) => {
        expect(result.events).toEqual([{ type: 'triggerOutreach' }]);
        const conditions = result.results[0]!.conditions;
        expect(at(conditions, 'all', 0, 'all', 0, 'not', 'all', 0)).toMatchObject({
          fact: 'age',
          operator: 'greaterThanInclusive',
          value: 60,
        });
        expect(at(conditions, 'all', 0, 'all', 1)).toMatchObject({ fact: 'isRetired', operator: 'equal', value: true });
      },
    );
  });

  it('evaluates top level conditions correctly', async () => {
    const retired = { all: [{ fact: 'isRetired', operator: 'equal', value: true }] };
    await eachWay(
      {
        rules: [factoryRule({ conditions: { condition: 'retired' }, event: sendEvent })],
        facts: { isRetired: true },
        conditions: { retired },
      },
      (result) => expect(result.events).toEqual([sendEvent]),
    );
  });
});

describe('engine-fact.test.js (constant facts)', () => {
  const event = { type: 'ageTrigger', params: { demographic: 'under50' } };
  const base = { fact: 'eligibilityField', operator: 'lessThan', params: { eligibilityId: 1, field: 'age' }, value: 50 };
  const address = {
    street: '123 Fake Street',
    state: { abbreviation: 'CO', name: 'Colorado' },
    zip: '80403',
    'dot.property': 'dot-property-value',
    occupantHistory: [
      { name: 'Joe', year: 2011 },
      { name: 'Jane', year: 2013 },
    ],
  };
  const child = { eligibilityField: 14, eligibilityData: { age: 14, address } };
  const undefinedFact = { fact: 'undefined-fact', operator: 'equal', value: true };

  it('throws when a fact is undefined by default', async () => {
    const outcome = await expectSameAsEngine({ rules: [factoryRule({ conditions: { any: [base, undefinedFact] }, event })], facts: child });
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: Error }).error.message).toMatch(/Undefined fact: undefined-fact/);
  });

  it('treats undefined facts as falsey when allowUndefinedFacts is set', async () => {
    const rules = [factoryRule({ conditions: { any: [base, undefinedFact] }, event })];
    await eachWay({ rules, facts: child, allowUndefinedFacts: true }, (result) => expect(result.events).toHaveLength(1));
    await eachWay({ rules, facts: { eligibilityField: 75 }, allowUndefinedFacts: true }, (result) =>
      expect(result.failureEvents).toHaveLength(1),
    );
  });

  it.each([
    ['$.age', 'lessThan', 50, child, true],
    ['$.age', 'lessThan', 50, { eligibilityData: { age: 75, address } }, false],
    ['$.address.occupantHistory[0].year', 'equal', 2011, child, true],
    ['$.address.occupantHistory[0].year', 'equal', 2010, child, false],
    ["$.address['dot.property']", 'equal', 'dot-property-value', child, true],
    ['$.invalid.object[99].path', 'equal', undefined, child, true],
    ['$.age', 'lessThan', 50, { eligibilityData: 14 }, true],
  ])('reads path %s (%s %j)', async (path, operator, value, facts, emits) => {
    const conditions = { any: [{ fact: 'eligibilityData', operator, path, params: { eligibilityId: 1 }, value }] };
    await eachWay({ rules: [factoryRule({ conditions, event })], facts }, (result) => expect(result.events).toHaveLength(emits ? 1 : 0));
  });

  it('correctly interprets "path" with runtime fact objects', async () => {
    const conditions = { all: [{ fact: 'x', path: '$.y', operator: 'equal', value: 1 }] };
    await eachWay({ rules: [factoryRule({ conditions, event })], facts: { x: { y: 1 }, a: 2 } }, (result) =>
      expect(result.events).toEqual([event]),
    );
  });
});

describe('engine-event.test.js', () => {
  const event = { type: 'setDrinkingFlag', params: { canOrderDrinks: true } };

  it('passes the results of a simple any rule, with the condition names', async () => {
    const conditions = {
      any: [
        { name: 'over 21', fact: 'age', operator: 'greaterThanInclusive', value: 21 },
        { fact: 'qualified', operator: 'equal', value: true },
      ],
    };
    const rules = [factoryRule({ conditions, event, priority: 100 })];
    await eachWay({ rules, facts: { age: 21, qualified: false } }, (result) => {
      expect(result.failureResults).toHaveLength(0);
      const any = (result.results[0]!.conditions as { any: Array<Record<string, unknown>> }).any;
      expect(result.results[0]!.result).toBe(true);
      expect(any[0]).toMatchObject({ result: true, factResult: 21, name: 'over 21' });
      expect(any[1]).toMatchObject({ result: false, factResult: false });
    });
    await eachWay({ rules, facts: { age: 10, qualified: false } }, (result) => {
      const any = (result.failureResults[0]!.conditions as { any: Array<Record<string, unknown>> }).any;
      expect(any[0]).toMatchObject({ result: false, factResult: 10 });
      expect(any[1]).toMatchObject({ result: false, factResult: false });
    });
  });

  it('passes the results of a rule with nested conditions', async () => {
    const conditions = {
      any: [
        { fact: 'age', operator: 'greaterThanInclusive', value: 21 },
        { fact: 'qualified', operator: 'equal', value: true },
        {
          all: [
            { fact: 'zipCode', operator: 'in', value: [80211, 80403] },
            { fact: 'gender', operator: 'notEqual', value: 'female' },
          ],
        },
      ],
    };
    const rules = [factoryRule({ conditions, event, priority: 100 })];
    await eachWay({ rules, facts: { age: 10, qualified: false, zipCode: 80403, gender: 'male' } }, (result) => {
      const any = (result.results[0]!.conditions as { any: Array<Record<string, unknown> & { all?: Array<Record<string, unknown>> }> }).any;
      expect(any[2]).toMatchObject({
        result: true,
        all: [
          { result: true, factResult: 80403 },
          { result: true, factResult: 'male' },
        ],
      });
    });
    await eachWay({ rules, facts: { age: 10, qualified: false, zipCode: 99992, gender: 'female' } }, (result) => {
      const any = (result.failureResults[0]!.conditions as { any: Array<Record<string, unknown>> }).any;
      expect(any[2]).toMatchObject({
        result: false,
        all: [
          { result: false, factResult: 99992 },
          { result: false, factResult: 'female' },
        ],
      });
    });
  });

  it('keeps event params with facts as written without replaceFactsInEventParams', async () => {
    const eventWithFact = { type: 'countedEnough', params: { count: { fact: 'count' } } };
    const rules = [
      factoryRule({ conditions: { any: [{ fact: 'success', operator: 'equal', value: true }] }, event: eventWithFact, priority: 100 }),
    ];
    await eachWay({ rules, facts: { success: true, count: 5 } }, (result) => expect(result.results[0]!.event).toEqual(eventWithFact));
  });
});

describe('condition.test.js: evaluate', () => {
  it.each([
    ['equal', 50, 50, true],
    ['equal', 50, 5, false],
    ['equal', undefined, undefined, true],
    ['equal', undefined, 1, false],
    ['notEqual', 50, 50, false],
    ['notEqual', 50, 5, true],
    ['in', [5, 10, 15, 20], 15, true],
    ['in', [5, 10, 15, 20], 99, false],
    ['contains', 10, [5, 10, 15], true],
    ['contains', 10, [1, 2, 3], false],
    ['doesNotContain', 10, [5, 10, 15], false],
    ['doesNotContain', 10, [1, 2, 3], true],
    ['notIn', [5, 10, 15, 20], 15, false],
    ['notIn', [5, 10, 15, 20], 99, true],
    ['lessThan', 50, 49, true],
    ['lessThan', 50, 50, false],
    ['lessThan', 50, 51, false],
    ['lessThanInclusive', 50, 49, true],
    ['lessThanInclusive', 50, 50, true],
    ['lessThanInclusive', 50, 51, false],
    ['greaterThan', 50, 51, true],
    ['greaterThan', 50, 49, false],
    ['greaterThan', 50, 50, false],
    ['greaterThanInclusive', 50, 51, true],
    ['greaterThanInclusive', 50, 50, true],
    ['greaterThanInclusive', 50, 49, false],
    ['contains', 50, null, false],
    ['doesNotContain', 50, null, false],
    ['lessThan', 50, null, false],
    ['lessThanInclusive', 50, null, false],
    ['greaterThan', 50, null, false],
    ['greaterThanInclusive', 50, null, false],
    ['lessThan', 50, 'non-number', false],
    ['lessThan', 50, [], false],
    ['lessThan', 50, {}, false],
  ])('%s with value %j on fact %j is %s', async (operator, value, age, expected) => {
    const rules = [factoryRule({ conditions: { all: [{ fact: 'age', operator, value }] }, event: { type: 'E' } })];
    await eachWay({ rules, facts: { age } }, (result) => expect(result.results).toHaveLength(expected ? 1 : 0));
  });

  it('extracts the object property values using its "path" property, and ignores it on non-objects', async () => {
    const rules = (value: number) => [
      factoryRule({ conditions: { all: [{ operator: 'equal', path: '$[0].id', fact: 'age', value }] }, event: { type: 'E' } }),
    ];
    await eachWay({ rules: rules(50), facts: { age: [{ id: 50 }, { id: 60 }] } }, (result) => expect(result.results).toHaveLength(1));
    await eachWay({ rules: rules(100), facts: { age: [{ id: 50 }, { id: 60 }] } }, (result) => expect(result.results).toHaveLength(0));
    await eachWay({ rules: rules(50), facts: { age: 50 } }, (result) => expect(result.results).toHaveLength(1));
  });
});

describe('acceptance/acceptance.js (constant facts, built-in operators)', () => {
  it('reports the first rule exactly as the acceptance test expects', async () => {
    const rules = [
      {
        name: 'first',
        priority: 10,
        conditions: {
          all: [
            { fact: 'high-priority', params: { factParam: 1 }, operator: 'contains', path: '$.values', value: 2 },
            { fact: 'low-priority', operator: 'in', value: [2] },
          ],
        },
        event: { type: 'event-1', params: { eventParam: 1 } },
      },
    ];
    await eachWay({ rules, facts: { 'high-priority': { values: [2] }, 'low-priority': 2 } }, (result) => {
      expect(plain(result.results[0])).toStrictEqual({
        conditions: {
          all: [
            {
              fact: 'high-priority',
              factResult: [2],
              operator: 'contains',
              params: { factParam: 1 },
              path: '$.values',
              result: true,
              value: 2,
              valueResult: 2,
            },
            { fact: 'low-priority', factResult: 2, operator: 'in', result: true, value: [2], valueResult: [2] },
          ],
          operator: 'all',
          priority: 1,
        },
        event: { params: { eventParam: 1 }, type: 'event-1' },
        name: 'first',
        priority: 10,
        result: true,
      });
    });
  });
});
