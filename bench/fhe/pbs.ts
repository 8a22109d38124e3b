/**
 * Benchmark of the TFHE evaluator on a tfhe parameter set (default: 4-bit message,
 * N=2048): evaluation-key generation, key switch, PBS on one thread and throughput on
 * all threads. Medians over repeated batches (other work may share the machine).
 * A batch call lets the evaluator bootstrap a few ciphertexts together per thread (they
 * share the key reads): ms_per_pbs_1_thread is per ciphertext within such a batch on one
 * thread, ms_per_pbs_single the latency of a call with one ciphertext. The cpu_ms_*
 * figures are process CPU time per operation: on a machine that other jobs share, they
 * stay put while wall-clock times stretch; cpu_efficiency_all_threads = CPU time per PBS
 * on one thread / on all threads (1 = threads do not slow each other down, i.e. the
 * throughput on idle cores would be threads x one core).
 * `--kernel avx512,avx2,generic` times each SIMD kernel set on its own copy of the same
 * keys, repeats interleaved (kernel after kernel within every repeat, so that load from
 * other jobs falls on all alike); the top-level figures are the first kernel's, and
 * by_kernel holds every kernel's.
 * Prints nothing itself; `privlab bench fhe-pbs --json` (or `privlab fhe bench`) prints the result.
 */
import { parseArgs } from 'node:util';
import * as tfhe from 'node-tfhe';
import { numberOption } from '../../src/cli/command';
import type { NamedBenchmark } from '../benchmark';
import { readClientKey } from '../../src/fhe/tfhe/shortint/client_key';
import { decodeCiphertext } from '../../src/fhe/tfhe/shortint/ciphertext';
import { defaultParameterSetName, describeParameters, tfheParameters } from '../../src/fhe/tfhe/shortint/parameters';
import { generateShortintEvaluationKeys, serializeShortintEvaluationKeys } from '../../src/fhe/tfhe/shortint/evaluation_keys';
import { lookupBodyOffset, lookupTablePolynomial } from '../../src/fhe/tfhe/shortint/encoding';
import { LweServerKey, TFHE_KERNELS, TfheKernel } from '../../src/fhe/tfhe/core/lwe_programmable_bootstrapping';
import { loadNative } from '../../src/fhe/tfhe/core/native';
import { median } from '../../src/util/stats';

export interface PbsBenchOptions {
  parameterSet?: string;
  /** ciphertexts per timed batch */
  batch?: number;
  /** timed batches per figure (median reported) */
  repeats?: number;
  /** SIMD kernel sets to time, in this order (default: the evaluator's default only) */
  kernels?: TfheKernel[];
}

/** The timings of one kernel set. */
export interface PbsKernelTimings {
  ms_per_pbs_1_thread: number;
  ms_per_pbs_single: number;
  cpu_ms_per_pbs_single: number;
  cpu_ms_per_pbs_1_thread: number;
  cpu_ms_per_pbs_all_threads: number;
  cpu_efficiency_all_threads: number;
  ms_per_ks_pbs_1_thread: number;
  cpu_ms_per_ks_pbs_1_thread: number;
  pbs_per_s_all_threads: number;
  pbs_per_s_1_thread: number;
  speedup_all_threads: number;
  ms_per_keyswitch: number;
  cpu_ms_per_keyswitch: number;
}

export interface PbsBenchResult extends PbsKernelTimings {
  params: string;
  parameter_set: string;
  threads: number;
  keygen_s: number;
  eval_key_bytes: number;
  eval_key_file_bytes: number;
  server_memory_bytes: number;
  repeats: number;
  batch: number;
  /** the evaluator's default kernel set on this machine */
  simd: string;
  /** the kernel set of the top-level timings */
  kernel: string;
  /** every timed kernel set (by the evaluator's name for it), same run, interleaved */
  by_kernel: Record<string, PbsKernelTimings>;
}

async function timeMs(f: () => Promise<unknown>, cpu?: number[], per = 1): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await f();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  cpu?.push((c.user + c.system) / 1e3 / per);
  return ms;
}

