// Compares two decision files line by line, ignoring the fields that vary between runs
// (names ending in Us, At or Id). Exits 1 on the first difference. With --without-failed-rules, also
// ignores stages.rules.failed (recorded by `fengkong explain`, not by a default `score`).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const withoutFailed = args.includes('--without-failed-rules');
const [first, second] = args.filter((arg) => !arg.startsWith('--')).map((path) => readFileSync(path, 'utf8').split('\n'));
const ignored = (key, value) => /(Us|At|Id)$/.test(key) || (withoutFailed && key === 'failed' && Array.isArray(value));
const strip = (line) => JSON.stringify(JSON.parse(line, (key, value) => (ignored(key, value) ? undefined : value)));
if (first.length !== second.length) {
  console.error(`different line counts: ${first.length} vs ${second.length}`);
  process.exit(1);
}
for (let index = 0; index < first.length; index += 1) {
  if (first[index] === '' && second[index] === '') continue;
  if (strip(first[index]) !== strip(second[index])) {
    console.error(`decisions differ at line ${index + 1}`);
    process.exit(1);
  }
}
console.log(`identical beyond timings: ${first.filter(Boolean).length} decisions`);
