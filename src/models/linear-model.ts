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
 * The linear part Σ W·q is levelled (a linear combination of ciphertexts). With the default
 * readout 'levelled' there is no lookup: the client decrypts each accumulator and applies
 * bias, scale and head itself (levelled-readout.ts), as Concrete ML's linear models do.
 * With readout 'pbs' each output takes one table lookup (programmable bootstrapping) that
 * applies bias, scale and the head — requantized decision value, sigmoid, or the sign of a
 * binary classifier — through the project's compiler (src/fhe/tfhe/compile, unchanged).
 * Everything after decryption (argmax over classes, probabilities) is in the clear.
 *
 * One small base for the three models; the solvers (solvers.ts), the quantization
 * (linear-quantization.ts) and the JSON form (model-json.ts) are separate modules.
 */
import { compile as compileFhe, FheModel, Prediction } from '../fhe/tfhe/run/model';
import { CompileError } from '../fhe/tfhe/compile/options';
import { defaultCandidates, readParameterSet } from '../fhe/tfhe/compile/parameters';
import { pbsCount } from '../fhe/tfhe/compile/circuit';
import { QuantParams, dequantize } from '../quant/quantizer';
import { LinearHead, QuantizedLinear, quantizeLinear, quantizeRows } from './linear-quantization';
import { runQuantized } from '../quant/quantized-eval';
import { LinearSolution, oneVsRest } from './solvers';
import { LevelledModel, planLevelled } from './levelled-readout';
import { defaultParameterSetName } from '../fhe/tfhe/shortint/parameters';
import { checkX, checkY, classesOf } from './matrix-input';
import { checkClasses } from './model-json-checks';

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
   * Bits of the inputs and weights: a number (both), both given, or 'auto' (default): 8 with
   * the levelled readout; with 'pbs', the pair (2..8 each) whose quantized model agrees best
   * with the float model on the calibration rows among those that compile within the
   * read-error target. A PBS's N positions must hold the accumulator's calibrated range
   * (plus margin) at one position per value, and its read noise (about 5 positions) must
   * rarely move a read across a table step, so PBS readouts of wide models get fewer bits.
   */
  nBits?: number | BitWidths | 'auto';
  /**
   * 'levelled' (default): no lookup; the client decrypts each output's accumulator and
   * finishes in the clear (exact decoding, no table limit, so nBits 'auto' is 8 as in
   * Concrete ML; the client learns the accumulators, not only the class). 'pbs': one table
   * lookup per output on the server, so the client receives only the class (or the
   * sigmoid, or the requantized score); exact only up to the compiler's read-error target.
   */
  readout?: 'pbs' | 'levelled';
  /**
   * Bits of each output. Binary classifiers default to a one-bit sign (the class); a binary
   * LogisticRegression given outputBits > 1 ends in a sigmoid instead (encrypted
   * probabilities, at the cost of more table steps to read exactly). Other outputs default
   * to 8 bits, except multi-class scores read by PBS: 4 (one PBS per class at a 4-bit
   * message). The argmax over classes is taken after decryption, ties to the first class.
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
  readout: 'pbs' | 'levelled';
  nBits: BitWidths;
  /** nBits 'auto': agreement of the quantized model with the float one on the calibration rows. */
  calibrationAgreement?: number;
  outputBits: number;
  head: LinearHead;
  parameterSet: string;
  polynomialSize: number;
  pbsPerPrediction: number;
  accumulatorBits: number;
  /** 'pbs': the compiler's predicted read error (mean over reads and calibration rows); 'levelled': the decoding error bound. */
  predictedReadError: number;
  /** Bit-widths tried first that did not fit, and why. */
  rejected: { nBits: BitWidths; agreement?: number; reason: string }[];
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

/**
 * The compiler's read-error target for linear models: 0.003 (the compiler's own default is
 * 0.01). With one lookup per output, a wrong read is a wrong prediction; measured on
 * Spambase (logistic regression, 4-bit), 0.01 let 1 % of test rows differ from the clear
 * model under the noise model, 0.003 (N = 4096) 0.4 %.
 */
export const DEFAULT_P_ERROR = 0.003;

/** Fraction of equal labels (classifiers), or R² of p against the reference values. */
function agreementOf(p: number[], ref: number[], classifier: boolean): number {
  if (classifier) return p.filter((v, i) => v === ref[i]).length / p.length;
  const mean = ref.reduce((s, v) => s + v, 0) / ref.length;
  const tot = ref.reduce((s, v) => s + (v - mean) ** 2, 0);
  return 1 - p.reduce((s, v, i) => s + (v - ref[i]) ** 2, 0) / (tot || 1);
}

function rowsOf(flat: ArrayLike<number>, width: number): number[][] {
  return Array.from({ length: flat.length / width }, (_, i) => Array.from({ length: width }, (_, k) => flat[i * width + k]));
}

