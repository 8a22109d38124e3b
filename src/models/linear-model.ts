/**
 * The scikit-learn-style linear models (Concrete ML's workflow): `fit(X, y)` in the clear,
 * `compile(Xcal, { nBits })`, then `predict(X, { fhe })` with
 *
 *   fhe omitted   the float model (scikit-learn's own predict)
 *   'disable'     the quantized model in the clear (integers; what FHE must reproduce)
 *   'simulate'    the compiled circuit in the clear, at the positions the encrypted run reads
 *   'execute'     encrypted: tfhe keys at the client, the circuit at a server holding only
 *                 evaluation keys (src/fhe/tfhe/run/model.ts)
 *
 * The linear part Σ W·q is levelled (a linear combination of ciphertexts); each output then
 * takes one table lookup (programmable bootstrapping) that applies bias, scale and the
 * head — requantized decision value, sigmoid, or the sign of a binary classifier.
 * Everything after decryption (argmax over classes, probabilities) is in the clear.
 *
 * One small base for the three models; the solvers (solvers.ts), the quantization
 * (linear-quantization.ts) and the JSON form (model-json.ts) are separate modules.
 */
import { compile as compileFhe, FheModel, Prediction } from '../fhe/tfhe/run/model';
import { CompileError } from '../fhe/tfhe/compile/options';
import { defaultCandidates, readParameterSet } from '../fhe/tfhe/compile/parameters';
import { pbsCount } from '../fhe/tfhe/compile/circuit';
import { QuantParams } from '../quant/quantizer';
import { LinearHead, quantizeLinear, quantizeRows } from './linear-quantization';
import { LinearSolution } from './solvers';
import { checkX, checkY } from './matrix-input';

export type FheOption = 'disable' | 'simulate' | 'execute';

export interface ModelPredictOptions {
  /** Omitted: the float model. */
  fhe?: FheOption;
  /** simulate: add the noise model's read noise (seeded). */
  noise?: boolean;
  seed?: number;
  /** execute: native threads. */
  threads?: number;
  /** execute: after each encrypted row. */
  onSample?: (done: number, total: number) => void | Promise<void>;
}

export interface BitWidths {
  inputs: number;
  weights: number;
}

export interface LinearCompileOptions {
  /**
   * Bits of the inputs and weights: a number (both), both given, or 'auto' (default): the
   * largest n ≤ 8 for both whose accumulator fits a table of the candidate sets. Concrete
   * ML's default is 8, where its levelled linear models decrypt the accumulator directly;
   * here each output is read by a PBS whose N positions must hold the accumulator's
   * calibrated range (plus margin) at one position per value, so wide models get fewer bits.
   */
  nBits?: number | BitWidths | 'auto';
  /**
   * Bits of each output. Binary classifiers default to a one-bit sign (the class); a binary
   * LogisticRegression given outputBits > 1 ends in a sigmoid instead (encrypted
   * probabilities, at the cost of more table steps to read exactly). Others: default 8.
   */
  outputBits?: number;
  /** Largest polynomial size N among the default candidate sets (default 4096: a PBS of tens of ms). */
  maxPolynomialSize?: number;
  /** Passed to the compiler (src/fhe/tfhe/compile/options.ts). */
  pError?: number;
  parameterSet?: string;
  candidates?: string[];
  margin?: number;
}

export interface CompiledLinear {
  nBits: BitWidths;
  outputBits: number;
  head: LinearHead;
  parameterSet: string;
  polynomialSize: number;
  pbsPerPrediction: number;
  accumulatorBits: number;
  /** Bit-widths tried first that did not fit, and why. */
  rejected: { nBits: number; reason: string }[];
}

/** Outputs per row for one predict call, and the encrypted run's record. */
export interface LinearOutputs {
  /** [rows × outputs]: float decision values (no fhe) or the circuit's dequantized outputs. */
  values: number[][];
  /** The circuit's output levels, [rows × outputs] (quantized modes). */
  levels?: number[][];
  prediction?: Prediction;
}

export type LinearKind = 'linear-regression' | 'logistic-regression' | 'linear-svc';

function rowsOf(flat: ArrayLike<number>, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, i) => Array.from({ length: width }, (_, k) => flat[i * width + k]));
}

export abstract class LinearModel {
  abstract readonly kind: LinearKind;
  coef: number[][] | undefined;
  intercept: number[] | undefined;
  private compiled: { fhe: FheModel; inputQuant: QuantParams[]; info: CompiledLinear } | undefined;

  protected abstract solve(x: number[][], y: number[]): LinearSolution;
  /** The lookup at the end of the circuit, given the outputBits asked for. */
  protected abstract head(outputBits: number | undefined): LinearHead;
  protected abstract defaultOutputBits(): number;

  get features(): number {
    if (!this.coef) throw new Error(`${this.kind}: not fitted (call fit or load weights first)`);
    return this.coef[0].length;
  }

  fit(x: number[][], y: number[]): this {
    const f = checkX(x);
    checkY(y, x.length);
    const s = this.solve(x, y);
    this.setWeights(s.coef, s.intercept);
    if (this.coef?.[0].length !== f) throw new Error('solver returned the wrong width');
    return this;
  }

  /** Set trained weights ([outputs × features], [outputs]); a compiled circuit is dropped. */
  setWeights(coef: number[][], intercept: number[]): this {
    if (!Array.isArray(coef) || coef.length === 0) throw new TypeError('coef must be a non-empty [outputs × features] array');
    checkX(coef, undefined, 'coef');
    if (!Array.isArray(intercept) || intercept.length !== coef.length || !intercept.every(Number.isFinite))
      throw new RangeError(`intercept needs ${coef.length} finite values, got ${JSON.stringify(intercept)}`);
    this.coef = coef.map((r) => r.slice());
    this.intercept = intercept.slice();
    this.dispose();
    this.compiled = undefined;
    return this;
  }

