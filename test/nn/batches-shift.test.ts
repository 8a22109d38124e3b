/**
 * Translation augmentation of minibatches (epochBatches' maxShift, the fit key augmentShift):
 * checked against closed forms, not against the code's own output. An image of one lit pixel
 * whose value names it shows where each image went: every image once per epoch, exactly one
 * lit pixel, its offset within ±maxShift, the 25 offsets of maxShift 2 uniform (chi-square).
 * An all-ink image shows what a move uncovers: |dy| background rows and |dx| background columns
 * on the sides the move left, 28·|dx| + 28·|dy| − |dx|·|dy| background pixels in all. An
 * asymmetric pattern keeps its shape. maxShift 0 gives the batches of no augmentation, bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageDataset, makeDataset } from '../../src/data/dataset';
import { epochBatches } from '../../src/nn/batches';
import { SeededRng } from '../../src/util/rng';
import { getTask, localTrainingPlan, trainSteps } from '../../src/fl';

const H = 28;
const W = 28;

function dataset(images: Uint8Array[], labels: number[]): ImageDataset {
  const all = new Uint8Array(images.length * H * W);
  images.forEach((im, i) => all.set(im, i * H * W));
  return makeDataset({
    name: 'shift test',
    images: all,
    labels: Uint8Array.from(labels),
    count: images.length,
    height: H,
    width: W,
    classNames: '0123456789'.split(''),
  });
}

/** Every batch of one epoch as [pixels of each image (in [-1, 1]), label]. */
function epoch(ds: ImageDataset, rng: SeededRng, maxShift: number, batchSize = 7): [Float32Array, number][] {
  const out: [Float32Array, number][] = [];
  for (const b of epochBatches(ds, batchSize, rng, 0, maxShift)) {
    const px = b.images.dataSync() as Float32Array;
    for (let i = 0; i < b.labels.length; i++) out.push([px.slice(i * H * W, (i + 1) * H * W), b.labels[i]]);
    b.images.dispose();
  }
  return out;
}

const toByte = (v: number): number => Math.round((v + 1) * 127.5);

test('maxShift 0 draws nothing: the batches of no augmentation, bit for bit, and the rng where it was', () => {
  const rng = new SeededRng(3);
  const ims = Array.from({ length: 20 }, () => Uint8Array.from({ length: H * W }, () => rng.nextInt(256)));
  const ds = dataset(
    ims,
    ims.map((_, i) => i % 10),
  );
  const a = new SeededRng(11);
  const b = new SeededRng(11);
  const plain: [Float32Array, number][] = [];
  for (const batch of epochBatches(ds, 6, a)) {
    const px = batch.images.dataSync() as Float32Array;
    batch.labels.forEach((l, i) => plain.push([px.slice(i * H * W, (i + 1) * H * W), l]));
    batch.images.dispose();
  }
  assert.deepEqual(epoch(ds, b, 0, 6), plain);
  assert.deepEqual(a.getState(), b.getState());
});

