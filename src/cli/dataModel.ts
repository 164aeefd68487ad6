// `fengkong data-model infer|check`: draft a data model from a CSV (every guess on stderr), or check one.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { dataModelTypes } from '../analysis/dataModelTypes.js';
import { inferDataModel } from '../analysis/inferDataModel.js';
import { loadDataModel } from '../features/dataModel.js';

export function dataModelCommand(): Command {
  const command = new Command('data-model').description('draft or check a data model: the fields, roles and aggregates of your data');
  command
    .command('infer')
    .description('draft a data model from a CSV for you to review; every guess is listed on stderr')
    .argument('<file.csv>', 'a CSV with a header')
    .option('--target <column>', 'the outcome column: declared a label')
    .option('--name <name>', "the data model's name (default: from the file name)")
    .option('--out <dm.json>', 'write it here (default: standard output)')
    .action((input: string, options: { target?: string; name?: string; out?: string }) => {
      const { model, notes } = inferDataModel(input, options);
      const text = `${JSON.stringify(model, null, 2)}\n`;
      if (options.out === undefined) process.stdout.write(text);
      else writeFileSync(options.out, text);
      process.stderr.write(
        `${notes.map((note) => `  ${note}`).join('\n')}\n${options.out === undefined ? '' : `data model: ${options.out}\n`}`,
      );
    });
  command
    .command('types')
    .description("print TypeScript declarations of the data model's events (what decide takes, what it validates to)")
    .argument('<dm.json>', 'the data model')
    .action((path: string) => {
      const model = loadDataModel(path);
      process.stdout.write(dataModelTypes(model.file, model.sha256));
    });
  command
    .command('check')
    .description('validate a data model file and print what it declares')
    .argument('<dm.json>', 'the data model')
    .action((path: string) => {
      const model = loadDataModel(path);
      const roles = ['id', 'time', 'identifier', 'feature', 'metadata', 'label'] as const;
      const counts = roles.map((role) => `${model.fieldsWithRole(role).length} ${role}`).join(', ');
      process.stdout.write(
        `${path}: ${model.file.name}, ${model.fields.length} fields (${counts}), ${model.file.aggregates.length} aggregates, ` +
          `${model.file.signals.length} signals; sha256 ${model.sha256}\n`,
      );
    });
  return command;
}
