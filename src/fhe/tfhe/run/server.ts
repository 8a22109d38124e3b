/**
 * The server role: a compiled circuit plus a client's evaluation keys, run on tfhe
 * ciphertexts. Per layer: the linear combination with the circuit's integer weights and
 * torus biases (all output neurons in parallel), then keyswitch + PBS of every
 * accumulator through its own full-resolution table (all PBS in parallel). The server
 * never holds a secret key; ciphertexts are validated against the keys' parameter set
 * before any work.
 */
import { CircuitLayer, FheCircuit, inputCiphertexts, outputCiphertexts } from '../compile/circuit';
import { MASK64 } from '../compile/positions';
import { LweServerKey } from '../core/lwe_programmable_bootstrapping';
import { lweLinearCombination } from '../core/lwe_linear_algebra';
import { ShortintEvaluationKeys } from '../shortint/evaluation_keys';
import { ShortintParameterSet, describeParameters, sameParameters } from '../shortint/parameters';
import { decodeBatch, encodeBatch } from './wire';
import { interruptScope } from '../../../util/interrupt';

export class WrongKeySetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WrongKeySetError';
  }
}

interface PreparedLayer {
  layer: CircuitLayer;
  weights: BigInt64Array;
  bias: BigUint64Array;
  /** One test polynomial per PBS: level·outputScale at every position. */
  luts: BigUint64Array;
  /** PBS read their own neuron in order (no gather needed). */
  identity: boolean;
}

export interface LayerTiming {
  linear_s: number;
  pbs_s: number;
}

export interface EvaluateOptions {
  threads?: number;
  /** Called after each layer of each sample with its PBS outputs (progress, noise diagnostics). */
  onLayer?: (sample: number, layer: number, outputs: BigUint64Array) => void | Promise<void>;
}

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export class CircuitServer {
  private readonly prepared: PreparedLayer[];
  /** Accumulated time per layer since construction. */
  readonly timings: LayerTiming[];

  private constructor(
    readonly circuit: FheCircuit,
    private readonly key: LweServerKey<ShortintParameterSet>,
  ) {
    const n = circuit.params.polynomialSize;
    this.prepared = circuit.layers.map((l) => {
      const luts = new BigUint64Array(l.tables.length * n);
      l.tables.forEach((t, p) => {
        for (let i = 0; i < n; i++) luts[p * n + i] = (BigInt(t[i]) * l.outputScale) & MASK64;
      });
      return {
        layer: l,
        weights: BigInt64Array.from(l.weights, (w) => BigInt(w)),
        bias: BigUint64Array.from(l.bias),
        luts,
        identity: l.pbsNeuron.length === l.neurons && l.pbsNeuron.every((j, p) => j === p),
      };
    });
    this.timings = circuit.layers.map(() => ({ linear_s: 0, pbs_s: 0 }));
  }

  /** Load the circuit with evaluation keys; keys of another parameter set are refused. */
  static create(circuit: FheCircuit, keys: ShortintEvaluationKeys): CircuitServer {
    if (!sameParameters(keys.params, circuit.params)) {
      throw new WrongKeySetError(
        `the evaluation keys are for ${describeParameters(keys.params)}, circuit "${circuit.name}" needs ${describeParameters(circuit.params)}`,
      );
    }
    return new CircuitServer(circuit, LweServerKey.load(keys));
  }

  get lweSize(): number {
    return this.key.bigLweSize;
  }

  /** Bytes the evaluator holds for the keys. */
  get keyBytes(): number {
    return this.key.bytes;
  }

  /** Run on flat big-key LWEs, `samples` × inputCiphertexts; returns samples × outputCiphertexts LWEs. */
  async evaluate(inputs: BigUint64Array, samples: number, o: EvaluateOptions = {}): Promise<BigUint64Array> {
    const size = this.lweSize;
    const inCts = inputCiphertexts(this.circuit);
    if (inputs.length !== samples * inCts * size)
      throw new RangeError(`${samples} samples need ${samples * inCts} ciphertexts of ${size} words, got ${inputs.length} words`);
    const outCts = outputCiphertexts(this.circuit);
    const out = new BigUint64Array(samples * outCts * size);
    // A layer of PBS can take minutes: an interrupt (Ctrl-C, a kernel's) stops between layers.
    const scope = interruptScope();
    try {
      for (let s = 0; s < samples; s++) {
        let cur = inputs.subarray(s * inCts * size, (s + 1) * inCts * size);
        for (let k = 0; k < this.prepared.length; k++) {
          scope.throwIfInterrupted(`encrypted evaluation (sample ${s + 1} of ${samples}, layer ${k + 1} of ${this.prepared.length})`);
          const pl = this.prepared[k];
          let t0 = process.hrtime.bigint();
          const acc = await lweLinearCombination(cur, size, pl.weights, pl.bias, o.threads);
          this.timings[k].linear_s += seconds(t0);
          let reads = acc;
          if (!pl.identity) {
            // several PBS read one accumulator (output digits): one copy of it per PBS
            reads = new BigUint64Array(pl.layer.pbsNeuron.length * size);
            pl.layer.pbsNeuron.forEach((j, p) => reads.set(acc.subarray(j * size, (j + 1) * size), p * size));
          }
          t0 = process.hrtime.bigint();
          cur = await this.key.keyswitchBootstrap(reads, pl.luts, 0n, { threads: o.threads });
          this.timings[k].pbs_s += seconds(t0);
          await o.onLayer?.(s, k, cur);
        }
        out.set(cur, s * outCts * size);
      }
    } finally {
      scope.dispose();
    }
    return out;
  }

  /** Wire form: a ciphertext batch in, a ciphertext batch out (at most `maxSamples` samples). */
  async evaluateBatch(batch: Uint8Array, maxSamples: number, o: EvaluateOptions = {}): Promise<{ answer: Uint8Array; samples: number }> {
    const inCts = inputCiphertexts(this.circuit);
    const { lwes, count } = decodeBatch(batch, this.circuit.params, maxSamples * inCts);
    if (count % inCts) throw new RangeError(`${count} ciphertexts are not a whole number of samples (${inCts} per sample)`);
    const samples = count / inCts;
    const out = await this.evaluate(lwes, samples, o);
    return { answer: encodeBatch(out, this.circuit.params, this.circuit.params.messageModulus - 1), samples };
  }
}
