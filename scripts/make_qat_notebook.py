"""Writes notebooks/02-qat-pruning.ipynb (kept as a script so the cells are easy to review)."""
import sys

from notebook_builder import Notebook

nb = Notebook("qat-pruning")
md, code = nb.md, nb.code

md("""
# Making the MNIST GAN FHE-friendly: quantization-aware training and pruning

The source paper trains its MNIST GAN regularly, with 6- and 4-bit quantization-aware training (QAT),
and prunes the 4-bit generator by 20 / 50 / 70 / 80 % (L1, unstructured). Its FID table:
57.2 regular, 59.1 4-bit, then 60.7 / 67.8 / 108.2 / 143.2 — a small cost for 4 bits and 50 % pruning,
a clear break at 70–80 %. QAT training took about 2.2x the regular time.

Here each generator is scored by FID against the 10,000 MNIST test digits, with features of a LeNet
trained on MNIST (`data/fid-lenet`). **These FID values are not comparable in absolute terms with the
paper's Inception-based ones**: compare the ratios to the regular model.

Each QAT generator is the regular GAN's, fine-tuned quantized for its last epochs (the usual QAT
recipe; here the last quarter of the run), so every variant has trained the same number of epochs;
the pruned ones are then fine-tuned with their masks held. A GAN's FID swings from one epoch to the
next by more than the effects measured here, so each variant's FID is the mean over its last 3 epochs.

The default run is short (a few minutes). Set `FULL = true` for the benchmark's run
(`privlab bench gan-compression --epochs 20`: the last 5 epochs quantized, 10 fine-tuning epochs per
pruned model). `PRUNE_SCHEDULE = "gradual"` prunes along Zhu & Gupta's schedule instead of in one shot:
in our runs that moved the break in FID beyond 80 % sparsity.
""")
code("""
import * as lab from "privlab/kernel-ext";
import * as dfd from "danfojs-node";

const backend = await lab.backend.selectBackend({ quiet: true });
console.log(`tfjs backend: ${backend.name}`);

const FULL = false;
const SMOKE = process.env.PRIVLAB_SMOKE === "1"; // the test suite's tiny run of every cell
const PRUNE_SCHEDULE: "one-shot" | "gradual" = "one-shot";
const opts = FULL
  ? { epochs: 20, qatEpochs: 5, finetuneEpochs: 10, pruneSchedule: PRUNE_SCHEDULE }
  : SMOKE
    ? { epochs: 1, qatEpochs: 1, finetuneEpochs: 1, maxStepsPerEpoch: 3, fidSamples: 100, fidEpochs: 1, mnist: "small" as const, pruneSchedule: PRUNE_SCHEDULE }
    : { epochs: 2, qatEpochs: 1, finetuneEpochs: 1, maxStepsPerEpoch: 50, fidSamples: 1000, pruneSchedule: PRUNE_SCHEDULE };
""")
md("## Training the seven generators")
code("""
const totalEpochs = opts.epochs + 2 * opts.qatEpochs + 4 * opts.finetuneEpochs;
const bar = lab.progressBar({ total: totalEpochs, label: "training", unit: "epoch" });
const result = await lab.experiments.runGanCompression({
  ...opts,
  onEpoch: async (variant) => { await bar.tick(1, { variant }); },
  onVariant: (row) => console.log(`${row.variant}: FID ${row.fid.toFixed(2)}`),
});
bar.close();
const summary = lab.experiments.summarize(result) as any;
lab.experiments.writeGanCompressionFigures(result, lab.figuresDir() + "/gan-compression-notebook");
console.log(`real training digits vs held-out digits (the floor): FID ${result.realFloor.toFixed(2)}`);
""")
md("## FID table\nOurs beside the paper's; the ratio to the regular model is what carries over.")
code("""
const rows = summary.rows as any[];
lab.table(new dfd.DataFrame({
  variant: rows.map((r) => r.variant),
  "FID (LeNet)": rows.map((r) => r.fid),
  "÷ regular": rows.map((r) => r.fid_ratio_to_regular),
  "paper FID": rows.map((r) => r.paper_fid ?? NaN),
  "paper ÷ regular": rows.map((r) => r.paper_fid_ratio ?? NaN),
}), { digits: 3, save: "gan-compression-notebook/fid-table" });
""")
code("""
lab.bar(rows.map((r) => r.variant), {
  "ours: FID ÷ regular": rows.map((r) => r.fid_ratio_to_regular),
  "paper: FID ÷ regular": rows.map((r) => r.paper_fid_ratio),
}, { title: "FID relative to the regular GAN", yTitle: "FID ÷ FID(regular)", save: "gan-compression-notebook/fid-ratio" });
""")
md("## Samples\nEight samples of each generator from the same latent vectors, one row per variant (top: regular).")
code("""
const per = 8, px = 784;
const grid = new Float32Array(result.rows.length * per * px);
result.rows.forEach((r, k) => grid.set(r.samples.subarray(0, per * px), k * per * px));
lab.images({ shape: [result.rows.length * per, px], dataSync: () => grid }, { columns: per, range: "[-1,1]", scale: 2, save: "gan-compression-notebook/samples" });
console.log(result.rows.map((r, k) => `row ${k + 1}: ${r.variant}`).join("\\n"));
""")
md("## Training time\nPer epoch, wall-clock and CPU time, and the QAT models' overhead over regular training (the paper: about 2.2x). CPU time is the robust one when other work shares the machine.")
code("""
lab.table(rows.filter((r) => r.pruning === 0).map((r) => ({
  variant: r.variant, "s / epoch": r.s_per_epoch, "CPU s / epoch": r.cpu_s_per_epoch, "CPU ÷ regular": r.cpu_s_per_epoch / rows[0].cpu_s_per_epoch,
})), { digits: 2, save: "gan-compression-notebook/training-time" });
""")
md("""
## Accumulators
What each quantized generator asks of FHE: the bit-width of every layer's accumulator in the worst case
(any input) and on 500 latent vectors, and the largest number of active inputs of a neuron.
Pruning shrinks both.
""")
code("""
lab.table(rows.filter((r) => r.bits !== null).map((r) => ({
  variant: r.variant,
  "worst-case bits": r.accumulator_bits_worst_case.join(" / "),
  "calibrated bits": r.accumulator_bits_calibrated.join(" / "),
  "max fan-in": r.max_fan_in.join(" / "),
})), { save: "gan-compression-notebook/accumulators" });
""")

nb.write(sys.argv[1])
