/**
 * The registry of named benchmarks behind `privlab bench NAME`: every entry an ordinary
 * module exporting a NamedBenchmark (bench/benchmark.ts); add one with a line here.
 */
import type { NamedBenchmark } from './benchmark';
import { trainStepBenchmark } from './train-step';
import { fheMnistBenchmark } from './fhe-mnist';
import { fheGanBenchmark } from './fhe-gan';
import { fhePbsBenchmark } from './fhe/pbs';
import { ganCompressionBenchmark } from './gan-compression';
import { qatStepBenchmark } from './qat-step';
import { pix2pixStepBenchmark } from './pix2pix-step';
import { flOverheadBenchmark } from './fl-overhead';
import { flPix2PixBenchmark } from './fl-pix2pix';
import { interruptLatencyBenchmark } from './interrupt-latency';
import { ckksLogregBenchmark } from './ckks-logreg';
import { ckksTransferBenchmark } from './ckks-transfer';
import { fidDimBenchmark } from './fid-dim';
import { parserFuzzBenchmark } from './parser-fuzz';
import { genPrivacyBenchmark } from './gen-privacy';
import { fheSklearnBenchmark } from './fhe-sklearn';
import { fheLeversBenchmark } from './fhe-levers';
import { fheTrainBenchmark } from './fhe-train';
import { fheServeLoadBenchmark } from './fhe/serve-load';
import { zamaTableBenchmark } from './zama-table';

export type { NamedBenchmark };

export const BENCHMARKS: NamedBenchmark[] = [
  trainStepBenchmark,
  fheMnistBenchmark,
  fheGanBenchmark,
  fhePbsBenchmark,
  ganCompressionBenchmark,
  qatStepBenchmark,
  pix2pixStepBenchmark,
  flOverheadBenchmark,
  flPix2PixBenchmark,
  interruptLatencyBenchmark,
  ckksLogregBenchmark,
  ckksTransferBenchmark,
  fidDimBenchmark,
  parserFuzzBenchmark,
  genPrivacyBenchmark,
  fheSklearnBenchmark,
  fheLeversBenchmark,
  fheTrainBenchmark,
  fheServeLoadBenchmark,
  zamaTableBenchmark,
];
