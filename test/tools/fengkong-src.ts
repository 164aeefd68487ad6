// The `fengkong` command run from the TypeScript sources (through tsx), for tests that need a real
// process: standard input and output, exit codes.
import { main } from '../../src/cli/main.js';

await main(process.argv);