test('one lit pixel per image: each image once per epoch, moved by at most maxShift, the 25 offsets uniform', () => {
  const n = 250;
  const m = 2;
  // image i: value i + 1 at (14, 14), label (i + 1) % 10
  const ims = Array.from({ length: n }, (_, i) => {
    const im = new Uint8Array(H * W);
    im[14 * W + 14] = i + 1;
    return im;
  });
  const ds = dataset(
    ims,
    ims.map((_, i) => (i + 1) % 10),
  );
  const counts = new Map<string, number>();
  const rng = new SeededRng(5);
  const epochs = 40;
  for (let e = 0; e < epochs; e++) {
    const seen = new Set<number>();
    for (const [px, label] of epoch(ds, rng, m)) {
      const lit = [...px.keys()].filter((p) => px[p] !== -1);
      assert.equal(lit.length, 1, 'one lit pixel');
      const id = toByte(px[lit[0]]);
      assert.equal(label, id % 10, 'the label travels with its image');
      seen.add(id);
      const dx = (lit[0] % W) - 14;
      const dy = Math.floor(lit[0] / W) - 14;
      assert.ok(Math.abs(dx) <= m && Math.abs(dy) <= m, `offset (${dx}, ${dy})`);
      const k = `${dx},${dy}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    assert.equal(seen.size, n, 'every image once per epoch');
  }
  // 25 cells, 10,000 draws: chi-square with 24 degrees of freedom; P(χ² > 51.2) = 0.001.
  assert.equal(counts.size, (2 * m + 1) ** 2, 'every offset occurs');
  const expected = (n * epochs) / (2 * m + 1) ** 2;
  const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  assert.ok(chi2 < 51.2, `chi-square ${chi2.toFixed(1)} over 24 degrees of freedom`);
});

test('an all-ink image: the uncovered rows and columns are on the sides the move left, 28|dx| + 28|dy| − |dx||dy| of them', () => {
  const m = 3;
  const ds = dataset(
    Array.from({ length: 60 }, () => new Uint8Array(H * W).fill(255)),
    Array.from({ length: 60 }, () => 1),
  );
  const shifts = new Set<string>();
  for (const [px] of epoch(ds, new SeededRng(9), m)) {
    const bg = (y: number, x: number): boolean => px[y * W + x] === -1;
    // the background columns: a run at the left (moved right) or at the right (moved left)
    let left = 0;
    while (left < W && bg(H - 1, left) && bg(0, left)) left++;
    let right = 0;
    while (right < W && bg(H - 1, W - 1 - right) && bg(0, W - 1 - right)) right++;
    let top = 0;
    while (top < H && bg(top, Math.floor(W / 2)) && bg(top, left)) top++;
    let bottom = 0;
    while (bottom < H && bg(H - 1 - bottom, Math.floor(W / 2))) bottom++;
    assert.ok(left === 0 || right === 0, 'background on one side in x at most');
    assert.ok(top === 0 || bottom === 0, 'background on one side in y at most');
    const dx = left - right;
    const dy = top - bottom;
    assert.ok(Math.abs(dx) <= m && Math.abs(dy) <= m, `offset (${dx}, ${dy})`);
    shifts.add(`${dx},${dy}`);
    // every pixel: ink exactly where the moved image covers
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const covered = x - dx >= 0 && x - dx < W && y - dy >= 0 && y - dy < H;
        assert.equal(px[y * W + x], covered ? 1 : -1, `pixel (${x}, ${y}) after (${dx}, ${dy})`);
      }
    }
    const nBg = [...px].filter((v) => v === -1).length;
    assert.equal(nBg, W * Math.abs(dy) + H * Math.abs(dx) - Math.abs(dx) * Math.abs(dy));
  }
  assert.ok(shifts.size > 20, `60 images took ${shifts.size} of the 49 offsets`);
});

test('an asymmetric pattern keeps its shape: an L of three pixels and a dot, translated, not mirrored or transposed', () => {
  const pattern: [number, number, number][] = [
    [10, 12, 200], // [y, x, value]
    [11, 12, 150],
    [12, 12, 100],
    [12, 13, 50],
    [16, 15, 25],
  ];
  const im = new Uint8Array(H * W);
  for (const [y, x, v] of pattern) im[y * W + x] = v;
  const ds = dataset(
    Array.from({ length: 30 }, () => im),
    Array.from({ length: 30 }, () => 4),
  );
  for (const [px] of epoch(ds, new SeededRng(2), 4)) {
    const at200 = [...px.keys()].find((p) => toByte(px[p]) === 200)!;
    const dx = (at200 % W) - 12;
    const dy = Math.floor(at200 / W) - 10;
    for (const [y, x, v] of pattern) assert.equal(toByte(px[(y + dy) * W + (x + dx)]), v, `(${x}, ${y}) moved by (${dx}, ${dy})`);
    assert.equal([...px].filter((v) => v !== -1).length, pattern.length);
  }
});

test('bad maxShift values are RangeErrors; DP-SGD and the GAN tasks refuse augmentShift; the plan bounds it', async () => {
  const ds = dataset([new Uint8Array(H * W)], [0]);
  for (const bad of [-1, 1.5, 28, NaN]) assert.throws(() => [...epochBatches(ds, 1, new SeededRng(0), 0, bad)], RangeError, String(bad));
  assert.equal(localTrainingPlan({}, 10).augmentShift, 0);
  assert.equal(localTrainingPlan({ augmentShift: 8 }, 10).augmentShift, 8);
  assert.throws(() => localTrainingPlan({ augmentShift: 9 }, 10), /augmentShift/);
  assert.throws(() => localTrainingPlan({ augmentShift: 0.5 }, 10), /augmentShift/);
  const mlp = getTask('mlp-mnist');
  const model = mlp.createModel(0);
  try {
    await assert.rejects(
      trainSteps(model, ds, { augmentShift: 1, dpNoiseMultiplier: 1, dpClipNorm: 1, dpSampleRate: 1, localSteps: 1 }, 0, () => {
        throw new Error('no step may run');
      }),
      /augmentShift is not supported with DP-SGD/,
    );
  } finally {
    model.dispose();
  }
  const gan = getTask('gan-mnist');
  const g = gan.createModel(0);
  try {
    await assert.rejects(gan.trainLocal(g, ds, { augmentShift: 2 }, 0), /augmentShift is for the classifier tasks/);
  } finally {
    g.dispose();
  }
});
