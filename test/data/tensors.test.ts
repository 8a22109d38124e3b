import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadMnist, subset } from '../../src/data';
import { toTensors } from '../../src/data/tensors';

test('toTensors: shapes, ranges and labels ready for tfjs, without leaking tensors', async () => {
  await tf.setBackend('cpu');
  const ds = subset(loadMnist(), [0, 1500, 9999]);
  const before = tf.memory().numTensors;
  const flat = toTensors(ds);
  assert.deepEqual(flat.x.shape, [3, 784]);
  assert.deepEqual(flat.yOneHot.shape, [3, 10]);
  const x = flat.x.dataSync();
  assert.equal(Math.min(...x), -1);
  assert.equal(Math.max(...x), 1);
  assert.deepEqual(Array.from(flat.y.dataSync()), Array.from(ds.labels));
  const predicted = flat.yOneHot.argMax(1);
  assert.deepEqual(Array.from(predicted.dataSync()), Array.from(ds.labels));
  const img = toTensors(ds, { range: '[0,1]', layout: 'image' });
  assert.deepEqual(img.x.shape, [3, 28, 28, 1]);
  assert.ok(Math.abs(img.x.dataSync()[200] - ds.images[200] / 255) < 1e-6);
  tf.dispose([predicted, flat.x, flat.y, flat.yOneHot, img.x, img.y, img.yOneHot]);
  assert.equal(tf.memory().numTensors, before);
});
