/**
 * SGDClassifier: binary logistic regression by mini-batch SGD, with training on encrypted
 * data (Concrete ML's `SGDClassifier(fit_encrypted=True)`, here on the project's TFHE
 * evaluator). `fit(X, y, { fheTraining })`:
 *
 *   omitted     float SGD in the clear on the same batches and learning rate (the reference)
 *   'disable'   the quantized integer program in the clear (encrypted-sgd/integer-step.ts)
 *   'simulate'  the same program; with `noise: true` every read also gets the noise
 *               model's read noise (seeded), which predicts how often execute's coarse
 *               reads land one table step off
 *   'execute'   encrypted: the client (tfhe's secret key) encrypts every batch and the
 *               initial weights, a server holding only the evaluation-key file runs all the
 *               iterations on ciphertexts, the client decrypts the final weights once
 *
 * Setting (plan.ts): features min-max scaled on the training rows to [0, 1] and quantized
 * to 5 bits, weights 6 bits in [−weightRange, weightRange), sigmoid level and error 5 bits,
 * batches of 8 rows drawn without replacement by a seeded generator, weights start at 0.
 * Concrete ML quantizes data, weights, gradients and error to 6 bits; here the data get 5
 * because a product's read of x + w must fit N = 4096 positions at ≥ 32 positions per value
 * (6 + 6 bits would leave 32 per value and a 1e-3 read error; 5 + 6 bits, 43 and 1e-5).
 * Each iteration costs 2·B·(d+1) + 3·(d+1) + 2·B programmable bootstrappings (d features).
 *
 * The fitted model predicts in the clear from the decrypted weights (as Concrete ML's
 * does); `toLogisticRegression()` gives the same model as a LogisticRegression on the
 * unscaled features, to compile and predict with fhe like the other linear models.
 */
import { checkX, checkY, classesOf } from './matrix-input';
import { LogisticRegression } from './logistic-regression';
import { SgdBits, SgdPlan, planSgd, sigmoid } from './encrypted-sgd/plan';
import { SgdBatch, SgdReadNoise, integerStep } from './encrypted-sgd/integer-step';
import { SgdClient } from './encrypted-sgd/client';
import { SgdServer } from './encrypted-sgd/server';
import { readNoiseStd, pbsOutputVariance, freshEncryptionVariance } from '../fhe/tfhe/compile/noise';
import { SeededRng } from '../util/rng';
import { requirePositiveInteger } from '../util/checks';

export type FheTraining = 'disable' | 'simulate' | 'execute';

export interface SGDClassifierOptions {
  /** Iterations (batches); default 200. */
  maxIter?: number;
  /** Rows per batch; default 8, as Concrete ML. */
  batchSize?: number;
  /** Float learning rate (rounded to the plan's integer divisor; see trainingReport.learningRate). Default 1. */
  learningRate?: number;
  /** Weights (and intercept) live in [−weightRange, weightRange); default 4. */
  weightRange?: number;
  bits?: Partial<SgdBits>;
  /** Seed of the batch sampler; default 0. */
  seed?: number;
  parameterSet?: string;
}

export interface SgdFitOptions {
  fheTraining?: FheTraining;
  /** simulate: add the read-noise model (seeded by noiseSeed, default 0). */
  noise?: boolean;
  noiseSeed?: number;
  /** execute: native threads. */
  threads?: number;
  /** after each iteration, with the weight levels where the mode has them in the clear (not execute) */
  onIteration?: (iteration: number, levels: Int32Array | undefined) => void | Promise<void>;
}

export interface SgdTrainingReport {
  mode: FheTraining | 'float';
  iterations: number;
  learningRate: number;
  pbsPerIteration: number;
  /** final weight levels (bias last); quantized modes */
  levels?: Int32Array;
  /** execute: client key generation + evaluation keys, seconds */
  keygenSeconds?: number;
  /** execute: the server's wall seconds per iteration */
  serverSecondsPerIteration?: number[];
  /** execute: the server's process CPU seconds per iteration */
  serverCpuSecondsPerIteration?: number[];
  /** execute: client encryption of all batches, seconds */
  encryptSeconds?: number;
}

export class SGDClassifier {
  readonly options: Required<Omit<SGDClassifierOptions, 'bits' | 'parameterSet'>> & Pick<SGDClassifierOptions, 'bits' | 'parameterSet'>;
  classes: number[] | undefined;
  /** [1 × features] on the unscaled features, and the intercept (scikit-learn's coef_, intercept_) */
  coef: number[][] | undefined;
  intercept: number[] | undefined;
  trainingReport: SgdTrainingReport | undefined;
  private scaling: { min: number[]; span: number[] } | undefined;

