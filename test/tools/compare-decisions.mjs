// Compares two decision files line by line, ignoring the fields that vary between runs
// (names ending in Us, At or Id). Exits 1 on the first difference.
import { readFileSync } from 'node:fs';

const [first, second] = process.argv.slice(2).map((path) => readFileSync(path, 'utf8').split('\n'));
const strip = (line) => JSON.stringify(JSON.parse(line, (key, value) => (/(Us|At|Id)$/.test(key) ? undefined : value)));
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
