// Where the CLI finds the real loans the generator starts from.
import { join } from 'node:path';
import { packageRoot } from '../engine/paths.js';

export function shippedLendingClub(): string {
  return join(packageRoot, 'data', 'lending_club.csv');
}
