import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOutputSet, writeOutputs } from '../../src/batch/outputFiles.js';
import { thrownBy } from '../fixtures/errors.js';

function expectCoded(action: () => unknown, code: string, message: RegExp): void {
  const error = thrownBy(action);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}

const scratch = () => mkdtempSync(join(tmpdir(), 'fengkong-outputs-'));

describe('a command’s output files, written as a set', () => {
  it('puts every file in place only when all were written', async () => {
    const dir = scratch();
    const [report, json] = [join(dir, 'r.html'), join(dir, 'r.json')];
    const outputs = createOutputSet([report, json]);
    await writeOutputs(outputs, (set) => {
      const staged = set.stage(report, '<html>');
      expect(readFileSync(staged, 'utf8')).toBe('<html>');
      expect(existsSync(report)).toBe(false);
      set.stage(json, '{}');
    });
    expect(readFileSync(report, 'utf8')).toBe('<html>');
    expect(readFileSync(json, 'utf8')).toBe('{}');
    expect(readdirSync(dir).sort()).toEqual(['r.html', 'r.json']);
  });

  it('leaves nothing, and the earlier outputs untouched, when the work fails after staging one file', async () => {
    const dir = scratch();
    const [report, json] = [join(dir, 'r.html'), join(dir, 'r.json')];
    writeFileSync(report, 'the last run');
    const outputs = createOutputSet([report, json]);
    await expect(
      writeOutputs(outputs, (set) => {
        set.stage(json, '{}');
        throw new Error('the replay failed');
      }),
    ).rejects.toThrow('the replay failed');
    expect(readdirSync(dir)).toEqual(['r.html']);
    expect(readFileSync(report, 'utf8')).toBe('the last run');
  });

  it('refuses at once a path in a missing directory, a directory, or one file named twice, naming it', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'sub'));
    expectCoded(() => createOutputSet([join(dir, 'missing', 'r.html')]), 'FK_FILE_WRITE', /missing[/\\]r\.html: cannot be written/);
    expectCoded(() => createOutputSet([join(dir, 'sub')]), 'FK_FILE_WRITE', /is a directory/);
    expectCoded(() => createOutputSet([join(dir, 'a.json'), join(dir, '.', 'a.json')]), 'FK_FILE_WRITE', /named for two outputs/);
  });
});
