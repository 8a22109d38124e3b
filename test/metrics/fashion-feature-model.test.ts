import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFashionMnist } from '../../src/data';
import { selectBackend } from '../../src/backend';
import { classifierAccuracy, fashionFeatureModelPath, loadFeatureModel } from '../../src/metrics/feature-model';
import { loadModel } from '../../src/metrics/tfjs-files';

test('the cached Fashion-MNIST FID classifier: 84 features, its recorded test accuracy re-measured on the 10,000 test images', async () => {
  await selectBackend({ quiet: true });
  const file = fashionFeatureModelPath();
  const fm = await loadFeatureModel(file);
  assert.equal(fm.dims, 84);
  assert.deepEqual(fm.inputShape, [28, 28, 1]);
  const recorded = fm.meta.testAccuracy as number;
  const command = fm.meta.command as string;
  fm.dispose();
  const { model } = await loadModel(file);
  const acc = classifierAccuracy(model, loadFashionMnist('test'));
  model.dispose();
  // LeNet-5-class networks reach about 89–91 % on Fashion-MNIST.
  assert.ok(acc >= 0.87, `accuracy ${acc}`);
  assert.ok(Math.abs(acc - recorded) < 0.005, `re-measured ${acc} vs recorded ${recorded}`);
  const note = fs.readFileSync(path.join(path.dirname(file), 'README.md'), 'utf8');
  assert.match(command, /^privlab fid train-classifier --dataset fashion /);
  assert.ok(note.includes(`    ${command}\n`), 'the note gives the command recorded in model.json');
  assert.ok(note.includes((recorded * 100).toFixed(2)), 'the note gives the recorded accuracy');
});
