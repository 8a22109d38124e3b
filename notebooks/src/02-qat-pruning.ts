// %% [markdown]
// # Making the MNIST GAN FHE-friendly: quantization-aware training and pruning

// %%
import * as lab from "privlab/kernel-ext";
import * as dfd from "danfojs-node";

const summary = lab.summary("Summary: what 4-bit QAT and pruning cost the trained generator");

// %% [markdown]
// The source paper trains its MNIST GAN regularly, with 6- and 4-bit quantization-aware training (QAT),
// and prunes the 4-bit generator by 20 / 50 / 70 / 80 % (L1, unstructured). Its FID table:
// 57.2 regular, 59.1 4-bit, then 60.7 / 67.8 / 108.2 / 143.2 — a small cost for 4 bits and 50 % pruning,
// a clear break at 70–80 %. QAT training took about 2.2x the regular time.
//
// Here each generator is scored by FID against the 10,000 MNIST test digits, with features of a LeNet
// trained on MNIST (`data/fid-lenet`). **These FID values are not comparable in absolute terms with the
// paper's Inception-based ones**: compare the ratios to the regular model.
//
// Every variant starts from the same trained GAN: the regular generator shipped with privlab
// (`data/gan/regular`, 20 epochs on the 60,000 canonical digits, made by the commands in its manifest).
// The 6- and 4-bit generators fine-tune it with QAT; the regular row fine-tunes it unquantized for the
// same steps (the control: every row has trained as much, with fresh optimisers); the pruned ones prune
// the 4-bit generator in one shot and fine-tune it with the masks held. A GAN's FID swings from one
// epoch to the next, so each variant's FID is the mean over its last epochs.
//
// The default run is short (about two minutes here): 2 × 75 steps of fine-tuning per variant. In that
// time 4-bit QAT does not catch up with the float model (the shipped 4-bit, 50 %-pruned generator,
// fine-tuned 2 × 938 steps, has 1.25x the regular FID). `FULL = true` fine-tunes whole epochs
// (`privlab bench gan-compression --from data/gan/regular --qat-epochs 2 --finetune-epochs 2`);
// `FROM_SCRATCH = true` trains the regular GAN here first, as the benchmark does
// (`privlab bench gan-compression --epochs 20`: hours on two cores). `PRUNE_SCHEDULE = "gradual"` prunes
// along Zhu & Gupta's schedule instead of in one shot.

// %%
const backend = await lab.backend.selectBackend({ quiet: true });
console.log(`tfjs backend: ${backend.name}`);

const FROM_SCRATCH = false; // true: train the regular GAN here instead of starting from the shipped one
const FULL = false;         // true: whole epochs of fine-tuning (about 15 minutes here)
const SMOKE = process.env.PRIVLAB_SMOKE === "1"; // the test suite's tiny run of every cell
const PRUNE_SCHEDULE: "one-shot" | "gradual" = "one-shot";
const shipped = FROM_SCRATCH ? undefined : lab.experiments.loadShippedGenerator("regular"); // SHA-256s checked
const from = shipped?.kind === "float" ? shipped : undefined;
const opts = FROM_SCRATCH
  ? { epochs: 20, qatEpochs: 5, finetuneEpochs: 10, pruneSchedule: PRUNE_SCHEDULE }
  : {
      from, stabilizers: lab.nn.RECOMMENDED_STABILIZERS, qatEpochs: 2, finetuneEpochs: 2, fidEpochs: 2, pruneSchedule: PRUNE_SCHEDULE,
      ...(FULL ? {} : SMOKE ? { maxStepsPerEpoch: 3, fidSamples: 100, fidEpochs: 1, mnist: "small" as const } : { maxStepsPerEpoch: 75 }),
    };
if (from) console.log(`starting from data/gan/regular: ${from.epochs} epochs, FID ${Number(from.manifest.quality?.fid).toFixed(2)} when shipped`);

// %% [markdown]
// ## Training the seven generators

// %%
const variants = 1 + lab.experiments.DEFAULT_QAT_BITS.length + lab.experiments.DEFAULT_PRUNE_FRACTIONS.length;
const bar = lab.progressBar({ total: variants, label: "generators", unit: "generator" });
const result = await lab.experiments.runGanCompression({
  ...opts,
  onEpoch: async (variant, epoch, of) => { await bar.tick(0, { variant, epoch: `${epoch}/${of}` }); },
  onVariant: async (row) => { console.log(`${row.variant}: FID ${row.fid.toFixed(2)}`); await bar.tick(1); },
});
bar.close();
from?.gan.dispose();
const results = lab.experiments.summarize(result) as any;
lab.experiments.writeGanCompressionFigures(result, lab.figuresDir() + "/gan-compression-notebook");
console.log(`real training digits vs held-out digits (the floor): FID ${result.realFloor.toFixed(2)}`);

