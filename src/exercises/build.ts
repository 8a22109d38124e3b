/**
 * The two versions of each exercise, generated from its source notebooks/exercises/src/NN-name.ts:
 * the solution notebook (notebooks/exercises/solutions/NN-name.ipynb, committed and checked like the
 * experiment notebooks by `privlab notebooks build [--check]`) and the student notebook
 * (notebooks/exercises/student/NN-name.ipynb, also committed; `privlab exercises release --out DIR`
 * writes them elsewhere). Both carry `metadata.privlab.exercise` (the source's name), by which
 * `privlab exercises grade` recognises a submitted notebook.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuiltNotebook, notebookSources, writeOrCompare } from '../jupyter/notebook-build';
import { idPrefix, notebookJson, SourceCell } from '../jupyter/notebook-source';
import { packageRoot } from '../util/files';
import { parseExercise, solutionCells, studentCells, ExerciseSource } from './markers';

export type ExerciseVersion = 'solution' | 'student';

/** notebooks/exercises of this checkout. */
export function exercisesDir(root = packageRoot()): string {
  return path.join(root, 'notebooks', 'exercises');
}

/** The exercise sources (DIR/src/NN-name.ts), by name. */
export function exerciseSources(dir = exercisesDir()): string[] {
  return notebookSources(dir);
}

/** The name of an exercise: its source's file name without .ts (e.g. "01-quantize-accumulator"). */
export function exerciseName(source: string): string {
  return path.basename(source, '.ts');
}

export function readExercise(source: string): ExerciseSource {
  return parseExercise(fs.readFileSync(source, 'utf8'), source);
}

export function versionCells(ex: ExerciseSource, version: ExerciseVersion): SourceCell[] {
  return version === 'solution' ? solutionCells(ex) : studentCells(ex);
}

/** The .ipynb text of one version of an exercise. */
export function exerciseNotebook(source: string, version: ExerciseVersion, ex = readExercise(source)): string {
  return notebookJson(versionCells(ex, version), idPrefix(source), { privlab: { exercise: exerciseName(source), version } });
}

/** Folder of a version's notebooks inside the exercises folder. */
export const VERSION_DIRS: Record<ExerciseVersion, string> = { solution: 'solutions', student: 'student' };

/**
 * Write (or with `check`, compare) both versions of every exercise of DIR. `studentDir` replaces
 * DIR/student for the student versions (release to a hand-out folder).
 */
export function buildExercises(dir = exercisesDir(), opts: { check?: boolean; versions?: ExerciseVersion[]; studentDir?: string } = {}): BuiltNotebook[] {
  const versions = opts.versions ?? ['solution', 'student'];
  return exerciseSources(dir).flatMap((source) => {
    const ex = readExercise(source);
    return versions.map((v) => {
      const out = v === 'student' && opts.studentDir ? opts.studentDir : path.join(dir, VERSION_DIRS[v]);
      const ipynb = path.join(out, `${exerciseName(source)}.ipynb`);
      return { source, ipynb, status: writeOrCompare(ipynb, exerciseNotebook(source, v, ex), opts.check) };
    });
  });
}
