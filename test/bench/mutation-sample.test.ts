/**
 * Sampled mutation testing (bench/mutation-sample.ts): the instrumenter's mutants at positions
 * worked out by hand, the sample uniform and without replacement, the estimate's interval against
 * scipy's beta quantiles and its coverage over repeated samples of a population whose score is
 * known, and a report read back in its own (1-based) coordinates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  areaFiles,
  countSample,
  enumerateMutants,
  estimateScore,
  MutantKey,
  mutantKey,
  NOT_SAMPLED,
  sampleMutants,
  scorePercent,
  tallyStatuses,
  SamplePlan,
} from '../../bench/mutation-sample';
import { SeededRng } from '../../src/util/rng';

test('enumerateMutants: the instrumenter’s mutants of a one-line file, at the columns counted by hand', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privlab-mutants-'));
  try {
    const file = path.join(dir, 'one.ts');
    //                    0         1         2         3
    //                    0123456789012345678901234567890123456
    fs.writeFileSync(file, 'export const f = (a: number) => a + 1;\n');
    const ms = await enumerateMutants([file]);
    const arithmetic = ms.filter((m) => m.mutatorName === 'ArithmeticOperator');
    assert.equal(arithmetic.length, 1, JSON.stringify(ms));
    // `a + 1` spans columns 32–37 (end exclusive) of line 0; the mutant replaces it with `a - 1`.
    assert.deepEqual(arithmetic[0], {
      fileName: file,
      location: { start: { line: 0, column: 32 }, end: { line: 0, column: 37 } },
      mutatorName: 'ArithmeticOperator',
      replacement: 'a - 1',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sampleMutants: n distinct items in their order, each drawn with probability n/N (binomial bound)', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const n = 10;
  const trials = 4000;
  const hits = new Array<number>(items.length).fill(0);
  for (let seed = 0; seed < trials; seed++) {
    const s = sampleMutants(items, n, seed);
    assert.equal(s.length, n);
    assert.equal(new Set(s).size, n, 'without replacement');
    assert.deepEqual(
      s,
      [...s].sort((a, b) => a - b),
      'original order kept',
    );
    for (const i of s) hits[i]++;
  }
  // Each item: Binomial(4000, 0.2), sd 25.3; 5 sd either side holds for all 50 with certainty in practice.
  const p = n / items.length;
  const sd = Math.sqrt(trials * p * (1 - p));
  for (const h of hits) assert.ok(Math.abs(h - trials * p) < 5 * sd, `an item drawn ${h} times, expected ${trials * p} ± ${5 * sd}`);
  assert.deepEqual(sampleMutants(items, 80, 1), items, 'a sample larger than the folder is the folder');
  assert.throws(() => sampleMutants(items, 0, 1), /positive integer/);
});

test('estimateScore: detected ÷ valid with the Clopper–Pearson interval (scipy beta.ppf), compile errors left out', () => {
  // scipy.stats.beta.ppf(0.025, 8, 3) = 0.44390, beta.ppf(0.975, 9, 2) = 0.97479.
  assert.deepEqual(estimateScore({ killed: 6, timeout: 2, survived: 1, no_coverage: 1, compile_errors: 7, runtime_errors: 0 }), {
    score: 80,
    ci95: [44.4, 97.5],
    valid: 10,
  });
  // beta.ppf(0.025, 250, 51) = 0.78624, beta.ppf(0.975, 251, 50) = 0.87369.
  assert.deepEqual(estimateScore({ killed: 240, timeout: 10, survived: 45, no_coverage: 5, compile_errors: 0, runtime_errors: 0 }), {
    score: 83.3,
    ci95: [78.6, 87.4],
    valid: 300,
  });
  assert.throws(() => estimateScore({ killed: 0, timeout: 0, survived: 0, no_coverage: 0, compile_errors: 3, runtime_errors: 0 }), /no valid mutant/);
});

test('the interval covers a known folder score in at least 95 % of repeated samples (seeded; binomial bound)', () => {
  // A folder of 3,000 mutants: 2,490 detected, 510 not (score 0.83), clumped by file as real folders are.
  const population = Array.from({ length: 3000 }, (_, i) => (i % 300 < 249 ? 'Killed' : i % 2 ? 'Survived' : 'NoCoverage'));
  const truth = 2490 / 3000;
  const rng = new SeededRng(19);
  const reps = 400;
  let covered = 0;
  let sum = 0;
  for (let r = 0; r < reps; r++) {
    const s = sampleMutants(population, 120, rng.nextInt(2 ** 30));
    const n = {
      killed: s.filter((x) => x === 'Killed').length,
      timeout: 0,
      survived: s.filter((x) => x === 'Survived').length,
      no_coverage: s.filter((x) => x === 'NoCoverage').length,
      compile_errors: 0,
      runtime_errors: 0,
    };
    const e = estimateScore(n);
    sum += e.score / 100;
    if (e.ci95[0] / 100 <= truth + 5e-4 && truth - 5e-4 <= e.ci95[1] / 100) covered++;
  }
  // Clopper–Pearson is conservative: coverage ≥ 95 %; 3 binomial sd below it at 400 repetitions is 93.5 %.
  assert.ok(covered / reps >= 0.935, `covered ${covered} of ${reps}`);
  // The estimate is unbiased: its mean over 400 samples within 3 sd (sd of one estimate ≤ 0.035) of the truth.
  assert.ok(Math.abs(sum / reps - truth) < (3 * 0.035) / Math.sqrt(reps), `mean estimate ${sum / reps} against ${truth}`);
});

test('countSample: the report’s 1-based positions matched to the plan’s 0-based mutants; strays and gaps refused', () => {
  const m = (line: number, col: number, end: number, mutatorName: string, replacement: string): MutantKey => ({
    fileName: 'src/x/a.ts',
    location: { start: { line, column: col }, end: { line, column: end } },
    mutatorName,
    replacement,
  });
  const sampled = [m(3, 4, 9, 'ArithmeticOperator', 'a - b'), m(7, 0, 12, 'BooleanLiteral', 'false')];
  const plan: SamplePlan = { area: 'src/x', seed: 1, mutants_total: 40, sample: sampled };
  const inReport = (k: MutantKey, status: string, statusReason?: string) => ({
    location: {
      start: { line: k.location.start.line + 1, column: k.location.start.column + 1 },
      end: { line: k.location.end.line + 1, column: k.location.end.column + 1 },
    },
    mutatorName: k.mutatorName,
    replacement: k.replacement,
    status,
    statusReason,
  });
  const other = m(3, 4, 9, 'ArithmeticOperator', 'a * b');
  const report = (extra: ReturnType<typeof inReport>[]) => ({
    files: { 'src/x/a.ts': { mutants: [inReport(sampled[0], 'Killed'), inReport(sampled[1], 'Survived'), ...extra] } },
  });
  assert.deepEqual(countSample(plan, report([inReport(other, 'CompileError', NOT_SAMPLED)]), process.cwd()), {
    killed: 1,
    timeout: 0,
    survived: 1,
    no_coverage: 0,
    compile_errors: 0,
    runtime_errors: 0,
  });
  assert.throws(() => countSample(plan, report([inReport(other, 'Survived')]), process.cwd()), /outside the sample was Survived/);
  assert.throws(() => countSample({ ...plan, sample: [...sampled, other] }, report([]), process.cwd()), /1 sampled mutants are not in the report/);
  assert.notEqual(mutantKey(sampled[0]), mutantKey(other), 'two mutants of one node differ by their replacement');
});

test('areaFiles: the .ts files under the folder, sorted, SKIP naming files from the folder’s root as Stryker’s exclusions do', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privlab-area-'));
  try {
    for (const f of ['b.ts', 'index.ts', 'notes.md', 'sub/index.ts', 'sub/a.ts', 'sub/deep/c.ts']) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), '');
    }
    const rel = (fs_: string[]) => fs_.map((f) => path.relative(dir, f));
    assert.deepEqual(rel(areaFiles(dir)), ['b.ts', 'index.ts', 'sub/a.ts', 'sub/deep/c.ts', 'sub/index.ts']);
    // `index` is dir/index.ts only (Stryker's `!src/AREA/index.ts`), not sub/index.ts.
    assert.deepEqual(rel(areaFiles(dir, ['index', 'sub/deep/c'])), ['b.ts', 'sub/a.ts', 'sub/index.ts']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tallyStatuses and scorePercent: a full run’s statuses counted by hand; no valid mutant, no score', () => {
  const { counts, other } = tallyStatuses(['Killed', 'Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'Ignored', 'RuntimeError', 'Pending']);
  assert.deepEqual(counts, { killed: 2, timeout: 1, survived: 1, no_coverage: 1, compile_errors: 1, runtime_errors: 1 });
  assert.deepEqual(other, ['Ignored', 'Pending']);
  // 3 detected of 5 valid: the compile and runtime errors count in neither
  assert.equal(scorePercent(counts), 60);
  assert.equal(scorePercent({ killed: 0, timeout: 0, survived: 0, no_coverage: 0, compile_errors: 4, runtime_errors: 2 }), null);
});