// %% [markdown]
// ## FID table
// Ours beside the paper's; the ratio to the regular model is what carries over.

// %%
const rows = results.rows as any[];
lab.table(new dfd.DataFrame({
  variant: rows.map((r) => r.variant),
  "FID (LeNet)": rows.map((r) => r.fid),
  "÷ regular": rows.map((r) => r.fid_ratio_to_regular),
  "paper FID": rows.map((r) => r.paper_fid ?? NaN),
  "paper ÷ regular": rows.map((r) => r.paper_fid_ratio ?? NaN),
}), { digits: 3, save: "gan-compression-notebook/fid-table" });
const o = result.options;
const row = (v: string) => rows.find((r) => r.variant === v);
const ratios = (key: "fid_ratio_to_regular" | "paper_fid_ratio") =>
  [["4-bit", "qat-4bit"], ["4-bit + 50 % pruned", "qat-4bit-pruned-50"], ["4-bit + 80 % pruned", "qat-4bit-pruned-80"]]
    .filter(([, v]) => row(v)).map(([name, v]) => `${name} ${row(v)[key].toFixed(2)}x`).join(", ");
summary.set("generators", o.fromEpochs !== undefined
  ? `fine-tuned from the shipped regular GAN (${o.fromEpochs} epochs on the 60,000 digits), ${o.qatEpochs} × ${o.maxStepsPerEpoch ?? "all"} steps each; pruned ones ${o.finetuneEpochs} × ${o.maxStepsPerEpoch ?? "all"} more`
  : `trained here: ${o.epochs} epochs, the last ${o.qatEpochs} with QAT; pruned ones fine-tuned ${o.finetuneEpochs} more`);
summary.set("FID of the regular generator (LeNet)", `${rows[0].fid.toFixed(1)} (real digits: ${result.realFloor.toFixed(2)})`);
summary.set("FID ÷ regular, here", ratios("fid_ratio_to_regular"));
summary.set("FID ÷ regular, paper", ratios("paper_fid_ratio"));

// %%
lab.bar(rows.map((r) => r.variant), {
  "ours: FID ÷ regular": rows.map((r) => r.fid_ratio_to_regular),
  "paper: FID ÷ regular": rows.map((r) => r.paper_fid_ratio),
}, { title: "FID relative to the regular GAN", yTitle: "FID ÷ FID(regular)", save: "gan-compression-notebook/fid-ratio" });

// %% [markdown]
// ## Samples
// Eight samples of each generator from the same latent vectors, one row per variant (top: regular).

// %%
const per = 8, px = 784;
const grid = new Float32Array(result.rows.length * per * px);
result.rows.forEach((r, k) => grid.set(r.samples.subarray(0, per * px), k * per * px));
lab.images({ shape: [result.rows.length * per, px], dataSync: () => grid }, { columns: per, range: "[-1,1]", scale: 2, save: "gan-compression-notebook/samples" });
console.log(result.rows.map((r, k) => `row ${k + 1}: ${r.variant}`).join("\n"));

// %% [markdown]
// ## Training time
// Per epoch, wall-clock and CPU time, and the QAT models' overhead over regular training (the paper: about 2.2x). CPU time is the robust one when other work shares the machine.

// %%
lab.table(rows.filter((r) => r.pruning === 0).map((r) => ({
  variant: r.variant, "s / epoch": r.s_per_epoch, "CPU s / epoch": r.cpu_s_per_epoch, "CPU ÷ regular": r.cpu_s_per_epoch / rows[0].cpu_s_per_epoch,
})), { digits: 2, save: "gan-compression-notebook/training-time" });
const q4 = row("qat-4bit");
if (q4) summary.set("4-bit QAT training time", `${(q4.cpu_s_per_epoch / rows[0].cpu_s_per_epoch).toFixed(1)}x the regular's CPU time per step (paper: about 2.2x)`);

// %% [markdown]
// ## Accumulators
// What each quantized generator asks of FHE: the bit-width of every layer's accumulator in the worst case
// (any input) and on 500 latent vectors, and the largest number of active inputs of a neuron.
// Pruning shrinks both.

// %%
lab.table(rows.filter((r) => r.bits !== null).map((r) => ({
  variant: r.variant,
  "worst-case bits": r.accumulator_bits_worst_case.join(" / "),
  "calibrated bits": r.accumulator_bits_calibrated.join(" / "),
  "max fan-in": r.max_fan_in.join(" / "),
})), { save: "gan-compression-notebook/accumulators" });