export abstract class LinearModel {
  abstract readonly kind: LinearKind;
  coef: number[][] | undefined;
  intercept: number[] | undefined;
  private compiled: { fhe?: FheModel; levelled?: LevelledModel; inputQuant: QuantParams[]; info: CompiledLinear } | undefined;

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
    const readout = o.readout ?? 'levelled';
    if (readout !== 'pbs' && readout !== 'levelled') throw new RangeError(`readout must be 'pbs' or 'levelled', got ${JSON.stringify(o.readout)}`);
    const head = this.head(o.outputBits);
    // levelled: the client finishes in the clear, so wider outputs cost nothing
    const outputBits = head === 'sign' ? 1 : (o.outputBits ?? (readout === 'levelled' ? 8 : this.defaultOutputBits()));
    const maxN = o.maxPolynomialSize ?? 4096;
    const candidates = o.candidates ?? defaultCandidates().filter((n) => readParameterSet(n).polynomialSize <= maxN);
    const nb = o.nBits ?? 'auto';
    const sol = { coef: this.coef as number[][], intercept: this.intercept as number[] };
    const quantizeWith = (bits: BitWidths) =>
      quantizeLinear(sol, xcal, { inputBits: bits.inputs, weightBits: bits.weights, outputBits, head, name: this.kind });
    if (readout === 'levelled') {
      const bits = nb === 'auto' ? { inputs: 8, weights: 8 } : typeof nb === 'number' ? { inputs: nb, weights: nb } : nb;
      const q = quantizeWith(bits);
      const plan = planLevelled(q.model, o.parameterSet ?? defaultParameterSetName(4));
      this.dispose();
      const info: CompiledLinear = {
        readout: 'levelled',
        nBits: bits,
        outputBits,
        head,
        parameterSet: plan.parameterSet,
        polynomialSize: plan.params.polynomialSize,
        pbsPerPrediction: 0,
        accumulatorBits: Math.ceil(Math.log2(plan.worstCaseAccumulator + 1)) + 1,
        predictedReadError: plan.decodeErrorBound,
        rejected: [],
      };
      this.compiled = { levelled: new LevelledModel(q.model, plan), inputQuant: q.inputQuant, info };
      return info;
    }
    const tries: { bits: BitWidths; agreement?: number }[] =
      nb === 'auto' ? this.rankBitWidths(xcal, quantizeWith) : [{ bits: typeof nb === 'number' ? { inputs: nb, weights: nb } : nb }];
    const rejected: CompiledLinear['rejected'] = [];
    for (const { bits, agreement } of tries) {
      const q = quantizeWith(bits);
      try {
        const fhe = compileFhe(q.model, quantizeRows(xcal, q.inputQuant), {
          candidates,
          parameterSet: o.parameterSet,
          pError: o.pError ?? DEFAULT_P_ERROR,
          margin: o.margin,
          name: this.kind,
        });
        this.dispose();
        const r = fhe.report;
        const info: CompiledLinear = {
          readout: 'pbs',
          nBits: bits,
          calibrationAgreement: agreement,
          outputBits,
          head,
          parameterSet: r.parameterSet,
          polynomialSize: r.polynomialSize,
          pbsPerPrediction: pbsCount(fhe.circuit),
          accumulatorBits: r.layers[0].accumulatorBits,
          predictedReadError: r.predictedReadError,
          rejected,
        };
        this.compiled = { fhe, inputQuant: q.inputQuant, info };
        return info;
      } catch (e) {
        if (!(e instanceof CompileError) || tries.length === 1) throw e;
        rejected.push({ nBits: bits, agreement, reason: e.message.slice(0, 300) });
      }
    }
    throw new CompileError(
      undefined,
      `no bit-widths from 2 to 8 fit: ${rejected.map((r) => `${r.nBits.inputs}/${r.nBits.weights} bits: ${r.reason}`).join('; ')}`,
    );
  }

  /**
   * nBits 'auto': every (input, weight) bit-width pair from 2 to 8, ranked by how well the
   * quantized model agrees with the float one on the calibration rows (same class, or R² to
   * the float predictions), fewer bits first among equals. Compile tries them in this order.
   */
  private rankBitWidths(xcal: number[][], quantizeWith: (b: BitWidths) => QuantizedLinear): { bits: BitWidths; agreement?: number }[] {
    const reference = this.predictFromOutputs({ values: this.decisionFunction(xcal) }, false);
    const ranked: { bits: BitWidths; agreement: number }[] = [];
    for (let inputs = 2; inputs <= 8; inputs++) {
      for (let weights = 2; weights <= 8; weights++) {
        const q = quantizeWith({ inputs, weights });
        const run = runQuantized(q.model, Int32Array.from(quantizeRows(xcal, q.inputQuant)), xcal.length);
        const width = q.model.layers[0].outputs;
        const p = this.predictFromOutputs({ values: rowsOf(run.values, width), levels: rowsOf(run.outputs, width) }, true);
        ranked.push({ bits: { inputs, weights }, agreement: agreementOf(p, reference, this instanceof LinearClassifier) });
      }
    }
    return ranked.sort((a, b) => b.agreement - a.agreement || a.bits.inputs + a.bits.weights - (b.bits.inputs + b.bits.weights));
  }

  /** The outputs of one predict call in the chosen mode. */
  async outputs(x: number[][], o: ModelPredictOptions = {}): Promise<LinearOutputs> {
    if (o.fhe === undefined) return { values: this.decisionFunction(x) };
    if (!this.compiled) throw new Error(`${this.kind}: fhe "${o.fhe}" needs compile(Xcal) first`);
    if (o.fhe !== 'disable' && o.fhe !== 'simulate' && o.fhe !== 'execute')
      throw new RangeError(`fhe must be 'disable', 'simulate' or 'execute', got ${JSON.stringify(o.fhe)}`);
    checkX(x, this.features);
    const { fhe, levelled, inputQuant } = this.compiled;
    const levels = quantizeRows(x, inputQuant);
    if (fhe) {
      const prediction = await fhe.predict(levels, { fhe: o.fhe, noise: o.noise, seed: o.seed, threads: o.threads, onSample: o.onSample });
      const width = prediction.features;
      return { values: rowsOf(prediction.values, width), levels: rowsOf(prediction.levels, width), prediction };
    }
    const lv = levelled as LevelledModel;
    const out = lv.model.layers[0].output;
    const width = lv.plan.outputs;
    let outputs: Int32Array;
    let prediction: Prediction | undefined;
    if (o.fhe === 'execute') {
      const r = await lv.execute(levels, x.length, { threads: o.threads, onSample: o.onSample });
      outputs = r.outputs;
      prediction = {
        mode: 'execute',
        count: x.length,
        features: width,
        levels: outputs,
        values: Float32Array.from(outputs, (v) => dequantize(v, out)),
        times: { ...r.times, server_load_s: 0 },
      };
    } else {
      const q = Int32Array.from(levels);
      outputs = o.fhe === 'disable' ? runQuantized(lv.model, q, x.length).outputs : lv.simulate(q, x.length, { noise: o.noise, seed: o.seed });
    }
    return {
      values: rowsOf(
        Float32Array.from(outputs, (v) => dequantize(v, out)),
        width,
      ),
      levels: rowsOf(outputs, width),
      prediction,
    };
  }

  /** predict's post-processing of outputs already computed (e.g. an encrypted run's): labels or values per row. */
  abstract predictFromOutputs(out: LinearOutputs, quantized: boolean): number[];

  async predict(x: number[][], o: ModelPredictOptions = {}): Promise<number[]> {
    return this.predictFromOutputs(await this.outputs(x, o), o.fhe !== undefined);
  }

  abstract score(x: number[][], y: number[], o?: ModelPredictOptions): Promise<number>;

  /** Frees the client keys of an executed session (the compiled circuit stays). */
  dispose(): void {
    this.compiled?.fhe?.dispose();
    this.compiled?.levelled?.dispose();
  }
}

