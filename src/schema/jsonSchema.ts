// The decision's JSON Schema, generated from the zod schema (the zod schema stays the truth).
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { Decision } from './decision.js';

export function decisionJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(Decision, { target: 'draft-2020-12' }) as Record<string, unknown>;
}

export function writeDecisionJsonSchema(path: string): void {
  writeFileSync(path, `${JSON.stringify(decisionJsonSchema(), null, 2)}\n`);
}
