import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadCanonicalMnist, subset } from '../../src/data';
import { toTensors } from '../../src/data/tensors';
import { selectBackend } from '../../src/backend';
import { FeatureModel, loadFeatureModel, predictClasses } from '../../src/metrics/feature-model';
import { datasetStats, generatorQuality } from '../../src/metrics/gan-fid';
import { modeCoverage } from '../../src/metrics/mode-coverage';
import { Gan } from '../../src/nn/gan';

let fm: FeatureModel;
before(async () => {
  await selectBackend({ quiet: true });
  fm = await loadFeatureModel();
});

test('modeCoverage counts shares per class and the classes at or above the threshold', () => {
  // 20 samples: class 0 ×10, 1 ×5, 2 ×4, 3 ×1 → shares .5, .25, .2, .05; the rest 0.
  const predicted = [...Array(10).fill(0), ...Array(5).fill(1), ...Array(4).fill(2), 3];
  const c = modeCoverage(predicted, 10);
  assert.deepEqual(c.classShares, [0.5, 0.25, 0.2, 0.05, 0, 0, 0, 0, 0, 0]);
  assert.equal(c.classesCovered, 4, 'a share of exactly 5 % counts as covered');
  assert.equal(modeCoverage(predicted, 10, 0.06).classesCovered, 3);
  assert.equal(c.samples, 20);
  assert.throws(() => modeCoverage([0, 10], 10), /sample 1 has class 10/);
  assert.throws(() => modeCoverage([], 10), /no samples/);
  assert.throws(() => modeCoverage([0], 10, 0), /threshold/);
});

test("real test digits: predicted shares equal the label counts / N within the classifier's errors", () => {
  const ds = subset(
    loadCanonicalMnist('test'),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  const { x, y, yOneHot } = toTensors(ds, { range: '[0,1]', layout: 'image' });
  const predicted = predictClasses(fm, x, '[0,1]');
  tf.dispose([x, y, yOneHot]);
  const labels = Array.from(ds.labels);
  const wrong = labels.filter((l, i) => predicted[i] !== l).length;
  assert.ok(wrong / ds.count < 0.05, `the LeNet misclassifies ${wrong} of ${ds.count}`);
  const c = modeCoverage(predicted, 10);
  for (let k = 0; k < 10; k++) {
    const truth = labels.filter((l) => l === k).length / ds.count;
    // Each misclassified digit moves at most one sample out of one class and into another.
    assert.ok(Math.abs(c.classShares[k] - truth) <= wrong / ds.count, `class ${k}: share ${c.classShares[k]} vs labels ${truth}`);
  }
  assert.equal(c.classesCovered, 10);
});

test('a generator that only draws copies of one digit covers 1 class', () => {
  const test = loadCanonicalMnist('test');
  const three = Array.from(test.labels).indexOf(3);
  const px = test.images.subarray(three * 784, (three + 1) * 784);
  // Zero last kernel, bias = atanh(pixel in [-1, 1]): G(z) = that digit for every z.
  const gan = new Gan({}, 0);
  const last = gan.generator.layers[gan.generator.layers.length - 1];
  last.kernel.assign(tf.zerosLike(last.kernel));
  last.bias.assign(tf.tensor1d(Array.from(px, (p) => Math.atanh(Math.min(0.999, Math.max(-0.999, p / 127.5 - 1))))));
  const real = datasetStats(
    fm,
    subset(
      test,
      Array.from({ length: 500 }, (_, i) => i),
    ),
  );
  const q = generatorQuality(gan, fm, real, { count: 200, seed: 1 });
  assert.equal(q.coverage.classesCovered, 1);
  assert.equal(q.coverage.classShares[3], 1);
  assert.equal(q.coverage.samples, 200);
  assert.ok(q.fid > 50, `one repeated digit is far from the test set: FID ${q.fid}`);
  gan.dispose();
});
