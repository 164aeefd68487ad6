#!/usr/bin/env node
// Launcher for the `fengkong` command: runs the compiled CLI (built by `npm install` through `prepare`).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('fengkong: the compiled CLI is missing; run `npm install` (or `npm run build`) in the package first\n');
  process.exit(1);
}
const { main } = await import(compiled.href);
await main(process.argv);
