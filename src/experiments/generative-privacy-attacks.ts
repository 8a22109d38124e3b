/**
 * The membership-inference attacks the generative-privacy experiment calls, behind one module.
 *
 * STAND-IN until src/privacy (branch `privacy`, the attacks of issue 13 part 3) lands in main: at
 * the merge this file's body becomes `export { … } from '../privacy'` with the same names and
 * shapes, and everything below goes. It is deliberately minimal (plain-array API as TF Privacy's
 * membership_inference_attack takes them; higher score = more likely a member) and is tested
 * there, not here: src/privacy's tests are the check of these metrics.
 */
import * as tf from '@tensorflow/tfjs';

export interface AttackResult {
  attack: string;
  members: number;
  nonMembers: number;
  auc: number;
  tprAt1PctFpr: number;
  tprAt01PctFpr: number;
  epsilonLowerBound: number;
  curve: { fpr: number[]; tpr: number[] };
}

/** ROC points from the highest threshold down (ties move together). */
function roc(members: ArrayLike<number>, nonMembers: ArrayLike<number>): { fpr: number[]; tpr: number[] } {
  const all = [...Array.from(members, (s) => [s, 1]), ...Array.from(nonMembers, (s) => [s, 0])].sort((a, b) => b[0] - a[0]);
  const fpr = [0];
  const tpr = [0];
  let tp = 0,
    fp = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i][1] === 1) tp++;
    else fp++;
    if (i === all.length - 1 || all[i + 1][0] !== all[i][0]) {
      fpr.push(fp / nonMembers.length);
      tpr.push(tp / members.length);
    }
  }
  return { fpr, tpr };
}

/** Area under the ROC curve (trapezoids: ties count half). */
export function rocAuc(memberScores: ArrayLike<number>, nonMemberScores: ArrayLike<number>): number {
  const { fpr, tpr } = roc(memberScores, nonMemberScores);
  let a = 0;
  for (let i = 1; i < fpr.length; i++) a += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return a;
}

export function evaluateAttack(
  attack: string,
  memberScores: ArrayLike<number>,
  nonMemberScores: ArrayLike<number>,
  opts: { delta?: number } = {},
): AttackResult {
  const delta = opts.delta ?? 1e-5;
  const curve = roc(memberScores, nonMemberScores);
  const tprAt = (maxFpr: number): number => Math.max(0, ...curve.tpr.filter((_, i) => curve.fpr[i] <= maxFpr));
  // (ε, δ)-DP bounds every test: TPR ≤ e^ε·FPR + δ and 1 − FPR ≤ e^ε·(1 − TPR) + δ.
  let eps = 0;
  curve.fpr.forEach((f, i) => {
    const t = curve.tpr[i];
    if (f > 0 && t - delta > 0) eps = Math.max(eps, Math.log((t - delta) / f));
    if (t < 1 && 1 - f - delta > 0) eps = Math.max(eps, Math.log((1 - f - delta) / (1 - t)));
  });
  return {
    attack,
    members: memberScores.length,
    nonMembers: nonMemberScores.length,
    auc: rocAuc(memberScores, nonMemberScores),
    tprAt1PctFpr: tprAt(0.01),
    tprAt01PctFpr: tprAt(0.001),
    epsilonLowerBound: eps,
    curve,
  };
}

/** Yeom et al.: score = −loss. */
export function lossThresholdScores(losses: ArrayLike<number>): Float64Array {
  return Float64Array.from(losses, (l) => -l);
}

/** φ = log p − log(1 − p). */
export function logitScaledConfidence(probTrueClass: ArrayLike<number>): Float64Array {
  return Float64Array.from(probTrueClass, (p) => Math.log(Math.max(p, 1e-30)) - Math.log(Math.max(1 - p, 1e-30)));
}

/** LiRA offline: how far above the OUT Gaussian (per example) the target's φ lies, in standard deviations. */
export function liraOfflineScores(targetConfidences: ArrayLike<number>, shadowOutConfidences: ArrayLike<number>[]): Float64Array {
  return Float64Array.from(targetConfidences, (c, i) => {
    const out = Array.from(shadowOutConfidences[i]);
    const mu = out.reduce((s, x) => s + x, 0) / out.length;
    const sd = Math.sqrt(out.reduce((s, x) => s + (x - mu) ** 2, 0) / out.length) + 1e-6;
    return (c - mu) / sd;
  });
}

/** GAN-Leaks (black box): score = −min L2 distance from each query to a generated sample. */
export function ganLeaksScores(queries: Float32Array, generated: Float32Array, dim: number): Float64Array {
  const n = queries.length / dim;
  const out = new Float64Array(n);
  const g = tf.tensor2d(generated, [generated.length / dim, dim]);
  const gNorms = tf.sum(tf.square(g), 1);
  // ‖q − g‖² = ‖q‖² − 2 q·g + ‖g‖², a block of queries at a time (the distance matrix is queries × generated).
  for (let s = 0; s < n; s += 1000) {
    const rows = Math.min(1000, n - s);
    const d2 = tf.tidy(() => {
      const q = tf.tensor2d(queries.subarray(s * dim, (s + rows) * dim), [rows, dim]);
      return tf.min(tf.add(tf.sub(tf.sum(tf.square(q), 1, true), tf.mul(tf.matMul(q, g, false, true), 2)), gNorms), 1);
    });
    (d2.dataSync() as Float32Array).forEach((x, i) => (out[s + i] = -Math.sqrt(Math.max(0, x))));
    d2.dispose();
  }
  tf.dispose([g, gNorms]);
  return out;
}
