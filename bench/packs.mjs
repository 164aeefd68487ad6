// The synthetic rule packs the rule benchmarks share (rules.mjs, ruleEngines.mjs): `size` simple rules
// (`f<i> greaterThan 50`, one fact each, priority 1) and 64 facts objects built key by key, about half
// of the rules firing on each; with `path`, the same rules reading `$.f<i>` of one object fact.
export function syntheticPack(size, { path = false } = {}) {
  const rules = [];
  for (let i = 0; i < size; i += 1) {
    const condition = path
      ? { fact: 'applicant', path: `$.f${i}`, operator: 'greaterThan', value: 50 }
      : { fact: `f${i}`, operator: 'greaterThan', value: 50 };
    rules.push({ name: `R${i}`, priority: 1, conditions: { all: [condition] }, event: { type: `R${i}`, params: { severity: 'review' } } });
  }
  const factsList = [];
  for (let j = 0; j < 64; j += 1) {
    const values = {};
    for (let i = 0; i < size; i += 1) values[`f${i}`] = (i * 37 + j * 11) % 100; // about half above 50
    factsList.push(path ? { applicant: values } : values);
  }
  return { rules, factsList };
}
