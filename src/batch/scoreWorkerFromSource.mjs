// The scoring worker (scoreWorker.ts) for a fengkong that runs from its TypeScript sources, as its
// tests do: a worker thread does not inherit the loader that runs them, so it registers its own. The
// built package never loads this file (parallel.ts picks dist/batch/scoreWorker.js).
import { register } from 'tsx/esm/api';

register();
const { default: scoreChunk } = await import('./scoreWorker.ts');
export default scoreChunk;
