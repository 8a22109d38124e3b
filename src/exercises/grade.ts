/**
 * `privlab exercises grade`: execute submitted exercise notebooks headless (the report runner in
 * its --allow-errors mode: a broken cell never stops the grading) and read each check's result.
 *
 * The expected checks come from the exercise's source, not from the submission: every
 * `lab.check(checkX(…))` call in the solution version is one check, keyed by its cell's id (cell
 * ids are the source's, `<name>-NN`, and Jupyter keeps them when a student edits a cell) and by the
 * check function's name. A check whose result is missing from the executed notebook (its cell
 * failed, an earlier cell stopped the run, the cell was deleted) is a fail whose message is why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { executeAllowingErrors, CellStatus } from '../jupyter/report';
import { CHECK_MIME, CheckResult } from './check-result';
import { exerciseName, exerciseSources, exercisesDir, readExercise, versionCells } from './build';
import { idPrefix } from '../jupyter/notebook-source';
import { packageRoot } from '../util/files';

const CHECK_CALL = /lab\.check\(\s*(?:await\s+)?([A-Za-z_$][\w$]*)?/g;

export interface ExpectedCheck {
  /** Cell id of the check cell in the generated notebooks. */
  cellId: string;
  /** Which lab.check call of that cell (0-based). */
  call: number;
  /** The check function called (e.g. "checkFedAvg"), or "check N" when the call is not `lab.check(fn(…))`. */
  check: string;
}

/** The check calls of an exercise's solution version, in order. */
export function expectedChecks(source: string): ExpectedCheck[] {
  const prefix = idPrefix(source);
  const out: ExpectedCheck[] = [];
  versionCells(readExercise(source), 'solution').forEach((c, i) => {
    if (c.type !== 'code') return;
    let call = 0;
    for (const m of c.source.matchAll(CHECK_CALL))
      out.push({ cellId: `${prefix}-${String(i).padStart(2, '0')}`, call: call++, check: m[1] ?? `check ${out.length + 1}` });
  });
  return out;
}

export interface GradedCheck {
  check: string;
  /** The CheckResult's id; null when the check produced no result. */
  id: string | null;
  pass: boolean;
  message: string;
  hint?: string;
}

export interface GradedNotebook {
  notebook: string;
  exercise: string | null;
  passed: number;
  total: number;
  checks: GradedCheck[];
  seconds: number;
  /** Set when the notebook could not be graded at all (not a notebook, unknown exercise). */
  error?: string;
}

export interface NbCell {
  cell_type: string;
  id?: string;
  source?: string | string[];
  outputs?: Array<{ output_type: string; data?: Record<string, unknown>; ename?: string; evalue?: string }>;
}
export interface Nb {
  cells: NbCell[];
  metadata?: { privlab?: { exercise?: unknown } };
}

function readNotebook(file: string): Nb {
  let nb: Nb;
  try {
    nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Nb;
  } catch (err) {
    throw new Error(`${file}: not a notebook: ${(err as Error).message}`);
  }
  if (!nb || !Array.isArray(nb.cells)) throw new Error(`${file}: not a notebook (no cells array)`);
  return nb;
}

/**
 * The exercise source a submission belongs to: `metadata.privlab.exercise` (written by release),
 * else the file name (NN-name.ipynb, or any file name starting with an exercise's number "NN-").
 */
export function identifyExercise(file: string, nb: Nb, sources = exerciseSources()): string | undefined {
  const byName = new Map(sources.map((s) => [exerciseName(s), s]));
  const meta = nb.metadata?.privlab?.exercise;
  if (typeof meta === 'string' && byName.has(meta)) return byName.get(meta);
  const stem = path.basename(file, '.ipynb');
  if (byName.has(stem)) return byName.get(stem);
  const num = /^(\d+)-/.exec(stem)?.[1];
  const same = num === undefined ? [] : sources.filter((s) => exerciseName(s).startsWith(`${num}-`));
  return same.length === 1 ? same[0] : undefined;
}

const joined = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : (s ?? ''));

function isResult(v: unknown): v is CheckResult {
  const r = v as CheckResult;
  return !!r && typeof r === 'object' && typeof r.id === 'string' && typeof r.pass === 'boolean' && typeof r.message === 'string';
}

/** Why a check cell has no result: its own error, or the earlier cell that stopped the run or failed first. */
function missingReason(cellIndex: number | undefined, statuses: CellStatus[]): string {
  if (cellIndex === undefined) return 'the check cell is missing from the notebook (deleted?)';
  const own = statuses.find((s) => s.cell === cellIndex + 1);
  const earlier = statuses.find((s) => s.cell < cellIndex + 1 && s.status !== 'ok');
  const after = earlier ? ` (first failing cell above: code cell ${earlier.code_cell}: ${earlier.ename}: ${earlier.evalue})` : '';
  if (!own) return `the check cell did not run${after}`;
  if (own.status === 'not-run') return `${own.evalue}`;
  if (own.status !== 'ok') return `the check cell failed: ${own.ename}: ${own.evalue}${after}`;
  return 'the check cell ran but showed no check result (was the lab.check call changed?)';
}

/**
 * Where each expected check cell is in a notebook: the cell with its id, or, when a notebook rebuilt
 * by another tool lost the ids, the k-th cell calling lab.check for the k-th expected check cell.
 */