/** Classifiers: labels from classes, accuracy as the score. */
export abstract class LinearClassifier extends LinearModel {
  classes: number[] | undefined;

  protected classesOrThrow(): number[] {
    if (!this.classes) throw new Error(`${this.kind}: not fitted`);
    return this.classes;
  }

  /**
   * Weights trained elsewhere with their class labels: one coef row per class, or for two
   * classes one row (the second class's decision, as scikit-learn's coef_).
   */
  setClassWeights(coef: number[][], intercept: number[], classes: number[]): this {
    const c = checkClasses(classes);
    const rows = c.length === 2 ? 1 : c.length;
    if (!Array.isArray(coef) || coef.length !== rows) throw new RangeError(`${c.length} classes need ${rows} coef rows, got ${coef?.length}`);
    this.setWeights(coef, intercept);
    this.classes = c.slice();
    return this;
  }

  /** The predicted class per row, from float decisions or circuit outputs. */
  predictFromOutputs(out: LinearOutputs, quantized: boolean): number[] {
    const classes = this.classesOrThrow();
    const binary = classes.length === 2;
    return out.values.map((v, i) => {
      if (binary) {
        // float: decision > 0; sign / sigmoid heads: output ≥ 1/2 (their level grid never sits on 1/2 exactly)
        return classes[(quantized ? v[0] > 0.5 : v[0] > 0) ? 1 : 0];
      }
      const row = quantized ? (out.levels as number[][])[i] : v;
      let best = 0;
      for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
      return classes[best];
    });
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
    return 4;
  }
}

/** A binary solver of a C-regularized objective: coefficients and intercept for one "positive" class. */
export type BinarySolver = (x: number[][], positive: boolean[], c: number) => { coef: number[]; intercept: number };

/** A classifier fitted one-vs-rest by a C-regularized binary solver (LogisticRegression, LinearSVC). */
export abstract class RegularizedLinearClassifier extends LinearClassifier {
  constructor(
    private readonly binary: BinarySolver,
    readonly options: { C?: number } = {},
  ) {
    super();
    const c = options.C ?? 1;
    if (!(c > 0) || !Number.isFinite(c)) throw new RangeError(`C must be a positive number, got ${c}`);
  }

  protected solve(x: number[][], y: number[]): LinearSolution {
    checkX(x);
    checkY(y, x.length);
    this.classes = classesOf(y);
    return oneVsRest(x, y, this.classes, this.binary, this.options.C ?? 1);
  }
}
