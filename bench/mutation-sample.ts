/**
 * Mutation score of a whole folder from a random sample of its mutants (issue 19: src/ has about
 * 32,000 mutants; at 2–8 s each, scoring every one is tens of CPU hours on this 2-core machine).
 *
 * `plan` lists every mutant Stryker's instrumenter makes in the folder (the same instrumenter and
 * defaults as a run) and draws a simple random sample of them, seeded. During the run, the checker
 * plugin `scripts/mutation-sample-checker.mjs` (listed before the TypeScript checker) fails every
 * mutant outside the sample with the reason "not in the sample", so only the sampled mutants are
 * type-checked and tested. `score` reads Stryker's report back, counts the sample's statuses and
 * gives the score with its Clopper–Pearson 95 % interval (conservative for a sample drawn without
 * replacement from a finite folder).
 *
 * Why not Stryker's own range selection (`file:L:C-L:C` in `mutate`): a range takes in every mutant
 * inside it, so a sampled BlockStatement brings its whole block; 200 sampled mutants ran 580–750.
 *
 * Valid and detected follow scripts/mutation.sh: valid = killed + timeout + survived + no coverage
 * (a compile error is not a valid mutant), detected = killed + timeout.
 *
 *   node dist/bench/mutation-sample.js plan --size 300 --seed 1 [--skip a,b] src/AREA > plan.json
 *   node dist/bench/mutation-sample.js score plan.json report.json
 *   node dist/bench/mutation-sample.js tally report.json     (a full run: every mutant counted)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clopperPearson } from '../src/privacy/clopper-pearson';
import { SeededRng } from '../src/util/rng';

export interface Position {
  line: number;
  column: number;
}
/** A mutant as the instrumenter describes it (0-based lines and columns), its file relative to the project. */
export interface MutantKey {
  fileName: string;
  location: { start: Position; end: Position };
  mutatorName: string;
  replacement: string;
}
export interface SamplePlan {
  area: string;
  seed: number;
  mutants_total: number;
  sample: MutantKey[];
}

/** One string per mutant, the same in the instrumenter's list, in the checker and in the report. */
export function mutantKey(m: MutantKey): string {
  const { start, end } = m.location;
  return `${m.fileName}:${start.line}:${start.column}-${end.line}:${end.column} ${m.mutatorName} ${m.replacement}`;
}

/** n of the mutants, uniformly without replacement (seeded), in their original order. */
export function sampleMutants<T>(mutants: readonly T[], n: number, seed: number): T[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`the sample size must be a positive integer, got ${n}`);
  if (n >= mutants.length) return [...mutants];
  const chosen = Array.from(new SeededRng(seed).permutation(mutants.length).subarray(0, n)).sort((a, b) => a - b);
  return chosen.map((i) => mutants[i]);
}

export interface SampleCounts {
  killed: number;
  timeout: number;
  survived: number;
  no_coverage: number;
  compile_errors: number;
  /**
   * The test process ended without a verdict (e.g. a test file crashed while loading). Stryker
   * counts these as invalid, like compile errors: neither detected nor undetected.
   */
  runtime_errors: number;
}

interface ReportMutant {
  location: { start: Position; end: Position };
  mutatorName: string;
  replacement?: string;
  status: string;
  statusReason?: string;
}
type Report = { files: Record<string, { mutants: ReportMutant[] }> };

/** The sampled mutants' statuses in a mutation-testing report (1-based lines and columns there). */
export function countSample(plan: SamplePlan, report: Report, root: string): SampleCounts {
  const wanted = new Set(plan.sample.map(mutantKey));
  const found = new Map<string, string>();
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const fileName = path.relative(root, path.resolve(root, file)).split(path.sep).join('/');
    for (const m of mutants) {
      const { start, end } = m.location;
      const key = mutantKey({
        fileName,
        location: { start: { line: start.line - 1, column: start.column - 1 }, end: { line: end.line - 1, column: end.column - 1 } },
        mutatorName: m.mutatorName,
        replacement: m.replacement ?? '',
      });
      if (wanted.has(key)) found.set(key, m.status);
      // Outside the sample, only the checker's refusals, or mutants a `// Stryker disable` comment kept out.
      else if (!(m.status === 'CompileError' && m.statusReason === NOT_SAMPLED) && m.status !== 'Ignored')
        throw new Error(`a mutant outside the sample was ${m.status} (was the checker plugin listed first?): ${key}`);
    }
  }
  const missing = [...wanted].filter((k) => !found.has(k));
  if (missing.length) throw new Error(`${missing.length} sampled mutants are not in the report, e.g. ${missing[0]}`);
  const { counts, other } = tallyStatuses(found.values());
  if (other.length) throw new Error(`a sampled mutant ended ${other[0]}: not a status the score counts`);
  return counts;
}

const FIELD: Record<string, keyof SampleCounts> = {
  Killed: 'killed',
  Timeout: 'timeout',
  Survived: 'survived',
  NoCoverage: 'no_coverage',
  CompileError: 'compile_errors',
  RuntimeError: 'runtime_errors',
};

