/**
 * `privlab bench parser-fuzz`: a mutation fuzzer over every file and message parser
 * (bench/fuzz/targets.ts), seeded and bounded in time. Each input is a valid seed with one
 * to four random mutations (bytes set, runs inserted or deleted, truncation, length fields
 * set to all-ones). Reported per parser: inputs run, how many parsed, crashes (errors the
 * parser does not name, with the first few messages), the slowest input and the peak
 * resident memory. Issue 18's target: no crash, no input over 5 s, no allocation over 512 MB.
 * Coverage-guided fuzzing (Jazzer.js) is not used: its Linux build needs glibc 2.38.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend';
import { SeededRng } from '../src/util/rng';
import { intOption, numberOption } from '../src/cli/command';
import { FuzzTarget, fuzzTargets } from './fuzz/targets';
import type { NamedBenchmark } from './benchmark';

/** `bytes` with 1–4 random mutations. */
export function mutate(bytes: Uint8Array, rng: SeededRng): Uint8Array {
  let b = Uint8Array.from(bytes);
  const count = 1 + rng.nextInt(4);
  for (let k = 0; k < count; k++) {
    const at = b.length ? rng.nextInt(b.length) : 0;
    switch (rng.nextInt(5)) {
      case 0:
        if (b.length) b[at] = rng.nextInt(256);
        break;
      case 1: {
        const run = Uint8Array.from({ length: 1 + rng.nextInt(16) }, () => rng.nextInt(256));
        b = Uint8Array.from([...b.subarray(0, at), ...run, ...b.subarray(at)]);
        break;
      }
      case 2:
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + rng.nextInt(16))]);
        break;
      case 3:
        b = b.slice(0, at);
        break;
      default:
        // A length field claiming gigabytes: 2, 4 or 8 bytes of 0xff.
        b.fill(0xff, at, Math.min(b.length, at + [2, 4, 8][rng.nextInt(3)]));
    }
  }
  return b;
}

interface TargetReport {
  parser: string;
  inputs: number;
  parsed: number;
  crashes: number;
  first_crashes: string[];
  slowest_ms: number;
  peak_rss_mb: number;
}

async function fuzzOne(t: FuzzTarget, seconds: number, rng: SeededRng): Promise<TargetReport> {
  const report: TargetReport = { parser: t.name, inputs: 0, parsed: 0, crashes: 0, first_crashes: [], slowest_ms: 0, peak_rss_mb: 0 };
  const end = performance.now() + seconds * 1000;
  let lastYield = performance.now();
  while (performance.now() < end) {
    // Turn the event loop now and then, as the program does between files: node's zlib
    // releases a failed gunzipSync's buffers only then, so a loop that never yields piles them
    // up (measured: about 11 KB per IDX input, 780 MB RSS after 10 minutes of them).
    if (performance.now() - lastYield > 50) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    let input = mutate(t.seeds[rng.nextInt(t.seeds.length)], rng);
    if (t.fixup && rng.nextInt(2)) input = t.fixup(input);
    const t0 = performance.now();
    try {
      t.parse(input);
      report.parsed++;
    } catch (e) {
      if (!t.allowed.some((cls) => e instanceof cls)) {
        report.crashes++;
        if (report.first_crashes.length < 5) report.first_crashes.push(`${(e as Error)?.name}: ${(e as Error)?.message}`.slice(0, 300));
      }
    }
    report.slowest_ms = Math.max(report.slowest_ms, performance.now() - t0);
    report.inputs++;
  }
  report.peak_rss_mb = process.resourceUsage().maxRSS / 1024;
  return report;
}

export const parserFuzzBenchmark: NamedBenchmark = {
  name: 'parser-fuzz',
  usage: `parser-fuzz [--seconds S] [--seed N] [--parsers npy,npz,…]
      Mutation fuzzing of every parser for S seconds each (default 60): inputs, parses, crashes
      (errors the parser does not name), slowest input (ms), peak RSS (MB, whole process).`,
  async run(argv, log) {
    const { values } = parseArgs({ args: argv, options: { seconds: { type: 'string' }, seed: { type: 'string' }, parsers: { type: 'string' } } });
    const seconds = numberOption('seconds', values.seconds, (n) => n > 0, 'positive') ?? 60;
    const seed = intOption('seed', values.seed, 0) ?? 1;
    await selectBackend({ quiet: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'privlab-fuzz-'));
    try {
      const all = fuzzTargets(dir);
      const wanted = values.parsers?.split(',');
      const unknown = wanted?.filter((w) => !all.some((t) => t.name === w));
      if (unknown?.length) throw new RangeError(`unknown parsers ${unknown.join(', ')} (known: ${all.map((t) => t.name).join(', ')})`);
      const rng = new SeededRng(seed);
      const parsers: TargetReport[] = [];
      for (const t of all.filter((t) => !wanted || wanted.includes(t.name))) {
        const r = await fuzzOne(t, seconds, rng);
        log(JSON.stringify(r));
        parsers.push(r);
      }
      return { benchmark: 'parser-fuzz', seconds_each: seconds, seed, crashes: parsers.reduce((n, p) => n + p.crashes, 0), parsers };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