  constructor(options: SGDClassifierOptions = {}) {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SGDClassifierOptions;
    const o = { maxIter: 200, batchSize: 8, learningRate: 1, weightRange: 4, seed: 0, ...given };
    requirePositiveInteger(o.maxIter, 'maxIter');
    if (!Number.isFinite(o.seed)) throw new RangeError(`seed must be a finite number, got ${o.seed}`);
    this.options = o;
  }

  /** The plan of the encrypted step for `features` features. */
  plan(features: number): SgdPlan {
    const o = this.options;
    return planSgd({ features, batchSize: o.batchSize, learningRate: o.learningRate, weightRange: o.weightRange, bits: o.bits, parameterSet: o.parameterSet });
  }

  /** The batches' row indices: batchSize distinct rows per iteration, seeded. */
  batchRows(rows: number): number[][] {
    const { batchSize, maxIter, seed } = this.options;
    if (rows < batchSize) throw new RangeError(`${rows} training rows are fewer than the batch size ${batchSize}`);
    const rng = new SeededRng(seed);
    return Array.from({ length: maxIter }, () => Array.from(rng.permutation(rows).subarray(0, batchSize)));
  }

  async fit(x: number[][], y: number[], o: SgdFitOptions = {}): Promise<this> {
    const f = checkX(x);
    checkY(y, x.length);
    const classes = classesOf(y);
    if (classes.length !== 2) throw new RangeError(`SGDClassifier is binary: y has ${classes.length} classes (${classes.join(', ')})`);
    const mode = o.fheTraining;
    if (mode !== undefined && mode !== 'disable' && mode !== 'simulate' && mode !== 'execute')
      throw new RangeError(`fheTraining must be 'disable', 'simulate' or 'execute', got ${JSON.stringify(mode)}`);
    if (o.noise && mode !== 'simulate') throw new RangeError(`noise applies to fheTraining 'simulate' only, got ${JSON.stringify(mode)}`);
    // min-max scaling on the training rows (the client's preprocessing, in the clear)
    const min = Array.from({ length: f }, (_, j) => Math.min(...x.map((r) => r[j])));
    const span = Array.from({ length: f }, (_, j) => Math.max(...x.map((r) => r[j])) - min[j] || 1);
    this.scaling = { min, span };
    const scaled = x.map((r) => r.map((v, j) => (v - min[j]) / span[j]));
    const labels = y.map((v) => (v === classes[1] ? 1 : 0));
    const plan = this.plan(f);
    const batches = this.batchRows(x.length);
    let weights: number[];
    if (mode === undefined) {
      weights = await this.fitFloat(plan, scaled, labels, batches, o);
      this.trainingReport = { mode: 'float', iterations: batches.length, learningRate: plan.learningRateUsed, pbsPerIteration: 0 };
    } else {
      const xq = scaled.map((r) => [...r.map((v) => Math.min(plan.xMax, Math.max(0, Math.round(v * plan.xMax)))), plan.xMax]);
      // the update's dither (plan.ts): seeded, it needs no secrecy
      const dither = new SeededRng(this.options.seed + 1);
      const quantBatches: SgdBatch[] = batches.map((rows) => ({
        x: Int32Array.from(rows.flatMap((i) => xq[i])),
        y: Int32Array.from(rows, (i) => labels[i]),
        dither: Int32Array.from({ length: plan.width }, () => Math.floor(dither.next() * plan.k)),
      }));
      const report: SgdTrainingReport = { mode, iterations: batches.length, learningRate: plan.learningRateUsed, pbsPerIteration: plan.pbsPerIteration };
      const levels = mode === 'execute' ? await this.fitEncrypted(plan, quantBatches, o, report) : await this.fitInteger(plan, quantBatches, o);
      report.levels = levels;
      this.trainingReport = report;
      weights = Array.from(levels, (v) => v * plan.weightScale);
    }
    // back to the unscaled features: w·(x − min)/span + b
    const coef = weights.slice(0, f).map((w, j) => w / span[j]);
    this.coef = [coef];
    this.intercept = [weights[f] - coef.reduce((s, c, j) => s + c * min[j], 0)];
    this.classes = classes;
    return this;
  }

