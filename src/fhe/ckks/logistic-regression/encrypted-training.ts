/**
 * Encrypted logistic-regression training (TenSEAL's Tutorial 1) on packed ciphertexts (packing.ts),
 * in the two roles of a deployment:
 * - the data party (`LogisticDataParty`) holds the secret key, encrypts the training set and the
 *   initial model, and refreshes the model after each epoch;
 * - the compute party (`EncryptedLogisticTrainer`) holds only evaluation keys and runs the epochs.
 *
 * Levels per epoch (L = top level, 6 with TenSEAL's [40, 21×6, 40]):
 *   X ⊙ W: L−1 · σ̃ (depth 2): L−3 · − y: L−3 · mask: L−4 · × X: L−5 · gradient × α/m and
 *   W·(1 − decay): L−6 · W' = difference, at level 0.
 * Scales: inputs at Δ = 2^21; from σ̃ on, the working scale 2^(bits(q0) − 10) = 2^30 (the largest
 * that leaves |values| < 512 at level 0). The absolute error of a CKKS value is about (rounding
 * noise)/scale, so the higher scale keeps the small intermediates precise: the cubic's term
 * −0.004·z·z² at scale 2^21 alone costs up to 0.1 on [−5, 5] (measured), at 2^30 7e-4.
 * Depth 6, all the parameters have, as in TenSEAL. Folding α/m into the mask would save a level,
 * but at scale 2^21 a ciphertext carries an absolute error of about 1e-2, which then swamps
 * (σ̃ − y)/m (measured at m = 256: error 3× the signal); scaling the summed gradient keeps it small.
 * CKKS has no bootstrapping in SEAL, so the updated model cannot go through another epoch: the
 * data party decrypts and re-encrypts it (a fresh ciphertext at level L), as TenSEAL's tutorial
 * does — which also means the data party sees the model after every epoch.
 */
import type { CkksContext } from '../context';
import type { CipherText } from '../seal';
import type { CkksEvaluationKeys, CkksKeySet } from '../keys';
import { CkksEncryptor } from '../encryptor';
import { CkksDecryptor } from '../decryptor';
import { multiply, multiplyPlain, multiplyConstant } from '../multiply';
import { sub, addInPlace } from '../add';
import { modSwitchTo } from '../levels';
import { rotateAndSum } from '../rotate-and-sum';
import { evaluatePolynomial, polynomialDepth, degreeOf } from '../polynomial';
import { withScope } from '../scope';
import { type LogisticModel, type TrainingOptions, TENSEAL_TRAINING, checkTrainingData } from './model';
import { type Packing, packing, packRows, packLabels, packModel, unpackModel, blockStarts, decayVector } from './packing';
import { requirePositiveInteger } from '../../../util/checks';

type TrainingSettings = Required<Omit<TrainingOptions, 'epochs'>>;

/** Levels of one epoch, from the context's top level and the sigmoid's depth. */
export interface EpochLevels {
  input: number;
  /** where σ̃(z) lands, and where y is encrypted */
  sigmoid: number;
  /** where the updated model lands */
  output: number;
  /** multiplicative depth of an epoch */
  depth: number;
  /** scale of σ̃(z), y and everything after */
  workingScale: number;
}

export function epochLevels(ctx: CkksContext, sigmoid: readonly number[]): EpochLevels {
  const input = ctx.topLevel;
  const s = input - 1 - polynomialDepth(degreeOf(sigmoid));
  const depth = input - (s - 3);
  if (s - 3 < 0)
    throw new RangeError(
      `an epoch needs depth ${depth} (product, sigmoid of depth ${polynomialDepth(degreeOf(sigmoid))}, mask, gradient product, step size); the parameters allow ${ctx.topLevel}`,
    );
  const workingScale = 2 ** Math.max(ctx.parameters.scaleBits, ctx.parameters.coeffModulusBits[0] - 10);
  return { input, sigmoid: s, output: s - 3, depth, workingScale };
}

/** The training set as the compute party receives it. */
export interface EncryptedTrainingSet {
  rows: number;
  features: number;
  x: CipherText[];
  y: CipherText[];
  delete(): void;
}

/** The data party: secret key, encryption, refresh. */
export class LogisticDataParty {
  readonly packing: Packing;
  private readonly enc: CkksEncryptor;
  private readonly dec: CkksDecryptor;
  readonly settings: TrainingSettings;

