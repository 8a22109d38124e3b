/**
 * The levelled readout of a linear model (Concrete ML's "fully levelled" linear models): no
 * programmable bootstrapping at all. The server computes each output's accumulator
 * Σ_j W_j·q_j as one linear combination of the input ciphertexts and returns it; the client
 * decrypts its phase and rounds it to the accumulator, then applies bias, scale and the head
 * (sign, sigmoid, argmax) in the clear — the same function the quantized model applies
 * (src/quant/quantized-eval.ts neuronFunction), so decryption gives its output exactly.
 *
 * Why not tfhe's encrypt/decrypt here: tfhe encodes messages at Δ = 2^63/(message·carry), at
 * most 2^63/4096, which leaves 12 bits for an accumulator; 8-bit inputs and weights over 57
 * features need 22. So the client encrypts with the project's core LWE encryption
 * (src/fhe/tfhe/core/lwe_encryption.ts) under tfhe's own secret key — the big (GLWE) key that
 * tfhe's KS-PBS ciphertexts use, with the parameter set's GLWE noise and node:crypto's
 * randomness — at an input scale Δ_in chosen so that the worst-case accumulator (every
 * input at its extreme) stays inside the half torus, and decrypts the phase with the same key.
 * The server needs no key at all: evaluation keys exist only for bootstrapping.
 *
 * The accumulator's noise is the fresh noise times √(Σ W²): at Δ_in ≥ 2^40 it is some
 * 2^14 standard deviations below half a step, so decoding is exact (decodeErrorBound).
 * What the client learns is the accumulator of each output, not only the class (as in
 * Concrete ML); the server learns nothing about the inputs.
 */
import * as tfhe from 'node-tfhe';
import { QuantizedModel } from '../quant/quantized-model';
import { neuronFunction, runQuantized } from '../quant/quantized-eval';
import { SeededRng } from '../util/rng';
import { encryptLweCiphertexts, decryptLwePhase } from '../fhe/tfhe/core/lwe_encryption';
import { lweLinearCombination } from '../fhe/tfhe/core/lwe_linear_algebra';
import { noiseVariance } from '../fhe/tfhe/core/parameters';
import { normalTail } from '../fhe/tfhe/core/noise_model';
import { MASK64 } from '../fhe/tfhe/core/torus';
import { readClientKey } from '../fhe/tfhe/shortint/client_key';
import { ShortintParameterSet, defaultParameterSetName, tfheParameters } from '../fhe/tfhe/shortint/parameters';
import { readParameterSet } from '../fhe/tfhe/compile/parameters';

export interface LevelledPlan {
  parameterSet: string;
  params: ShortintParameterSet;
  inputs: number;
  outputs: number;
  /** Integer weights [outputs × inputs]. */
  weights: Int32Array;
  /** log2 of the input scale Δ_in (torus units of one input level). */
  inputScaleLog2: number;
  /** Largest |accumulator| any input in range can give. */
  worstCaseAccumulator: number;
  /** Standard deviation of an output's decoded accumulator (in accumulator units), worst output. */
  accumulatorNoiseStd: number;
  /** Probability that an output decodes to a neighbouring accumulator value (normal tail; 0 when it underflows). */
  decodeErrorBound: number;
}

