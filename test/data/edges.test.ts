import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadFashionMnist, makeDataset, sobel, sobelEdges } from '../../src/data';
import { cropCentre, edgePairs, fashionEdgePairs, padImages } from '../../src/data/pix2pix-pairs';

const close = (a: ArrayLike<number>, b: number[], what: string): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `${what}[${i}] = ${a[i]}, expected ${b[i]}`);
};

test('Sobel of a single bright pixel is the kernel rotated by 180°, magnitude √2 at corners, 2 at edges, 0 at the centre', () => {
  const { gx, gy, magnitude } = sobel([0, 0, 0, 0, 1, 0, 0, 0, 0], 1, 3, 3);
  close(gx, [1, 0, -1, 2, 0, -2, 1, 0, -1], 'gx');
  close(gy, [1, 2, 1, 0, 0, 0, -1, -2, -1], 'gy');
  close(magnitude, [Math.SQRT2, 2, Math.SQRT2, 2, 0, 2, Math.SQRT2, 2, Math.SQRT2], 'magnitude');
});

test('Sobel of a vertical step edge: 4 beside the step inside, 3 on the zero-padded top and bottom rows', () => {
  // Rows [0, 0, 1, 1]; zero padding outside makes the right border a falling edge too.
  const img = Array.from({ length: 16 }, (_, i) => (i % 4 >= 2 ? 1 : 0));
  const { gx, gy } = sobel(img, 1, 4, 4);
  // Interior rows: gx = (right − left column sum) with weights 1, 2, 1 → 4 at columns 1 and 2, −4 at column 3.
  close(Array.from(gx.subarray(4, 8)), [0, 4, 4, -4], 'gx row 1');
  // Top row: only weights 2 (own row) and 1 (row below) see the image → 3.
  close(Array.from(gx.subarray(0, 4)), [0, 3, 3, -3], 'gx row 0');
  // gy on the top row: the row below, weighted 1, 2, 1, minus zero padding above.
  close(Array.from(gy.subarray(0, 4)), [0, 1, 3, 3], 'gy row 0');
  close(Array.from(gy.subarray(4, 8)), [0, 0, 0, 0], 'gy row 1');
  // Two images are processed independently.
  const two = sobel([...img, ...new Array(16).fill(0)], 2, 4, 4);
  close(Array.from(two.gx.subarray(0, 16)), Array.from(gx), 'first of two');
  assert.ok(two.magnitude.subarray(16).every((v) => v === 0));
});

test('sobelEdges: scaled to [0, 1] and optionally binary; bad arguments are rejected', () => {
  const e = sobelEdges([0, 0, 0, 0, 1, 0, 0, 0, 0], 1, 3, 3);
  close(e, [Math.SQRT2 / 2, 1, Math.SQRT2 / 2, 1, 0, 1, Math.SQRT2 / 2, 1, Math.SQRT2 / 2], 'edges');
  close(sobelEdges([0, 0, 0, 0, 1, 0, 0, 0, 0], 1, 3, 3, { threshold: 0.9 }), [0, 1, 0, 1, 0, 1, 0, 1, 0], 'binary');
  assert.throws(() => sobel([1, 2, 3], 1, 2, 2), /need 4 pixels/);
  assert.throws(() => sobel([], 0, 2, 2), /count/);
  assert.throws(() => sobelEdges([0], 1, 1, 1, { scale: 0 }), /scale/);
});

test('padImages centres 28x28 images in 32x32 frames; odd or too small frames are rejected', () => {
  const images = new Uint8Array(2 * 28 * 28);
  images[0] = 255; // image 0, pixel (0, 0)
  images[28 * 28 + 27 * 28 + 27] = 51; // image 1, pixel (27, 27)
  const ds = makeDataset({ name: 'tiny', images, labels: new Uint8Array([0, 1]), count: 2, height: 28, width: 28, classNames: ['a', 'b'] });
  const p = padImages(ds, 32);
  assert.equal(p.length, 2 * 32 * 32);
  assert.equal(p[2 * 32 + 2], 1);
  assert.ok(Math.abs(p[32 * 32 + 29 * 32 + 29] - 0.2) < 1e-7);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1.2) < 1e-6, 'nothing else is set');
  assert.throws(() => padImages(ds, 27), /≥/);
  assert.throws(() => padImages(ds, 31), /odd padding/);
  assert.throws(() => padImages(ds, 32, [2]), /outside/);
});

test('edge pairs: [n, 32, 32, 1] tensors in [-1, 1]; background −1 in both; edges where the image changes', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const { edges, images, labels } = fashionEdgePairs('test', { count: 3 });
  assert.deepEqual(edges.shape, [3, 32, 32, 1]);
  assert.deepEqual(images.shape, [3, 32, 32, 1]);
  assert.deepEqual(Array.from(labels), Array.from(loadFashionMnist('test').labels.subarray(0, 3)));
  const e = edges.dataSync();
  const im = images.dataSync();
  assert.ok(e.every((v) => v >= -1 && v <= 1) && im.every((v) => v >= -1 && v <= 1));
  // The 2-pixel frame of padding: the image is background there; the edge map is too except
  // next to the garment (Sobel reaches one pixel out), so its outermost ring is −1.
  for (let n = 0; n < 3; n++) {
    for (let i = 0; i < 32; i++) {
      for (const [y, x] of [[0, i], [31, i], [i, 0], [i, 31]]) {
        assert.equal(im[n * 1024 + y * 32 + x], -1);
        assert.equal(e[n * 1024 + y * 32 + x], -1);
      }
    }
    let strong = 0;
    for (let i = 0; i < 1024; i++) if (e[n * 1024 + i] > 0) strong++;
    assert.ok(strong > 20 && strong < 700, `image ${n}: ${strong} edge pixels — an outline, not everything`);
  }
  // Cropping undoes the padding: the original 28x28 pixels, rescaled to [-1, 1].
  const crop = cropCentre(images);
  const original = loadFashionMnist('test').images.subarray(0, 784);
  assert.deepEqual(crop.shape, [3, 28, 28, 1]);
  crop.dataSync().subarray(0, 784).forEach((v, i) => assert.ok(Math.abs(v - (original[i] / 255) * 2 + 1) < 1e-6));
  assert.throws(() => cropCentre(images, 27), /centred 27x27/);
  tf.dispose([edges, images, crop]);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => edgePairs(makeDataset({ name: 'one', images: new Uint8Array(4), labels: new Uint8Array(1), count: 1, height: 2, width: 2, classNames: ['a'] }), { indices: [] }), /no images/);
});