  constructor(
    private readonly ctx: CkksContext,
    keys: CkksKeySet,
    features: number,
    options: Omit<TrainingOptions, 'epochs'> = {},
  ) {
    this.packing = packing(features, ctx.slotCount);
    this.settings = { ...TENSEAL_TRAINING, ...options };
    epochLevels(ctx, this.settings.sigmoid);
    this.enc = new CkksEncryptor(ctx, keys.publicKey);
    this.dec = new CkksDecryptor(ctx, keys.secretKey);
  }

  encryptTrainingSet(x: readonly number[][], y: readonly number[]): EncryptedTrainingSet {
    const f = checkTrainingData(x, y);
    if (f !== this.packing.features) throw new RangeError(`data has ${f} features, the model ${this.packing.features}`);
    const levels = epochLevels(this.ctx, this.settings.sigmoid);
    const xs: CipherText[] = [];
    const ys: CipherText[] = [];
    const set: EncryptedTrainingSet = {
      rows: x.length,
      features: f,
      x: xs,
      y: ys,
      delete() {
        for (const c of [...xs, ...ys]) c.delete();
        xs.length = 0;
        ys.length = 0;
      },
    };
    try {
      for (const v of packRows(this.packing, x)) xs.push(this.enc.encrypt(v));
      // y meets σ̃(z) at its level and scale: encrypt it there.
      for (const v of packLabels(this.packing, y)) ys.push(this.enc.encrypt(v, { level: levels.sigmoid, scale: levels.workingScale }));
      return set;
    } catch (e) {
      set.delete();
      throw e;
    }
  }

  /** 0/1 labels alone, at the level and scale where they meet σ̃(z) (one head of one-vs-rest). */
  encryptLabels(y: readonly number[]): CipherText[] {
    y.forEach((v, i) => {
      if (v !== 0 && v !== 1) throw new RangeError(`label ${i} is ${v}, expected 0 or 1`);
    });
    const levels = epochLevels(this.ctx, this.settings.sigmoid);
    const out: CipherText[] = [];
    try {
      for (const v of packLabels(this.packing, y)) out.push(this.enc.encrypt(v, { level: levels.sigmoid, scale: levels.workingScale }));
      return out;
    } catch (e) {
      for (const c of out) c.delete();
      throw e;
    }
  }

  /**
   * Test rows for encrypted inference (the same packing, no labels), at the working scale rather
   * than the inputs' 2^21: each rotation of rotate-and-sum adds an error that does not depend on
   * the message or the keys and falls mostly on a few slots, slot 0 first (SEAL's CKKS; measured
   * ~0.1 per rotation at slot 0 against a median 1.5e-3, at scale 2^21). At 2^21 that put up to
   * 0.9 on row 0's logit; at 2^30 the same absolute error is 2^9 times smaller.
   */
  encryptRows(x: readonly number[][]): CipherText[] {
    const scale = epochLevels(this.ctx, this.settings.sigmoid).workingScale;
    const out: CipherText[] = [];
    try {
      for (const v of packRows(this.packing, x)) out.push(this.enc.encrypt(v, { scale }));
      return out;
    } catch (e) {
      for (const c of out) c.delete();
      throw e;
    }
  }

  encryptModel(model: LogisticModel): CipherText {
    return this.enc.encrypt(packModel(this.packing, model));
  }

  decryptModel(ct: CipherText): LogisticModel {
    return unpackModel(this.packing, this.dec.decrypt(ct, this.packing.block));
  }

  /** Decrypts and re-encrypts the model (the stand-in for bootstrapping); the caller owns both. */
  refresh(ct: CipherText): { model: LogisticModel; ciphertext: CipherText } {
    const model = this.decryptModel(ct);
    return { model, ciphertext: this.encryptModel(model) };
  }

  /** Logits w·x_r + b of `rows` rows from the compute party's encrypted inference. */
  decryptLogits(cts: readonly CipherText[], rows: number): number[] {
    const out: number[] = [];
    for (const ct of cts) {
      const v = this.dec.decrypt(ct);
      for (let r = 0; r < this.packing.rowsPerCiphertext && out.length < rows; r++) out.push(v[r * this.packing.block]);
    }
    return out;
  }

  delete(): void {
    this.dec.delete();
    this.enc.delete();
  }
}

/** The compute party: evaluation keys only. */
export class EncryptedLogisticTrainer {
  readonly packing: Packing;
  readonly settings: TrainingSettings;
  readonly levels: EpochLevels;

