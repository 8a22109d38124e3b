// %% [markdown]
// # Exercise 5: a membership-inference attack and its ROC curve
//
// A **membership-inference attack** asks of one example: *was it in the model's training set?* If an
// attacker can tell, the model leaks who its data came from (a patient in a hospital's training set, say).
// The simplest attack is the **loss threshold** of Yeom et al. (2018): a model fits the examples it was
// trained on better than unseen ones, so a low loss says "member". Its score is −loss (higher = "more
// likely a member"), and flagging every example whose score is at least a threshold t is one attack.
//
// Every threshold gives one operating point: the **true-positive rate** (TPR, the fraction of members
// flagged) and the **false-positive rate** (FPR, the fraction of non-members flagged). Sweeping t from
// +∞ down draws the **ROC curve** from (0, 0) to (1, 1). Two numbers summarise it:
//
// - the **AUC**, the area under the curve, which equals the probability that a random member scores
//   higher than a random non-member (a tie counts ½): 0.5 is guessing, 1 is a perfect attack;
// - the **TPR at a low FPR** (1 % or 0.1 %). Carlini et al. (2022) argue this is what matters: an attack
//   that confidently identifies a few members is a real leak even when its AUC is close to 0.5, and an
//   attack with a fine AUC may identify nobody with confidence.
//
// The library has both (`lab.privacy.rocCurve`, `rocAuc`, `tprAtFpr` in `src/privacy/roc.ts`, and the
// stronger LiRA attack beside them). Here you write them, against a model that overfits on purpose.

// %%
import * as lab from "privlab/kernel-ext";
import * as tf from "@tensorflow/tfjs";
const { NotImplementedError, checkRocAuc, checkTprAtFpr } = lab.exercises;

await lab.backend.selectBackend({ quiet: true });

// %% [markdown]
// ## The target model
//
// An MLP (784-100-10, the federated task `mlp-mnist`) trained for 60 epochs on 500 digits — the
// **members** — and never shown 500 other digits from the same set — the **non-members**. It learns
// its training set by heart: the gap between its training and test accuracy is what the attack exploits.

// %%
const mnist = lab.data.loadMnist();
const picked = lab.data.sampleIndices(mnist, 1000, 5);
const members = lab.data.subset(mnist, picked.slice(0, 500), "members");
const nonMembers = lab.data.subset(mnist, picked.slice(500), "non-members");

const task = lab.fl.mlpMnist;
const model = task.createModel(1);
await task.trainLocal(model, members, { localEpochs: 60, batchSize: 50, optimizer: "adam", learningRate: 1e-3 }, 1);
const onMembers = task.evaluate(model, members);
const onNonMembers = task.evaluate(model, nonMembers);
console.log(`accuracy on members ${(100 * onMembers.accuracy).toFixed(1)} %, on non-members ${(100 * onNonMembers.accuracy).toFixed(1)} %`);
console.log(`mean loss on members ${onMembers.loss.toFixed(4)}, on non-members ${onNonMembers.loss.toFixed(3)}`);

/** Each example's cross-entropy loss under the model (pixels scaled to [-1, 1] as in training). */
function lossesOf(ds: typeof members): Float64Array {
  const x = tf.tensor2d(Float32Array.from(ds.images, (p) => p / 127.5 - 1), [ds.count, ds.height * ds.width]);
  const logits = lab.fl.asMlp(model).apply(x);
  const losses = lab.privacy.crossEntropyFromLogits(logits.dataSync(), ds.labels, 10);
  tf.dispose([x, logits]);
  return losses;
}

// The attack's scores: −loss.
const memberScores = Array.from(lab.privacy.lossThresholdScores(lossesOf(members)));
const nonMemberScores = Array.from(lab.privacy.lossThresholdScores(lossesOf(nonMembers)));

// %% [markdown]
// ## Task 1: the AUC
//
// Implement `rocAuc(memberScores, nonMemberScores)`: the area under the ROC curve, i.e. the fraction of
// (member, non-member) pairs in which the member scores higher, a tie counting ½. A double loop over the
// pairs is correct (and fast enough here); sorting gives an O((m + n) log(m + n)) version.

