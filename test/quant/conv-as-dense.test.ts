import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend';
import { convAsDense, convOutputShape } from '../../src/quant/conv-as-dense';
import { runFloat } from '../../src/quant/ptq';
import { fillUniform } from '../../src/nn/random';
import { SeededRng } from '../../src/util/rng';

before(async () => {
  await selectBackend({ quiet: true });
});

test('a convolution as a dense layer computes what tf.conv2d computes (valid padding, NHWC), strides 1-3', () => {
  const rng = new SeededRng(21);
  for (const [h, w, cin, k, cout, stride] of [
    [7, 9, 1, 3, 2, 1],
    [28, 28, 1, 3, 4, 2],
    [13, 13, 3, 3, 5, 2],
    [8, 8, 2, 2, 3, 3],
  ]) {
    const kernel = fillUniform(rng, new Float32Array(k * k * cin * cout), -1, 1);
    const bias = fillUniform(rng, new Float32Array(cout), -1, 1);
    const x = fillUniform(rng, new Float32Array(4 * h * w * cin), 0, 1);
    const { layer, output } = convAsDense(
      { height: h, width: w, channels: cin },
      { kernel, kernelHeight: k, kernelWidth: k, outChannels: cout, bias, stride, activation: 'relu' },
    );
    const ref = tf.tidy(() =>
      tf.relu(tf.add(tf.conv2d(tf.tensor4d(x, [4, h, w, cin]), tf.tensor4d(kernel, [k, k, cin, cout]), stride, 'valid'), tf.tensor1d(bias))),
    );
    assert.deepEqual(ref.shape, [4, output.height, output.width, cout]);
    const got = runFloat([layer], x, 4);
    const want = ref.dataSync();
    ref.dispose();
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `${h}x${w}x${cin} k${k} s${stride}: [${i}] ${got[i]} vs ${want[i]}`);
    // Each output neuron sees exactly its k·k·C_in window.
    const nonzero = Array.from({ length: layer.outputs }, (_, o) => {
      let n = 0;
      for (let i = 0; i < layer.inputs; i++) if (layer.kernel[i * layer.outputs + o] !== 0) n++;
      return n;
    });
    assert.ok(nonzero.every((n) => n === k * k * cin));
  }
  assert.throws(() => convOutputShape({ height: 2, width: 2, channels: 1 }, { kernelHeight: 3, kernelWidth: 3, outChannels: 1, stride: 1 }), /does not fit/);
  assert.throws(
    () =>
      convAsDense(
        { height: 5, width: 5, channels: 1 },
        { kernel: new Float32Array(8), kernelHeight: 3, kernelWidth: 3, outChannels: 1, bias: new Float32Array(1), stride: 1, activation: 'relu' },
      ),
    /kernel of 8 values/,
  );
});