  private async fitFloat(plan: SgdPlan, x: number[][], y: number[], batches: number[][], o: SgdFitOptions): Promise<number[]> {
    const w = new Array<number>(plan.width).fill(0);
    const eta = plan.learningRateUsed / plan.batchSize;
    for (const [it, rows] of batches.entries()) {
      const grad = new Array<number>(plan.width).fill(0);
      for (const i of rows) {
        const xi = [...x[i], 1];
        const err = sigmoid(xi.reduce((s, v, j) => s + v * w[j], 0)) - y[i];
        xi.forEach((v, j) => (grad[j] += v * err));
      }
      grad.forEach((g, j) => (w[j] -= eta * g));
      await o.onIteration?.(it + 1, undefined);
    }
    return w;
  }

  /** The read noise of each kind of read, in positions (compile/noise.ts's model). */
  static readNoise(plan: SgdPlan): SgdReadNoise {
    const pbs = pbsOutputVariance(plan.params);
    const fresh = freshEncryptionVariance(plan.params);
    return {
      exact: readNoiseStd(plan.params, pbs + fresh),
      sigmoid: readNoiseStd(plan.params, 2 * plan.width * pbs + fresh),
      update: readNoiseStd(plan.params, (2 * plan.batchSize + 1) * pbs + fresh),
    };
  }

  private async fitInteger(plan: SgdPlan, batches: SgdBatch[], o: SgdFitOptions): Promise<Int32Array> {
    const noise = o.noise ? { std: SGDClassifier.readNoise(plan), rng: new SeededRng(o.noiseSeed ?? 0) } : undefined;
    let w: Int32Array = new Int32Array(plan.width);
    for (const [it, b] of batches.entries()) {
      w = integerStep(plan, w, b, { noise }).weights;
      await o.onIteration?.(it + 1, w);
    }
    return w;
  }

  private async fitEncrypted(plan: SgdPlan, batches: SgdBatch[], o: SgdFitOptions, report: SgdTrainingReport): Promise<Int32Array> {
    let t0 = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - t0) / 1e9;
    const client = SgdClient.create(plan);
    try {
      const keyFile = await client.evaluationKeyFile(o.threads);
      report.keygenSeconds = seconds();
      const server = SgdServer.fromKeyFile(plan, keyFile);
      t0 = process.hrtime.bigint();
      let weights = await client.encryptWeights(new Int32Array(plan.width));
      const encrypted = [];
      for (const b of batches) encrypted.push(await client.encryptBatch(b));
      report.encryptSeconds = seconds();
      report.serverSecondsPerIteration = [];
      report.serverCpuSecondsPerIteration = [];
      for (const [it, b] of encrypted.entries()) {
        const step = await server.step(weights, b, o.threads);
        weights = step.weights;
        report.serverSecondsPerIteration.push(step.seconds);
        report.serverCpuSecondsPerIteration.push(step.cpuSeconds);
        await o.onIteration?.(it + 1, undefined);
      }
      return client.decryptWeights(weights);
    } finally {
      client.dispose();
    }
  }

  private fitted(): { coef: number[]; intercept: number; classes: number[] } {
    if (!this.coef || !this.intercept || !this.classes) throw new Error('SGDClassifier: not fitted (call fit first)');
    return { coef: this.coef[0], intercept: this.intercept[0], classes: this.classes };
  }

  decisionFunction(x: number[][]): number[] {
    const { coef, intercept } = this.fitted();
    checkX(x, coef.length);
    return x.map((r) => r.reduce((s, v, j) => s + v * coef[j], intercept));
  }

  predictProba(x: number[][]): number[][] {
    return this.decisionFunction(x).map((z) => [1 - sigmoid(z), sigmoid(z)]);
  }

  predict(x: number[][]): number[] {
    const { classes } = this.fitted();
    return this.decisionFunction(x).map((z) => classes[z > 0 ? 1 : 0]);
  }

  score(x: number[][], y: number[]): number {
    checkY(y, x.length);
    const p = this.predict(x);
    return p.filter((v, i) => v === y[i]).length / y.length;
  }

  /** The fitted weights as a LogisticRegression (same decision function), to compile for FHE inference. */
  toLogisticRegression(): LogisticRegression {
    const { coef, intercept, classes } = this.fitted();
    const m = new LogisticRegression();
    m.classes = classes.slice();
    return m.setWeights([coef], [intercept]);
  }
}
