import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { commandGroup, UsageError } from '../command';
import { buildNotebooks } from '../../jupyter/notebook-build';
import { buildExercises } from '../../exercises/build';
import { packageRoot } from '../../util/files';

export const notebooks = commandGroup('notebooks', [
  {
    name: 'build',
    usage: `privlab notebooks build [--check] [--dir DIR]
    Write each notebooks/NN-name.ipynb from its source notebooks/src/NN-name.ts (jupytext's
    percent format), and each exercise's solution and student versions
    (DIR/exercises/{solutions,student}/NN-name.ipynb from DIR/exercises/src/NN-name.ts).
    --check writes nothing and exits 1 if a notebook differs from its source.`,
    async run(argv) {
      const { values } = parseArgs({ args: argv, options: { check: { type: 'boolean' }, dir: { type: 'string' } } });
      const dir = path.resolve(values.dir ?? path.join(packageRoot(), 'notebooks'));
      if (!fs.existsSync(dir)) throw new UsageError(`--dir ${dir}: no such folder`);
      const exercises = path.join(dir, 'exercises');
      const results = [
        ...buildNotebooks(dir, { check: values.check }),
        ...(fs.existsSync(path.join(exercises, 'src')) ? buildExercises(exercises, { check: values.check }) : []),
      ];
      if (results.length === 0) {
        console.error(`privlab notebooks build: no notebook sources (*.ts) in ${path.join(dir, 'src')}`);
        return 1;
      }
      for (const r of results) {
        if (r.status === 'differs') console.log(`${r.ipynb}: differs from its source ${r.source}: run privlab notebooks build`);
        else console.log(`${r.ipynb}: ${r.status === 'same' ? 'up to date' : 'written'}`);
      }
      return results.some((r) => r.status === 'differs') ? 1 : 0;
    },
  },
]);
