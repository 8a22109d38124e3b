/**
 * The registry of named benchmarks behind `privlab bench NAME`: every entry an ordinary
 * module exporting a NamedBenchmark (bench/benchmark.ts); add one with a line here. Each is loaded
 * only when it runs (or when help lists them all), as the commands are: a benchmark's process then
 * loads its own imports, not every benchmark's (the whole set took about a second more per process).
 */
import type { NamedBenchmark } from './benchmark';

export type { NamedBenchmark };

const LOADERS = {
  'train-step': async () => (await import('./train-step')).trainStepBenchmark,
  'fhe-mnist': async () => (await import('./fhe-mnist')).fheMnistBenchmark,
  'fhe-gan': async () => (await import('./fhe-gan')).fheGanBenchmark,
  'fhe-pbs': async () => (await import('./fhe/pbs')).fhePbsBenchmark,
  'gan-compression': async () => (await import('./gan-compression')).ganCompressionBenchmark,
  'qat-step': async () => (await import('./qat-step')).qatStepBenchmark,
  'pix2pix-step': async () => (await import('./pix2pix-step')).pix2pixStepBenchmark,
  'fl-overhead': async () => (await import('./fl-overhead')).flOverheadBenchmark,
  'fl-pix2pix': async () => (await import('./fl-pix2pix')).flPix2PixBenchmark,
  'interrupt-latency': async () => (await import('./interrupt-latency')).interruptLatencyBenchmark,
  'ckks-logreg': async () => (await import('./ckks-logreg')).ckksLogregBenchmark,
  'ckks-transfer': async () => (await import('./ckks-transfer')).ckksTransferBenchmark,
  'fid-dim': async () => (await import('./fid-dim')).fidDimBenchmark,
  'parser-fuzz': async () => (await import('./parser-fuzz')).parserFuzzBenchmark,
  'gen-privacy': async () => (await import('./gen-privacy')).genPrivacyBenchmark,
  'fhe-sklearn': async () => (await import('./fhe-sklearn')).fheSklearnBenchmark,
  'fhe-levers': async () => (await import('./fhe-levers')).fheLeversBenchmark,
  'fhe-train': async () => (await import('./fhe-train')).fheTrainBenchmark,
  'fhe-serve-load': async () => (await import('./fhe/serve-load')).fheServeLoadBenchmark,
  'zama-table': async () => (await import('./zama-table')).zamaTableBenchmark,
} satisfies Record<string, () => Promise<NamedBenchmark>>;

/** The benchmarks' names, in help order. */
export const BENCHMARK_NAMES = Object.keys(LOADERS);

/** The benchmark called `name`, or undefined for a name no benchmark has (`toString` included). */
export async function loadBenchmark(name: string): Promise<NamedBenchmark | undefined> {
  return Object.hasOwn(LOADERS, name) ? LOADERS[name as keyof typeof LOADERS]() : undefined;
}

/** Every benchmark, in help order. */
export async function loadBenchmarks(): Promise<NamedBenchmark[]> {
  return Promise.all(Object.values(LOADERS).map((load) => load()));
}