export async function benchPbs(o: PbsBenchOptions = {}): Promise<PbsBenchResult> {
  const name = o.parameterSet ?? defaultParameterSetName(4);
  const repeats = o.repeats ?? 5;
  const threads = loadNative().hardwareConcurrency;
  const batch = o.batch ?? 4 * threads;
  const ck = tfhe.Shortint.new_client_key(tfheParameters(name));
  const sk = readClientKey(tfhe.Shortint.serialize_client_key(ck));
  const p = sk.params;
  const t0 = process.hrtime.bigint();
  const keys = await generateShortintEvaluationKeys(sk);
  const keygenS = Number(process.hrtime.bigint() - t0) / 1e9;
  const file = serializeShortintEvaluationKeys(keys);
  const servers = (o.kernels ?? [undefined]).map((kernel) => LweServerKey.load(keys, { kernel }));
  const server = servers[0];

  const size = server.bigLweSize;
  const inputs = new BigUint64Array(batch * size);
  for (let i = 0; i < batch; i++) {
    const ct = decodeCiphertext(tfhe.Shortint.serialize_ciphertext(tfhe.Shortint.encrypt(ck, BigInt(i % p.messageModulus))), p);
    inputs.set(ct.lwe, i * size);
  }
  const lut = lookupTablePolynomial(
    Array.from({ length: p.messageModulus * p.carryModulus }, (_, i) => i),
    p,
  );
  const offset = lookupBodyOffset(p);
  const small = await server.keyswitch(inputs, { threads: 1 });
  const one = small.subarray(0, server.smallLweSize);
  const samples = servers.map(() => ({
    ks: [] as number[],
    pbs1: [] as number[],
    kspbs1: [] as number[],
    pbsAll: [] as number[],
    single: [] as number[],
    cpuKs: [] as number[],
    cpuPbs1: [] as number[],
    cpuPbsAll: [] as number[],
    cpuSingle: [] as number[],
    cpuKsPbs1: [] as number[],
  }));
  for (const s of servers) await s.bootstrap(one, lut, offset, { threads: 1 }); // warm-up
  for (let r = 0; r < repeats; r++) {
    for (const [k, s] of servers.entries()) {
      const t = samples[k];
      t.ks.push((await timeMs(() => s.keyswitch(inputs, { threads: 1 }), t.cpuKs, batch)) / batch);
      t.pbs1.push((await timeMs(() => s.bootstrap(small, lut, offset, { threads: 1 }), t.cpuPbs1, batch)) / batch);
      t.kspbs1.push((await timeMs(() => s.keyswitchBootstrap(inputs, lut, offset, { threads: 1 }), t.cpuKsPbs1, batch)) / batch);
      t.pbsAll.push((await timeMs(() => s.bootstrap(small, lut, offset, { threads }), t.cpuPbsAll, batch)) / batch);
      t.single.push(await timeMs(() => s.bootstrap(one, lut, offset, { threads: 1 }), t.cpuSingle));
    }
  }
  const timings = samples.map((t): PbsKernelTimings => {
    const msPbs1 = median(t.pbs1);
    const msPbsAll = median(t.pbsAll);
    return {
      ms_per_pbs_1_thread: round(msPbs1),
      ms_per_pbs_single: round(median(t.single)),
      cpu_ms_per_pbs_single: round(median(t.cpuSingle)),
      cpu_ms_per_pbs_1_thread: round(median(t.cpuPbs1)),
      cpu_ms_per_pbs_all_threads: round(median(t.cpuPbsAll)),
      cpu_efficiency_all_threads: round(median(t.cpuPbs1) / median(t.cpuPbsAll)),
      ms_per_ks_pbs_1_thread: round(median(t.kspbs1)),
      cpu_ms_per_ks_pbs_1_thread: round(median(t.cpuKsPbs1)),
      pbs_per_s_all_threads: round(1000 / msPbsAll),
      pbs_per_s_1_thread: round(1000 / msPbs1),
      speedup_all_threads: round(msPbs1 / msPbsAll),
      ms_per_keyswitch: round(median(t.ks)),
      cpu_ms_per_keyswitch: round(median(t.cpuKs)),
    };
  });
  return {
    params: describeParameters(p),
    parameter_set: name,
    ...timings[0],
    threads,
    keygen_s: round(keygenS),
    eval_key_bytes: 8 * (keys.bootstrapKey.length + keys.keyswitchKey.length),
    eval_key_file_bytes: file.length,
    server_memory_bytes: server.bytes,
    repeats,
    batch,
    simd: loadNative().simd ?? 'unknown',
    kernel: server.kernel,
    by_kernel: Object.fromEntries(servers.map((s, k) => [s.kernel, timings[k]])),
  };
}

/** A --kernel list: names from TFHE_KERNELS, comma-separated, each once. */
export function parseKernelList(value: string | undefined): TfheKernel[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((x) => x.trim());
  for (const n of names)
    if (!(TFHE_KERNELS as readonly string[]).includes(n))
      throw new RangeError(`--kernel: unknown kernel ${JSON.stringify(n)} (expected a list of ${TFHE_KERNELS.join(', ')})`);
  if (new Set(names).size !== names.length) throw new RangeError(`--kernel: ${value} names a kernel twice`);
  return names as TfheKernel[];
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export const fhePbsBenchmark: NamedBenchmark = {
  name: 'fhe-pbs',
  usage: `fhe-pbs [--params NAME] [--batch B] [--repeats R] [--kernel avx512,avx2,generic]
      The TFHE evaluator on a tfhe parameter set: key generation, key switch and PBS (1 thread
      and all threads), medians; also \`privlab fhe bench\`. --kernel times each listed SIMD
      kernel set in the same run (interleaved; by_kernel in the output).`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { params: { type: 'string' }, batch: { type: 'string' }, repeats: { type: 'string' }, kernel: { type: 'string' } },
    });
    const batch = numberOption('batch', values.batch, (n) => Number.isInteger(n) && n >= 1 && n <= 4096, 'an integer in [1, 4096]');
    const repeats = numberOption('repeats', values.repeats, (n) => Number.isInteger(n) && n >= 1 && n <= 100, 'an integer in [1, 100]');
    return benchPbs({ parameterSet: values.params, batch, repeats, kernels: parseKernelList(values.kernel) });
  },
};
