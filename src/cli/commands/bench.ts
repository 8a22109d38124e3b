/**
 * `privlab bench NAME [options] [--json]`: runs one of the named benchmarks of bench/
 * (bench/benchmarks.ts lists them) and prints its result, one JSON object with --json.
 * Progress goes to stderr, so stdout stays parseable.
 */
import { Command, UsageError } from '../command';
import { BENCHMARK_NAMES, loadBenchmark, loadBenchmarks } from '../../../bench/benchmarks';

/** Every benchmark's usage lines (`first`: only the first line of each), indented by `indent`. */
async function list(indent: string, first = false): Promise<string> {
  const usages = (await loadBenchmarks()).map((b) => (first ? b.usage.split('\n')[0] : b.usage));
  return usages.map((u) => `${indent}${u}`).join('\n');
}

/** Runs the benchmark `name` with `argv` and prints its result (`--json`: one line). */
export async function runBenchmark(name: string, argv: string[]): Promise<number> {
  const b = await loadBenchmark(name);
  if (!b) throw new UsageError(`unknown benchmark "${name}"; available: ${BENCHMARK_NAMES.join(', ')}`);
  const json = argv.includes('--json');
  const options = argv.filter((a) => a !== '--json');
  const result = await b.run(options, (line) => process.stderr.write(`bench ${name}: ${line}\n`));
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

const HEAD = `privlab bench NAME [--json] [options]
    Run a benchmark and print its result (one JSON object with --json); privlab bench NAME --help
    lists its options.`;
// privlab help names the benchmarks only: their usage lines would load every benchmark module.
const USAGE = `${HEAD} Benchmarks: ${BENCHMARK_NAMES.join(', ')}`;

export const bench: Command = {
  name: 'bench',
  usage: USAGE,
  async run(argv) {
    const [name, ...rest] = argv;
    if (!name || name.startsWith('-')) throw new UsageError(`bench needs a benchmark name:\n${await list('  ')}`);
    return runBenchmark(name, rest);
  },
  async helpFor(argv) {
    const b = argv[0] === undefined ? undefined : await loadBenchmark(argv[0]);
    return b ? `privlab bench ${b.usage}` : `${HEAD} Benchmarks:\n${await list('      ', true)}`;
  },
};
