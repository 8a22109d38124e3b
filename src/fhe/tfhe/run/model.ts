/**
 * The Concrete-ML-like entry point: `compile(model, inputset)` gives an FheModel whose
 * `predict(x, { fhe })` runs the quantized model in one of three ways:
 *
 *   'disable'   the clear integer model (src/quant/quantized-eval runQuantized)
 *   'simulate'  the compiled circuit in the clear (simulate.ts), optionally with noise
 *   'execute'   encrypted: the three roles in one process, each with only its own part —
 *               the model developer compiled the circuit; a client (FheClient, tfhe keys)
 *               encrypts and decrypts; a server (CircuitServer) holds the circuit and the
 *               client's serialized evaluation keys. Time per phase is recorded.
 *
 * Each mode quantizes float inputs with the model's input quantizer and returns output
 * levels and their dequantized values.
 */
import { QuantizedModel } from '../../../quant/quantized-model';
import { quantizeInputs, runQuantized } from '../../../quant/quantized-eval';
import { dequantize } from '../../../quant/quantizer';
import { compileCircuit } from '../compile/compile';
import { CompileOptions } from '../compile/options';
import { FheCircuit, clientSpec } from '../compile/circuit';
import { CompileReport } from '../compile/report';
import { parseShortintEvaluationKeys } from '../shortint/evaluation_keys';
import { FheClient } from './client';
import { CircuitServer } from './server';
import { simulateCircuit } from './simulate';
import { argmax } from '../../../nn/classify';
import { interruptScope } from '../../../util/interrupt';

export type FheMode = 'disable' | 'simulate' | 'execute';

export interface PredictOptions {
  fhe?: FheMode;
  /** simulate: add the noise model's read noise. */
  noise?: boolean;
  /** simulate: seed of that noise. */
  seed?: number;
  /** execute: native threads (default all cores). */
  threads?: number;
  /** execute: called after each encrypted sample (progress bars; may be async). */
  onSample?: (done: number, total: number) => void | Promise<void>;
}

export interface PhaseTimes {
  /** tfhe client key + evaluation keys (once per session), and loading them on the server. */
  keygen_s: number;
  server_load_s: number;
  /** Totals over the samples of this call. */
  encrypt_s: number;
  server_s: number;
  decrypt_s: number;
  /** Wall-clock seconds of each sample (encrypt + server + decrypt): medians resist a shared machine. */
  per_sample_s: number[];
  /** Process CPU seconds (all threads) spent in the server, total over the samples. */
  server_cpu_s: number;
}

export interface Prediction {
  mode: FheMode;
  count: number;
  features: number;
  /** Output levels [count × features] and their dequantized values. */
  levels: Int32Array;
  values: Float32Array;
  /** execute only. */
  times?: PhaseTimes;
  /** simulate with noise: reads that landed on another value. */
  wrongReads?: number;
  reads?: number;
  /** simulate with noise: samples with at least one such read. */
  wrongSamples?: number;
}

/** Index of the largest output of each sample (classification). */
export { argmax };

export interface Agreement {
  /** Fraction of output values that are equal. */
  outputs: number;
  /** Fraction of samples with the same argmax. */
  argmax: number;
  /** Fraction of samples whose outputs are all equal. */
  samples: number;
  /** Largest absolute difference of levels. */
  maxDifference: number;
}

/** How far two predictions of the same inputs agree. */
export function agreement(a: Prediction, b: Prediction): Agreement {
  if (a.count !== b.count || a.features !== b.features) throw new RangeError('predictions of different shapes');
  let same = 0;
  let maxDiff = 0;
  let sameSamples = 0;
  for (let s = 0; s < a.count; s++) {
    let all = true;
    for (let j = 0; j < a.features; j++) {
      const d = Math.abs(a.levels[s * a.features + j] - b.levels[s * a.features + j]);
      if (d === 0) same++;
      else all = false;
      maxDiff = Math.max(maxDiff, d);
    }
    if (all) sameSamples++;
  }
  const am = argmax(a.levels, a.features);
  const bm = argmax(b.levels, b.features);
  let sameArg = 0;
  for (let s = 0; s < a.count; s++) if (am[s] === bm[s]) sameArg++;
  return { outputs: same / a.levels.length, argmax: sameArg / a.count, samples: sameSamples / a.count, maxDifference: maxDiff };
}

/** Seconds from one clock reading to another. */
function between(t0: bigint, t1: bigint): number {
  return Number(t1 - t0) / 1e9;
}

function seconds(t0: bigint): number {
  return between(t0, process.hrtime.bigint());
}

interface Session {
  client: FheClient;
  server: CircuitServer;
  keygen_s: number;
  server_load_s: number;
}