/** Mutant statuses counted as the score counts them; `other` lists the rest (Ignored, …). */
export function tallyStatuses(statuses: Iterable<string>): { counts: SampleCounts; other: string[] } {
  const counts: SampleCounts = { killed: 0, timeout: 0, survived: 0, no_coverage: 0, compile_errors: 0, runtime_errors: 0 };
  const other: string[] = [];
  for (const status of statuses) {
    if (status in FIELD) counts[FIELD[status]]++;
    else other.push(status);
  }
  return { counts, other };
}

/** detected ÷ valid in percent, one decimal; null when no mutant is valid. */
export function scorePercent(n: SampleCounts): number | null {
  const detected = n.killed + n.timeout;
  const valid = detected + n.survived + n.no_coverage;
  return valid ? Math.round((1000 * detected) / valid) / 10 : null;
}

/** The checker plugin's reason for the mutants it keeps out (kept in step with scripts/mutation-sample-checker.mjs). */
export const NOT_SAMPLED = 'not in the sample';

export interface ScoreEstimate {
  /** Percent, one decimal. */
  score: number;
  ci95: [number, number];
  valid: number;
}

/** detected ÷ valid over the sample, with the Clopper–Pearson 95 % interval. */
export function estimateScore(n: SampleCounts): ScoreEstimate {
  const score = scorePercent(n);
  if (score === null) throw new RangeError('no valid mutant in the sample: nothing to score');
  const detected = n.killed + n.timeout;
  const valid = detected + n.survived + n.no_coverage;
  const ci = clopperPearson(detected, valid);
  const pct = (x: number) => Math.round(1000 * x) / 10;
  return { score, ci95: [pct(ci.lower), pct(ci.upper)], valid };
}

/** Every mutant Stryker's instrumenter makes in these files (paths as given, relative to the project). */
export async function enumerateMutants(files: readonly string[]): Promise<MutantKey[]> {
  // The instrumenter is an ES module; this CommonJS build would turn a plain import() into require().
  const { Instrumenter } = (await new Function('s', 'return import(s)')('@stryker-mutator/instrumenter')) as {
    Instrumenter: new (log: unknown) => { instrument(f: unknown[], o: unknown): Promise<{ mutants: MutantKey[] }> };
  };
  const no = () => false;
  const log = { debug() {}, info() {}, warn() {}, error() {}, trace() {}, isDebugEnabled: no, isTraceEnabled: no, isInfoEnabled: no, isWarnEnabled: no };
  const input = files.map((name) => ({ name, content: fs.readFileSync(name, 'utf8'), mutate: true }));
  const { mutants } = await new Instrumenter(log).instrument(input, { plugins: null, excludedMutations: [], ignorers: [], noHeader: true });
  return mutants.map(({ fileName, location, mutatorName, replacement }) => ({ fileName, location, mutatorName, replacement }));
}

/** The .ts files under dir, sorted, without dir/NAME.ts for NAME in skip (scripts/mutation.sh's SKIP: NAME may name a subfolder's file, as classifiers/fcnn). */
export function areaFiles(dir: string, skip: readonly string[] = [], root = dir): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...areaFiles(p, skip, root));
    else if (e.name.endsWith('.ts') && !skip.some((s) => p === `${root}/${s}.ts`)) out.push(p);
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const opt = (k: string) => {
    const i = rest.indexOf(`--${k}`);
    return i < 0 ? undefined : rest.splice(i, 2)[1];
  };
  if (cmd === 'plan') {
    const size = Number(opt('size'));
    const seed = Number(opt('seed') ?? 1);
    const skip = (opt('skip') ?? '').split(/[\s,]+/).filter(Boolean);
    const [dir] = rest;
    if (!dir || !fs.existsSync(dir) || !Number.isInteger(size) || size < 1 || !Number.isInteger(seed))
      throw new Error('usage: plan --size N [--seed S] [--skip a,b] src/AREA');
    const mutants = await enumerateMutants(areaFiles(dir.replace(/\/$/, ''), skip));
    const plan: SamplePlan = { area: dir, seed, mutants_total: mutants.length, sample: sampleMutants(mutants, size, seed) };
    process.stdout.write(JSON.stringify(plan) + '\n');
  } else if (cmd === 'score') {
    const [planFile, reportFile] = rest;
    if (!planFile || !reportFile) throw new Error('usage: score plan.json report.json');
    const plan = JSON.parse(fs.readFileSync(planFile, 'utf8')) as SamplePlan;
    const counts = countSample(plan, JSON.parse(fs.readFileSync(reportFile, 'utf8')) as Report, process.cwd());
    const e = estimateScore(counts);
    process.stdout.write(JSON.stringify({ ...e, ...counts, sampled: plan.sample.length, mutants_total: plan.mutants_total, seed: plan.seed }) + '\n');
  } else if (cmd === 'tally') {
    const [reportFile] = rest;
    if (!reportFile) throw new Error('usage: tally report.json');
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as Report;
    const { counts } = tallyStatuses(Object.values(report.files).flatMap((f) => f.mutants.map((m) => m.status)));
    process.stdout.write(JSON.stringify({ score: scorePercent(counts), ...counts }) + '\n');
  } else throw new Error('usage: mutation-sample plan|score|tally …');
}

if (require.main === module)
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`mutation-sample: ${e.message}\n`);
    process.exit(1);
  });
