// What the harness and the CI run time with: a sink every timed call feeds (so the JIT cannot drop the
// work), tinybench set up one way for calls of a microsecond and up, per-call percentiles for loops
// timed call by call, and the Markdown table the runs print.
import { Bench } from 'tinybench';

let sinkTotal = 0;
/** Records built by timed calls, kept in a ring the JIT cannot see through. */
const kept = new Array(4096);
let keptAt = 0;

/** Adds a timed call's numeric result to the sink; returns it. */
export function feed(value) {
  sinkTotal += value;
  return value;
}

/** Keeps a record a timed call built; returns 1 so callers can count what they kept. */
export function keep(record) {
  kept[keptAt++ & 4095] = record;
  return 1;
}

/** The sink's total: printed at the end of a run, which makes every fed value observable. */
export const sinkValue = () => sinkTotal;

const round = (value, digits = 1) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/**
 * Times tasks with tinybench, one after the other: `tasks` is a list of `{ name, fn, callsPerIteration }`.
 * A task whose single call takes under a microsecond runs a batch of `callsPerIteration` calls per
 * iteration (tinybench times each iteration on its own, which at tens of nanoseconds would measure its
 * timer); per-call figures are the iteration's divided by the batch size. Answers, per task name, the
 * median, mean and p99 in ns per call and the number of samples. Each task runs for `timeMs` after
 * `warmupMs` of warm-up, and at least `minIterations` times.
 */
export async function timeTasks(tasks, { timeMs, warmupMs, minIterations = 16 }) {
  const bench = new Bench({
    time: timeMs,
    warmupTime: warmupMs,
    iterations: minIterations,
    timestampProvider: 'hrtimeNow',
    throws: true,
  });
  for (const { name, fn, async = false } of tasks) bench.add(name, fn, { async });
  await bench.run();
  const results = {};
  for (const task of bench.tasks) {
    const { callsPerIteration = 1 } = tasks.find((candidate) => candidate.name === task.name);
    const { latency } = task.result;
    const perCallNs = (ms) => round((ms * 1e6) / callsPerIteration);
    results[task.name] = {
      medianNs: perCallNs(latency.p50),
      meanNs: perCallNs(latency.mean),
      p99Ns: perCallNs(latency.p99),
      rmePercent: round(latency.rme, 2),
      samples: latency.samplesCount,
      callsPerIteration,
    };
  }
  return results;
}

/** p50 and p99 (nearest rank) of per-call nanoseconds. */
export function percentiles(samplesNs) {
  const sorted = Float64Array.from(samplesNs).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50Ns: round(at(0.5)), p99Ns: round(at(0.99)), maxNs: round(sorted[sorted.length - 1]) };
}

/** Nanoseconds for a table: ns below a microsecond, µs below a millisecond, ms above. */
export function duration(ns) {
  if (ns === undefined || ns === null) return '';
  if (ns >= 1e6) return `${round(ns / 1e6, ns >= 1e7 ? 1 : 2)} ms`;
  if (ns >= 1000) return `${round(ns / 1000, ns >= 100_000 ? 0 : 1)} µs`;
  return `${round(ns, 0)} ns`;
}

/** A whole number with thousands separators. */
export const count = (value) => (value === undefined || value === null ? '' : Math.round(value).toLocaleString('en-US'));

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** A Markdown table from a header row and data rows (first column left-aligned, the rest right). */
export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

export { round };