/** The plan for a one-layer quantized model: input scale from the worst-case accumulator, its noise. */
export function planLevelled(model: QuantizedModel, parameterSet = defaultParameterSetName(4)): LevelledPlan {
  if (model.layers.length !== 1) throw new RangeError(`the levelled readout takes a one-layer model, got ${model.layers.length} layers`);
  const layer = model.layers[0];
  const { qmin, qmax } = model.input;
  let worst = 0;
  let maxSq = 0;
  for (let o = 0; o < layer.outputs; o++) {
    let lo = 0;
    let hi = 0;
    let sq = 0;
    for (let i = 0; i < layer.inputs; i++) {
      const w = layer.weights[o * layer.inputs + i];
      lo += Math.min(w * qmin, w * qmax);
      hi += Math.max(w * qmin, w * qmax);
      sq += w * w;
    }
    worst = Math.max(worst, -lo, hi);
    maxSq = Math.max(maxSq, sq);
  }
  // |acc|·Δ_in < 2^62: the accumulator stays within half the half torus, far from the wrap
  const inputScaleLog2 = 62 - Math.ceil(Math.log2(worst + 1));
  if (inputScaleLog2 < 20) throw new RangeError(`worst-case accumulator ${worst} is too wide for a 64-bit torus`);
  const params = readParameterSet(parameterSet);
  const std = Math.sqrt(noiseVariance(params.glweNoise) * maxSq) * 2 ** (64 - inputScaleLog2);
  return {
    parameterSet,
    params,
    inputs: layer.inputs,
    outputs: layer.outputs,
    weights: Int32Array.from(layer.weights),
    inputScaleLog2,
    worstCaseAccumulator: worst,
    accumulatorNoiseStd: std,
    decodeErrorBound: 2 * normalTail(0.5 / std),
  };
}

/** The client: tfhe makes the secret key; inputs are encrypted at Δ_in under its big key; answers decrypt to accumulators. */
export class LevelledClient {
  private constructor(
    readonly plan: LevelledPlan,
    private readonly key: BigUint64Array,
  ) {}

  static create(plan: LevelledPlan): LevelledClient {
    const ck = tfhe.Shortint.new_client_key(tfheParameters(plan.parameterSet));
    try {
      return new LevelledClient(plan, readClientKey(tfhe.Shortint.serialize_client_key(ck)).glweSecretKey);
    } finally {
      ck.free();
    }
  }

  get lweSize(): number {
    return this.key.length + 1;
  }

  /** Encrypt one row's input levels (integers in the model's input range). */
  encrypt(levels: ArrayLike<number>): Promise<BigUint64Array> {
    if (levels.length !== this.plan.inputs) throw new RangeError(`a row has ${this.plan.inputs} inputs, got ${levels.length}`);
    const shift = BigInt(this.plan.inputScaleLog2);
    const pt = BigUint64Array.from(Array.from(levels), (q) => {
      if (!Number.isInteger(q)) throw new RangeError(`input level ${q} is not an integer`);
      return (BigInt(q) << shift) & MASK64;
    });
    return encryptLweCiphertexts(this.key, pt, this.plan.params.glweNoise);
  }

  /** The accumulators of one answer (one LWE ciphertext per output). */
  decrypt(answer: BigUint64Array): Int32Array {
    const size = this.lweSize;
    if (answer.length !== this.plan.outputs * size)
      throw new RangeError(`an answer has ${this.plan.outputs} ciphertexts of ${size} words, got ${answer.length} words`);
    const shift = BigInt(this.plan.inputScaleLog2);
    const half = 1n << (shift - 1n);
    return Int32Array.from({ length: this.plan.outputs }, (_, o) => {
      const phase = decryptLwePhase(this.key, answer.subarray(o * size, (o + 1) * size));
      const signed = phase >= 1n << 63n ? phase - (1n << 64n) : phase;
      return Number((signed + half) >> shift); // round to the nearest accumulator value
    });
  }

  dispose(): void {
    this.key.fill(0n);
  }
}

/** The server: the model's integer weights; one linear combination per row, no keys. */
export class LevelledServer {
  private readonly weights: BigInt64Array;
  private readonly zero: BigUint64Array;

  constructor(readonly plan: LevelledPlan) {
    this.weights = BigInt64Array.from(plan.weights, (w) => BigInt(w));
    this.zero = new BigUint64Array(plan.outputs);
  }

  evaluate(row: BigUint64Array, lweSize: number, threads?: number): Promise<BigUint64Array> {
    if (row.length !== this.plan.inputs * lweSize)
      throw new RangeError(`a row needs ${this.plan.inputs} ciphertexts of ${lweSize} words, got ${row.length} words`);
    return lweLinearCombination(row, lweSize, this.weights, this.zero, threads);
  }
}

