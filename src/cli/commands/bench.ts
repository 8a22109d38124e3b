/**
 * `privlab bench NAME [options] [--json]`: runs one of the named benchmarks of bench/
 * (bench/benchmarks.ts lists them) and prints its result, one JSON object with --json.
 * Progress goes to stderr, so stdout stays parseable.
 */
import { Command, UsageError } from '../command';
import { BENCHMARKS } from '../../../bench/benchmarks';

function list(): string {
  return BENCHMARKS.map((b) => `  ${b.usage}`).join('\n');
}

/** Runs the benchmark `name` with `argv` and prints its result (`--json`: one line). */
export async function runBenchmark(name: string, argv: string[]): Promise<number> {
  const b = BENCHMARKS.find((x) => x.name === name);
  if (!b) throw new UsageError(`unknown benchmark "${name}"; available: ${BENCHMARKS.map((x) => x.name).join(', ')}`);
  const json = argv.includes('--json');
  const options = argv.filter((a) => a !== '--json');
  const result = await b.run(options, (line) => process.stderr.write(`bench ${name}: ${line}\n`));
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

export const bench: Command = {
  name: 'bench',
  usage: `privlab bench NAME [--json] [options]
    Run a benchmark and print its result (one JSON object with --json). Benchmarks:
${BENCHMARKS.map((b) => `      ${b.usage.split('\n')[0]}`).join('\n')}`,
  async run(argv) {
    const [name, ...rest] = argv;
    if (!name || name.startsWith('-')) throw new UsageError(`bench needs a benchmark name:\n${list()}`);
    return runBenchmark(name, rest);
  },
  helpFor(argv) {
    const b = BENCHMARKS.find((x) => x.name === argv[0]);
    return b ? `privlab bench ${b.usage}` : this.usage;
  },
};