function locateCheckCells(cells: NbCell[], expected: ExpectedCheck[]): Map<string, number> {
  const checkCells = cells.map((c, i) => ({ c, i })).filter(({ c }) => c.cell_type === 'code' && /lab\.check\(/.test(joined(c.source)));
  const expectedCells = [...new Set(expected.map((e) => e.cellId))];
  const at = new Map<string, number>();
  for (const [k, id] of expectedCells.entries()) {
    let index = cells.findIndex((c) => c.id === id);
    if (index < 0 && checkCells.length === expectedCells.length) index = checkCells[k].i;
    if (index >= 0) at.set(id, index);
  }
  return at;
}

/**
 * Put the exercise's own check cells back in place of the submission's (as nbgrader restores its
 * read-only cells), so that editing a check cell, e.g. into a display of a made-up passing result,
 * changes nothing. Returns how many cells were restored.
 */
export function restoreCheckCells(nb: Nb, source: string, expected = expectedChecks(source)): number {
  const solution = versionCells(readExercise(source), 'solution');
  const prefix = idPrefix(source);
  let restored = 0;
  for (const [id, index] of locateCheckCells(nb.cells, expected)) {
    const original = solution[Number(id.slice(prefix.length + 1))];
    if (original && joined(nb.cells[index].source) !== original.source) {
      nb.cells[index].source = original.source;
      restored++;
    }
  }
  return restored;
}

/** Read the check results of an executed submission against the expected checks. */
export function scoreExecuted(executed: Nb, expected: ExpectedCheck[], statuses: CellStatus[]): GradedCheck[] {
  const at = locateCheckCells(executed.cells, expected);
  return expected.map((e) => {
    const index = at.get(e.cellId);
    const cell = index === undefined ? undefined : executed.cells[index];
    const results = (cell?.outputs ?? []).map((o) => o.data?.[CHECK_MIME]).filter(isResult);
    const r = results[e.call];
    if (r) return { check: e.check, id: r.id, pass: r.pass, message: r.message, ...(r.hint && !r.pass ? { hint: r.hint } : {}) };
    return { check: e.check, id: null, pass: false, message: missingReason(index, statuses) };
  });
}

export interface GradeOptions {
  cellTimeoutS?: number;
  /** Exercises folder (default notebooks/exercises of this checkout). */
  dir?: string;
  log?: (line: string) => void;
}

/** Grade one submitted notebook. Never throws for what the student wrote; only for infrastructure failures. */
export async function gradeNotebook(file: string, o: GradeOptions = {}): Promise<GradedNotebook> {
  const empty = (error: string, exercise: string | null = null): GradedNotebook => ({
    notebook: file,
    exercise,
    passed: 0,
    total: 0,
    checks: [],
    seconds: 0,
    error,
  });
  if (!fs.existsSync(file)) return empty('notebook not found');
  let nb: Nb;
  try {
    nb = readNotebook(file);
  } catch (err) {
    return empty((err as Error).message);
  }
  const sources = exerciseSources(o.dir ?? exercisesDir());
  const source = identifyExercise(file, nb, sources);
  if (!source)
    return empty(
      `cannot tell which exercise this is (no metadata.privlab.exercise, and the file name matches none of ${sources.map(exerciseName).join(', ') || 'no exercises'})`,
    );
  const expected = expectedChecks(source);
  // The submission runs from a folder inside this checkout, wherever it was handed in: there its
  // `import * as lab from "privlab/kernel-ext"` resolves (node_modules/privlab), as in notebooks/.
  const cache = path.join(packageRoot(), '.cache');
  fs.mkdirSync(cache, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cache, 'grade-'));
  try {
    const copy = path.join(tmp, path.basename(file));
    restoreCheckCells(nb, source, expected);
    fs.writeFileSync(copy, JSON.stringify(nb));
    const executedFile = path.join(tmp, 'executed.ipynb.out');
    const { cells, seconds } = await executeAllowingErrors(copy, executedFile, { cellTimeoutS: o.cellTimeoutS ?? 120, log: o.log });
    const checks = scoreExecuted(readNotebook(executedFile), expected, cells);
    return { notebook: file, exercise: exerciseName(source), passed: checks.filter((c) => c.pass).length, total: checks.length, checks, seconds };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The score table (text) of graded notebooks. */
export function formatGrades(graded: GradedNotebook[]): string {
  const lines: string[] = [];
  for (const g of graded) {
    lines.push(`${g.notebook} (${g.exercise ?? 'unknown exercise'}): ${g.error ? `not graded: ${g.error}` : `${g.passed}/${g.total} checks passed`}`);
    for (const c of g.checks) {
      lines.push(`  ${c.pass ? 'PASS' : 'FAIL'}  ${(c.id ?? c.check).padEnd(24)} ${c.message}`);
      if (c.hint) lines.push(`        ${''.padEnd(24)} hint: ${c.hint}`);
    }
  }
  const passed = graded.reduce((a, g) => a + g.passed, 0);
  const total = graded.reduce((a, g) => a + g.total, 0);
  lines.push(`total: ${passed}/${total} checks passed in ${graded.length} notebook${graded.length === 1 ? '' : 's'}`);
  return lines.join('\n');
}