  constructor(
    private readonly ctx: CkksContext,
    private readonly keys: CkksEvaluationKeys,
    features: number,
    options: Omit<TrainingOptions, 'epochs'> = {},
  ) {
    this.packing = packing(features, ctx.slotCount);
    this.settings = { ...TENSEAL_TRAINING, ...options };
    this.levels = epochLevels(ctx, this.settings.sigmoid);
  }

  /** One full-batch epoch: the updated model (level `levels.output`), owned by the caller. */
  epoch(model: CipherText, data: EncryptedTrainingSet): CipherText {
    const gradient = this.gradientSum(model, data.x, data.y, data.features);
    try {
      return this.update(model, gradient, data.rows);
    } finally {
      gradient.delete();
    }
  }

  private checkModel(model: CipherText): void {
    if (this.ctx.check(model, 'model') !== this.levels.input)
      throw new RangeError(`model ciphertext is at level ${this.ctx.levelOf(model)}, expected a fresh one at ${this.levels.input}`);
  }

  /**
   * Σ over the given ciphertexts of each row's (σ̃(z) − y)·x in its block (not yet summed over rows,
   * not yet scaled): the part of an epoch that is independent per ciphertext, so worker threads can
   * each do a share (parallel-trainer.ts). Owned by the caller.
   */
  gradientSum(model: CipherText, xs: readonly CipherText[], ys: readonly CipherText[], features: number): CipherText {
    const { ctx, keys, packing: p, levels } = this;
    this.checkModel(model);
    if (features !== p.features || xs.length === 0 || xs.length !== ys.length)
      throw new RangeError(
        `training share has ${features} features and ${xs.length} / ${ys.length} ciphertexts; expected ${p.features} features, as many x as y`,
      );
    const relin = keys.relinKeys;
    const high = levels.workingScale;
    const mask = blockStarts(p, 1);
    let gradient: CipherText | undefined;
    try {
      for (let c = 0; c < xs.length; c++) {
        const rowGradients = withScope((s) => {
          const x = xs[c];
          const products = s.track(multiply(ctx, x, model, relin));
          const z = s.track(rotateAndSum(ctx, products, 1, p.block, keys));
          const sigma = s.track(evaluatePolynomial(ctx, z, this.settings.sigmoid, relin, { resultScale: high }));
          const error = s.track(sub(ctx, sigma, ys[c]));
          const masked = s.track(multiplyPlain(ctx, error, mask, { resultScale: high }));
          const spread = s.track(rotateAndSum(ctx, masked, -1, p.block, keys));
          return multiply(ctx, spread, x, relin);
        });
        if (!gradient) gradient = rowGradients;
        else {
          addInPlace(ctx, gradient, rowGradients);
          rowGradients.delete();
        }
      }
      return gradient as CipherText;
    } catch (e) {
      gradient?.delete();
      throw e;
    }
  }

  /** The update from the gradient sum of all `rows` rows: W·(1 − decay) − (α/m)·Σ over rows. */
  update(model: CipherText, gradientSum: CipherText, rows: number): CipherText {
    const { ctx, keys, packing: p, levels } = this;
    this.checkModel(model);
    requirePositiveInteger(rows, 'rows');
    const high = levels.workingScale;
    return withScope((s) => {
      const total = s.track(rotateAndSum(ctx, gradientSum, p.block, p.rowsPerCiphertext, keys));
      const step = s.track(multiplyConstant(ctx, total, this.settings.learningRate / rows, { resultScale: high }));
      const lowered = s.track(modSwitchTo(ctx, model, levels.output + 1));
      const decayed = s.track(multiplyPlain(ctx, lowered, decayVector(p, this.settings.weightDecay), { resultScale: high }));
      return sub(ctx, decayed, step);
    });
  }

  /** Encrypted inference: logits w·x_r + b in the first slot of each row's block (depth 1). */
  logits(model: CipherText, rows: readonly CipherText[]): CipherText[] {
    const out: CipherText[] = [];
    try {
      for (const x of rows) {
        const products = multiply(this.ctx, x, model, this.keys.relinKeys);
        try {
          out.push(rotateAndSum(this.ctx, products, 1, this.packing.block, this.keys));
        } finally {
          products.delete();
        }
      }
      return out;
    } catch (e) {
      for (const c of out) c.delete();
      throw e;
    }
  }
}
