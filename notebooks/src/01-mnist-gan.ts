// %% [markdown]
// # The MNIST GAN, trained on the CPU

// %%
import * as lab from "privlab/kernel-ext";

const summary = lab.summary("Summary: the MNIST GAN of this run");

// %% [markdown]
// The MLP GAN of *Privacy-Preserving GANs — Federated Learning and Fully Homomorphic Encryption
// Inference*: generator 100 → 256 → 512 → 1024 → 784 (tanh), discriminator 784 → 1024 → 512 →
// 256 → 1, LeakyReLU 0.2, Adam (β₁ 0.5), binary cross-entropy on logits, batches of 64 — trained
// here on the 60,000 canonical MNIST training digits, with privlab's two stabilisers of the
// discriminator (one-sided label smoothing: real target 0.9; dropout 0.3).
//
// Training runs on tfjs with privlab's native backend (OpenBLAS matrix products and fused
// dense/Adam kernels) when it is built, else on the fastest backend available. The default is a
// short run: 3 epochs (2,814 steps) at a learning rate of 5·10⁻⁴, which in that time draws digits
// of every class; at the source's 2·10⁻⁴ the same steps give mostly speckled 1s (FID about 300,
// 4 digits covered; see the README's Training section). Set `FULL_RUN = true` for the source's 200
// epochs at its learning rate 2·10⁻⁴, with samples at epochs 5, 30, 100 and 200 (on a 2-core
// machine that takes a while: the training-time line below gives the rate). The same runs from the
// command line:
// `privlab train gan --epochs 3 --lr 5e-4 --out figures/mnist-gan` and
// `privlab train gan --epochs 200 --out figures/mnist-gan`.

// %%
const FULL_RUN = false;                       // true: the source's 200 epochs at its learning rate
const SMOKE = process.env.PRIVLAB_SMOKE === "1"; // the test suite's tiny run of every cell
const EPOCHS = FULL_RUN ? 200 : SMOKE ? 1 : 3;
const LEARNING_RATE = FULL_RUN ? 2e-4 : 5e-4;   // the short run's: measured best in 3,000 steps (1e-3 varied more between seeds, 2e-3 collapsed)
const SAMPLE_EPOCHS = FULL_RUN ? [5, 30, 100, 200] : SMOKE ? [1] : [1, 2, 3];
const SEED = 0;                               // the CLI's default seed too

const backend = await lab.backend.selectBackend({ quiet: true });
console.log(`tfjs backend: ${backend.name} — ${backend.description}`);
const { train: mnist } = lab.data.mnistSplit();
console.log(`${mnist.name}: ${mnist.count} digits of ${mnist.height}x${mnist.width}`);

// %% [markdown]
// ## Training
// The chart shows the mean losses of the discriminator and the generator, a point every eighth of
// an epoch; the bar shows progress, rate and the latest losses. Samples come from the same 64
// latent vectors at every chosen epoch, so the grids show how the generator changes.

// %%
const run = await lab.train.gan({
  dataset: mnist, epochs: EPOCHS, seed: SEED, sampleEpochs: SAMPLE_EPOCHS, sampleCount: 64, savePrefix: "mnist-gan/",
  adam: { learningRate: LEARNING_RATE }, maxStepsPerEpoch: SMOKE ? 5 : undefined,
});
const steps = run.history.steps.d.length;
console.log(`trained ${run.epoch} epochs (${steps} steps of ${64}) in ${run.seconds.toFixed(1)} s: ` +
  `${run.msPerStep.toFixed(1)} ms per step, ${(run.seconds / run.epoch).toFixed(1)} s per epoch on ${run.backend.name}`);
summary.set("this run", `${run.epoch} epochs of the ${mnist.count.toLocaleString("en")} training digits (${steps.toLocaleString("en")} steps of 64, learning rate ${LEARNING_RATE}) in ${run.seconds.toFixed(0)} s`);

// %% [markdown]
// ## Generated and real digits
// The last sample grid beside 64 real digits drawn at random (seeded), and the generator's FID against the held-out digits (LeNet features) beside the floor of real training digits against the same held-out set.