// %%
function rocAuc(memberScores: readonly number[], nonMemberScores: readonly number[]): number {
  // BEGIN SOLUTION
  let wins = 0;
  for (const a of memberScores) for (const b of nonMemberScores) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / (memberScores.length * nonMemberScores.length);
  // END SOLUTION
}

// %%
await lab.check(checkRocAuc(rocAuc));

// %%
const auc = rocAuc(memberScores, nonMemberScores);
console.log(`the loss-threshold attack on the overfitted MLP: AUC = ${auc.toFixed(3)}`);

// %% [markdown]
// ## Reading the curve
//
// The library's ROC curve of the same scores, one point per distinct score, with the diagonal of an
// attacker who guesses. Then the same curve on log axes, which magnifies the bottom-left corner: how
// many members can the attacker flag while flagging almost no non-member?

// %%
const curve = lab.privacy.rocCurve(memberScores, nonMemberScores);
const fpr = Array.from(curve.fpr);
lab.line({ "loss threshold": Array.from(curve.tpr), guessing: fpr }, { x: fpr, title: "ROC of the loss-threshold attack", xTitle: "false-positive rate", yTitle: "true-positive rate" });
lab.plot({
  data: [
    { type: "scatter", mode: "lines", name: "loss threshold", x: fpr, y: Array.from(curve.tpr) },
    { type: "scatter", mode: "lines", name: "guessing", x: fpr, y: fpr, line: { dash: "dot" } },
  ],
  layout: { title: { text: "The same ROC on log axes" }, xaxis: { type: "log", title: { text: "false-positive rate" } }, yaxis: { type: "log", title: { text: "true-positive rate" } } },
});

// %% [markdown]
// ## Task 2: TPR at a low FPR
//
// Implement `tprAtFpr(memberScores, nonMemberScores, maxFpr)`: the largest TPR of a threshold that flags
// at most a fraction `maxFpr` of the non-members (FPR ≤ maxFpr), 0 if no threshold flags a member at
// that FPR. A threshold flags all examples with a given score or none of them, so try the distinct
// scores (and +∞) as thresholds. Do not interpolate between points: the attacker has to pick a threshold.

// %%
function tprAtFpr(memberScores: readonly number[], nonMemberScores: readonly number[], maxFpr: number): number {
  // BEGIN SOLUTION
  const flagged = (scores: readonly number[], t: number): number => scores.filter((s) => s >= t).length / scores.length;
  let best = 0;
  for (const t of new Set([...memberScores, ...nonMemberScores])) {
    if (flagged(nonMemberScores, t) <= maxFpr) best = Math.max(best, flagged(memberScores, t));
  }
  return best;
  // END SOLUTION
}

// %%
await lab.check(checkTprAtFpr(tprAtFpr));

// %%
for (const maxFpr of [0.001, 0.01, 0.1]) {
  const tpr = tprAtFpr(memberScores, nonMemberScores, maxFpr);
  console.log(`FPR ≤ ${(100 * maxFpr).toString().padStart(3)} %: TPR = ${(100 * tpr).toFixed(1)} % (guessing: ${(100 * maxFpr).toFixed(1)} %)`);
}

// %% [markdown]
// Compare the AUC with these rates. The model is overfitted (100 % on its members, far less on the
// others) and the AUC is well above 0.5, yet at low FPR the loss threshold barely beats guessing: the
// lowest losses belong to digits that are easy for *any* model (a clean, typical digit), members or
// not, so the attack's most confident "member" calls are no better than coin flips. Its advantage lies
// in the bulk: non-members the model gets wrong have high losses. That is Carlini et al.'s point: the
// AUC says "leaks", the TPR at low FPR says "identifies almost nobody with confidence". LiRA
// (`lab.privacy`, used in `notebooks/05-generative-privacy`) calibrates each example's score against
// shadow models trained without it, and identifies members far better at low FPR: on a similar
// overfitted MLP the README reports 20.4 % TPR at 1 % FPR for LiRA against 1.2 % for the loss threshold.
//
// With 500 non-members the finest FPR step is 0.2 %: "TPR at 0.1 % FPR" can only use thresholds that
// flag no non-member at all. Published attacks use tens of thousands of non-members for that reason.
