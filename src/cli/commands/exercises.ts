import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { commandGroup, numberOption, UsageError } from '../command';
import { buildExercises, exercisesDir } from '../../exercises/build';
import { formatGrades, gradeNotebook } from '../../exercises/grade';
import { checkParentExists } from '../../util/out-dir';

export const exercises = commandGroup('exercises', [
  {
    name: 'release',
    usage: `privlab exercises release [--out DIR]
    Write the student version of every exercise (notebooks/exercises/src/NN-name.ts: solution
    regions replaced by stubs) as DIR/NN-name.ipynb (default notebooks/exercises/student).`,
    async run(argv) {
      const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } } });
      if (values.out) checkParentExists(values.out);
      const results = buildExercises(exercisesDir(), { versions: ['student'], studentDir: values.out ? path.resolve(values.out) : undefined });
      if (results.length === 0) throw new UsageError(`no exercise sources in ${path.join(exercisesDir(), 'src')}`);
      for (const r of results) console.log(`${r.ipynb}: ${r.status === 'same' ? 'up to date' : 'written'}`);
      return 0;
    },
  },
  {
    name: 'grade',
    usage: `privlab exercises grade NOTEBOOK… [--json] [--cell-timeout S]
    Execute submitted exercise notebooks headless (a failing cell does not stop the run; a cell
    over S seconds, default 120, ends it) and print each notebook's checks (pass/fail, message)
    and a total; --json prints one JSON object instead. Exit 0 when grading worked, whatever the
    score; 2 when a file is not a notebook of a known exercise.`,
    async run(argv) {
      const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { json: { type: 'boolean' }, 'cell-timeout': { type: 'string' } },
      });
      if (positionals.length === 0) throw new UsageError('name at least one notebook to grade');
      const cellTimeoutS = numberOption('cell-timeout', values['cell-timeout'], (n) => n > 0, 'a positive number of seconds');
      const graded = [];
      for (const nb of positionals) graded.push(await gradeNotebook(nb, { cellTimeoutS }));
      const passed = graded.reduce((a, g) => a + g.passed, 0);
      const total = graded.reduce((a, g) => a + g.total, 0);
      console.log(values.json ? JSON.stringify({ notebooks: graded, passed, total }, null, 1) : formatGrades(graded));
      return graded.some((g) => g.error) ? 2 : 0;
    },
  },
]);