/** One row's phases in seconds, summed over a call; per-row wall times (the levelled readout's and the trees'). */
export interface LevelledTimes {
  keygen_s: number;
  encrypt_s: number;
  server_s: number;
  decrypt_s: number;
  per_sample_s: number[];
  server_cpu_s: number;
}

/** Wall seconds since a process.hrtime.bigint() mark. */
export function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** The quantized model with its levelled plan: the client and server roles in one process, each with only its own part. */
export class LevelledModel {
  private session: { client: LevelledClient; server: LevelledServer; keygen_s: number } | undefined;

  constructor(
    readonly model: QuantizedModel,
    readonly plan: LevelledPlan,
  ) {}

  /** The quantized model's outputs from accumulators [rows × outputs] (what the client does after decryption). */
  finish(accs: Int32Array): Int32Array {
    const layer = this.model.layers[0];
    const fns = Array.from({ length: layer.outputs }, (_, o) => neuronFunction(layer, o, this.model.input));
    return Int32Array.from(accs, (a, i) => fns[i % layer.outputs](a));
  }

  /** Encrypted: per row, the client encrypts, the server combines, the client decrypts and finishes. */
  async execute(
    levels: ArrayLike<number>,
    rows: number,
    o: { threads?: number; onSample?: (done: number, total: number) => void | Promise<void> } = {},
  ): Promise<{ outputs: Int32Array; times: LevelledTimes }> {
    const f = this.plan.inputs;
    if (levels.length !== rows * f) throw new RangeError(`${rows} rows of ${f} inputs need ${rows * f} levels, got ${levels.length}`);
    if (!this.session) {
      const t0 = process.hrtime.bigint();
      const client = LevelledClient.create(this.plan);
      this.session = { client, server: new LevelledServer(this.plan), keygen_s: seconds(t0) };
    }
    const { client, server } = this.session;
    const times: LevelledTimes = { keygen_s: this.session.keygen_s, encrypt_s: 0, server_s: 0, decrypt_s: 0, per_sample_s: [], server_cpu_s: 0 };
    const accs = new Int32Array(rows * this.plan.outputs);
    const row = Array.from({ length: f }, () => 0);
    for (let s = 0; s < rows; s++) {
      const start = process.hrtime.bigint();
      for (let j = 0; j < f; j++) row[j] = levels[s * f + j];
      const query = await client.encrypt(row);
      times.encrypt_s += seconds(start);
      let t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const answer = await server.evaluate(query, client.lweSize, o.threads);
      const cpu = process.cpuUsage(cpu0);
      times.server_cpu_s += (cpu.user + cpu.system) / 1e6;
      times.server_s += seconds(t0);
      t0 = process.hrtime.bigint();
      accs.set(client.decrypt(answer), s * this.plan.outputs);
      times.decrypt_s += seconds(t0);
      times.per_sample_s.push(seconds(start));
      await o.onSample?.(s + 1, rows);
    }
    return { outputs: this.finish(accs), times };
  }

  /**
   * In the clear: exact accumulators (runQuantized's), optionally with the decode noise of
   * the plan added before rounding (a seeded statistical model, not cryptographic noise).
   */
  simulate(levels: Int32Array, rows: number, o: { noise?: boolean; seed?: number } = {}): Int32Array {
    const accs = runQuantized(this.model, levels, rows).accumulators[0];
    if (o.noise) {
      const rng = new SeededRng(o.seed ?? 0);
      const std = this.plan.accumulatorNoiseStd;
      for (let i = 0; i < accs.length; i++) {
        const g = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
        accs[i] = Math.round(accs[i] + std * g);
      }
    }
    return this.finish(accs);
  }

  dispose(): void {
    this.session?.client.dispose();
    this.session = undefined;
  }
}