// %%
const last = run.samples[run.samples.length - 1];
lab.images(lab.sampleTensorLike(last, 784), { range: "[-1,1]", columns: 8, scale: 2, caption: `generated, epoch ${last.epoch}` });
lab.images(mnist, { indices: lab.data.sampleIndices(mnist, 64, SEED), columns: 8, scale: 2, caption: "real" });
const score = await lab.fid(run.gan, { label: `generator after ${run.epoch} epochs`, count: SMOKE ? 200 : 2000, save: "mnist-gan/fid" });
summary.set("its samples", `FID ${score.fid.toFixed(1)} (LeNet features; real digits: ${score.realFloor.toFixed(2)}), ${score.classesCovered} of 10 digits with ≥ 5 % of the samples`);

// %% [markdown]
// ## The shipped generator: 20 epochs on the 60,000 canonical digits
// A short run on this machine shows the training, not where it ends. privlab ships the same generator
// trained 20 full epochs on the canonical MNIST (`data/gan/regular`, made by the commands in its
// manifest, its files' SHA-256s checked on load): its samples, FID and how many digit classes it covers
// (classes with at least 5 % of the samples, by the LeNet's reading).

// %%
const shipped = lab.experiments.loadShippedGenerator("regular");
if (shipped.kind === "float") {
  const s = lab.nn.sampleImages(shipped.gan, 64, SEED, 20);
  lab.images(lab.sampleTensorLike(s, 784), { range: "[-1,1]", columns: 8, scale: 2, caption: "shipped generator: 20 epochs, 60,000 digits", save: "mnist-gan/shipped" });
  const q = await lab.fid(shipped.gan, { label: "shipped generator (20 epochs, 60,000 digits)", count: SMOKE ? 200 : 2000 });
  summary.set("shipped generator (data/gan/regular, 20 epochs)", `FID ${q.fid.toFixed(1)}, ${q.classesCovered} of 10 digits with ≥ 5 % of the samples`);
}

// %% [markdown]
// ## Losses and memory per epoch
// Mean losses per epoch, and what the run held after each epoch: the tensor count and bytes stay
// the same from epoch to epoch (no tensor leaks), and the process's resident memory stays level.

// %%
const epochs = run.history.epochs;
lab.line({ "D loss": epochs.map((e) => e.d), "G loss": epochs.map((e) => e.g) },
  { x: epochs.map((e) => e.epoch), title: "Mean loss per epoch", xTitle: "epoch", yTitle: "BCE", save: "mnist-gan/epoch-losses" });
lab.table(epochs.map((e) => ({
  epoch: e.epoch, seconds: Number(e.seconds.toFixed(2)), "D loss": Number(e.d.toFixed(4)), "G loss": Number(e.g.toFixed(4)),
  tensors: e.numTensors, "tensor MB": Number((e.numBytes / 2 ** 20).toFixed(1)), "RSS MB": Math.round(e.rssBytes / 2 ** 20),
})));

// %% [markdown]
// ## Checkpoint
// The trained networks and their optimiser state, in privlab's checkpoint format (one file,
// written atomically, checked on load); loading it back gives the same generator.

// %%
const ckpt = `${lab.figuresDir()}/mnist-gan/gan.ckpt`;
const bytes = lab.nn.saveGanCheckpoint(ckpt, run.gan, {
  optimizers: run.optimizers, meta: { epoch: run.epoch, seed: SEED, globalStep: run.optimizers.generator.step, dataset: mnist.name },
});
const loaded = lab.nn.loadGanCheckpoint(ckpt);
const again = lab.nn.sampleImages(loaded.gan, 64, SEED, loaded.meta.epoch);
const same = again.pixels.every((v, i) => v === last.pixels[i]);
console.log(`${ckpt}: ${(bytes / 2 ** 20).toFixed(1)} MB, epoch ${loaded.meta.epoch}; reloaded generator reproduces the samples: ${same}`);
summary.set("checkpoint", `${(bytes / 2 ** 20).toFixed(1)} MB; reloaded, it reproduces the samples: ${same ? "yes" : "NO"}`);