export class FheModel {
  private session: Session | undefined;

  constructor(
    readonly model: QuantizedModel,
    readonly circuit: FheCircuit,
  ) {}

  get report(): CompileReport {
    return this.circuit.report;
  }

  /** Low bits each layer's accumulators lose before the lookup (compile option roundingThresholdBits). */
  get roundingShifts(): number[] {
    return this.circuit.report.layers.map((l) => l.roundingShift ?? 0);
  }

  get inputFeatures(): number {
    return this.circuit.input.features;
  }

  get outputFeatures(): number {
    return this.circuit.output.features;
  }

  /**
   * The client makes its keys and hands the server the serialized evaluation keys (as a
   * remote client would). Done once per FheModel, on the first execute.
   */
  async keygen(threads?: number): Promise<Session> {
    if (!this.session) {
      let t0 = process.hrtime.bigint();
      const client = FheClient.create(clientSpec(this.circuit));
      const keyFile = await client.evaluationKeys(threads);
      const keygen_s = seconds(t0);
      t0 = process.hrtime.bigint();
      const server = CircuitServer.create(this.circuit, parseShortintEvaluationKeys(keyFile));
      this.session = { client, server, keygen_s, server_load_s: seconds(t0) };
    }
    return this.session;
  }

  async predict(x: ArrayLike<number>, o: PredictOptions = {}): Promise<Prediction> {
    const features = this.inputFeatures;
    if (x.length === 0 || x.length % features) throw new RangeError(`predict needs [count × ${features}] inputs, got ${x.length} values`);
    const count = x.length / features;
    const xq = quantizeInputs(this.model, x);
    const mode = o.fhe ?? 'disable';
    const out = this.circuit.output;
    const finish = (levels: Int32Array, extra: Partial<Prediction> = {}): Prediction => ({
      mode,
      count,
      features: out.features,
      levels,
      values: Float32Array.from(levels, (v) => dequantize(v, out.quant)),
      ...extra,
    });
    // the clear integer program includes the circuit's rounding of accumulators (if any)
    if (mode === 'disable') return finish(runQuantized(this.model, xq, count, this.roundingShifts).outputs);
    if (mode === 'simulate') {
      const r = simulateCircuit(this.circuit, xq, count, { noise: o.noise, seed: o.seed });
      return finish(r.outputs, o.noise ? { wrongReads: r.wrongReads, reads: r.reads, wrongSamples: r.wrongSamples } : {});
    }
    if (mode !== 'execute') throw new RangeError(`fhe must be 'disable', 'simulate' or 'execute', got "${String(mode)}"`);
    const session = await this.keygen(o.threads);
    const times: PhaseTimes = {
      keygen_s: session.keygen_s,
      server_load_s: session.server_load_s,
      encrypt_s: 0,
      server_s: 0,
      decrypt_s: 0,
      per_sample_s: [],
      server_cpu_s: 0,
    };
    const levels = new Int32Array(count * out.features);
    // Ctrl-C / a kernel interrupt: stop between samples (and between layers, in the server) rather than finish the batch.
    const scope = interruptScope();
    try {
      for (let s = 0; s < count; s++) {
        scope.throwIfInterrupted(`encrypted inference (after ${s} of ${count} samples)`);
        // One clock reading ends a phase and starts the next, so a sample's time is exactly the sum
        // of its phases: separate readings left gaps that a descheduled process could widen by ms.
        const t0 = process.hrtime.bigint();
        const query = session.client.encryptLevels(xq.subarray(s * features, (s + 1) * features));
        const t1 = process.hrtime.bigint();
        const cpu0 = process.cpuUsage();
        const { answer } = await session.server.evaluateBatch(query, 1, { threads: o.threads });
        const cpu = process.cpuUsage(cpu0);
        const t2 = process.hrtime.bigint();
        levels.set(session.client.decryptLevels(answer), s * out.features);
        const t3 = process.hrtime.bigint();
        times.server_cpu_s += (cpu.user + cpu.system) / 1e6;
        times.encrypt_s += between(t0, t1);
        times.server_s += between(t1, t2);
        times.decrypt_s += between(t2, t3);
        times.per_sample_s.push(between(t0, t3));
        await o.onSample?.(s + 1, count);
      }
    } finally {
      scope.dispose();
    }
    return finish(levels, { times });
  }

  dispose(): void {
    this.session?.client.dispose();
    this.session = undefined;
  }
}

/** Compile a quantized model for FHE, calibrated on a float input set [count × features]. */
export function compile(model: QuantizedModel, inputset: ArrayLike<number>, options: CompileOptions = {}): FheModel {
  return new FheModel(model, compileCircuit(model, inputset, options));
}
