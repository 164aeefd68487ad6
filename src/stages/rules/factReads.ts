// How a condition reads a fact, as json-rules-engine's almanac does with the facts given to Engine.run:
// facts are the facts object's properties, as its `for...in` over the object sees them (a plain
// object's own enumerable properties). A name Object.prototype defines (constructor, toString,
// __proto__, ...) is read as an own property only, so a missing `constructor` is missing, not Object;
// any other is read directly, with an own-property check only when the read gives undefined (missing,
// or present as undefined). A missing fact reads as undefined under allowUndefinedFacts and otherwise
// throws, each time a condition reading it is evaluated (almanac.js factValue).
import { UndefinedFactError, type Facts } from './program.js';
import { walkPath, type PathKeys } from './path.js';

/** Whether `fact` must be read as an own property only. */
export function isPrototypeName(fact: string): boolean {
  return fact in Object.prototype;
}

/** After `facts[fact]` gave undefined: undefined if the fact is there (or allowed missing), else the almanac's error. */
export function undefinedOrMissing(facts: Facts, fact: string): undefined {
  if (Object.hasOwn(facts, fact)) return undefined;
  throw new UndefinedFactError(fact);
}

/** A fact named like a member of Object.prototype. */
export function readOwnFact(facts: Facts, fact: string, allowUndefined: boolean): unknown {
  if (Object.hasOwn(facts, fact)) return facts[fact];
  if (allowUndefined) return undefined;
  throw new UndefinedFactError(fact);
}

export function readFact(facts: Facts, fact: string, allowUndefined: boolean): unknown {
  const value = facts[fact];
  return value === undefined && !allowUndefined ? undefinedOrMissing(facts, fact) : value;
}

/** almanac.js factValue: `path` applies to object facts; any other value is the fact itself. */
export function atPath(value: unknown, path: PathKeys | undefined): unknown {
  return path !== undefined && value !== null && typeof value === 'object' ? walkPath(value, path) : value;
}