  /** Float decision values [rows × outputs]: w·x + b. */
  decisionFunction(x: number[][]): number[][] {
    const f = this.features;
    checkX(x, f);
    const coef = this.coef as number[][];
    const b = this.intercept as number[];
    return x.map((r) => coef.map((w, k) => w.reduce((s, wj, j) => s + wj * r[j], b[k])));
  }

  get compileInfo(): CompiledLinear | undefined {
    return this.compiled?.info;
  }

  get fheModel(): FheModel | undefined {
    return this.compiled?.fhe;
  }

  /** Quantize with calibration rows `xcal` and compile for FHE (see LinearCompileOptions). */
  compile(xcal: number[][], o: LinearCompileOptions = {}): CompiledLinear {
    const f = this.features;
    checkX(xcal, f, 'Xcal');
    const head = this.head(o.outputBits);
    const outputBits = head === 'sign' ? 1 : (o.outputBits ?? this.defaultOutputBits());
    const maxN = o.maxPolynomialSize ?? 4096;
    const candidates = o.candidates ?? defaultCandidates().filter((n) => readParameterSet(n).polynomialSize <= maxN);
    const nb = o.nBits ?? 'auto';
    const tries: BitWidths[] =
      nb === 'auto' ? [8, 7, 6, 5, 4, 3, 2].map((n) => ({ inputs: n, weights: n })) : typeof nb === 'number' ? [{ inputs: nb, weights: nb }] : [nb];
    const rejected: { nBits: number; reason: string }[] = [];
    const sol = { coef: this.coef as number[][], intercept: this.intercept as number[] };
    for (const bits of tries) {
      const q = quantizeLinear(sol, xcal, { inputBits: bits.inputs, weightBits: bits.weights, outputBits, head, name: this.kind });
      try {
        const fhe = compileFhe(q.model, quantizeRows(xcal, q.inputQuant), {
          candidates,
          parameterSet: o.parameterSet,
          pError: o.pError,
          margin: o.margin,
          name: this.kind,
        });
        this.dispose();
        const r = fhe.report;
        const info: CompiledLinear = {
          nBits: bits,
          outputBits,
          head,
          parameterSet: r.parameterSet,
          polynomialSize: r.polynomialSize,
          pbsPerPrediction: pbsCount(fhe.circuit),
          accumulatorBits: r.layers[0].accumulatorBits,
          rejected,
        };
        this.compiled = { fhe, inputQuant: q.inputQuant, info };
        return info;
      } catch (e) {
        if (!(e instanceof CompileError) || tries.length === 1) throw e;
        rejected.push({ nBits: bits.inputs, reason: e.message.slice(0, 300) });
      }
    }
    throw new CompileError(undefined, `no bit-width from 8 to 2 fits: ${rejected.map((r) => `${r.nBits} bits: ${r.reason}`).join('; ')}`);
  }

  /** The outputs of one predict call in the chosen mode. */
  async outputs(x: number[][], o: ModelPredictOptions = {}): Promise<LinearOutputs> {
    if (o.fhe === undefined) return { values: this.decisionFunction(x) };
    if (!this.compiled) throw new Error(`${this.kind}: fhe "${o.fhe}" needs compile(Xcal) first`);
    checkX(x, this.features);
    const { fhe, inputQuant } = this.compiled;
    const prediction = await fhe.predict(quantizeRows(x, inputQuant), { fhe: o.fhe, noise: o.noise, seed: o.seed, threads: o.threads, onSample: o.onSample });
    const width = prediction.features;
    return { values: rowsOf(prediction.values, width), levels: rowsOf(prediction.levels, width), prediction };
  }

  abstract predict(x: number[][], o?: ModelPredictOptions): Promise<number[]>;
  abstract score(x: number[][], y: number[], o?: ModelPredictOptions): Promise<number>;

  /** Frees the client keys of an executed session (the compiled circuit stays). */
  dispose(): void {
    this.compiled?.fhe.dispose();
  }
}

/** Classifiers: labels from classes, accuracy as the score. */
export abstract class LinearClassifier extends LinearModel {
  classes: number[] | undefined;

  protected classesOrThrow(): number[] {
    if (!this.classes) throw new Error(`${this.kind}: not fitted`);
    return this.classes;
  }

  /** Index of the predicted class per row, from float decisions or circuit outputs. */
  protected classIndex(out: LinearOutputs, quantized: boolean): number[] {
    const binary = this.classesOrThrow().length === 2;
    return out.values.map((v, i) => {
      if (binary) {
        // float: decision > 0; sign / sigmoid heads: output ≥ 1/2 (their level grid never sits on 1/2 exactly)
        return quantized ? (v[0] > 0.5 ? 1 : 0) : v[0] > 0 ? 1 : 0;
      }
      const row = quantized ? (out.levels as number[][])[i] : v;
      let best = 0;
      for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
      return best;
    });
  }

  async predict(x: number[][], o: ModelPredictOptions = {}): Promise<number[]> {
    const classes = this.classesOrThrow();
    return this.classIndex(await this.outputs(x, o), o.fhe !== undefined).map((k) => classes[k]);
  }

  async score(x: number[][], y: number[], o: ModelPredictOptions = {}): Promise<number> {
    checkY(y, x.length);
    const p = await this.predict(x, o);
    return p.filter((v, i) => v === y[i]).length / y.length;
  }

  protected override head(_outputBits: number | undefined): LinearHead {
    return this.classesOrThrow().length === 2 ? 'sign' : 'linear';
  }

  protected override defaultOutputBits(): number {
    return 8;
  }
}
