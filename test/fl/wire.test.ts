/**
 * The wire frame: a bit-exact round trip, and every malformed input rejected with a named
 * error that says what is wrong — before any large allocation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  WireFormatError,
  WeightsError,
  Weights,
  decodeFrame,
  encodeFrame,
  frameLimit,
  encodeUpdate,
  decodeUpdate,
  encodeTask,
  decodeTask,
  IDENTITY_POLICY,
} from '../../src/fl';

const specs = [
  { name: 'layer0/kernel', shape: [3, 2] },
  { name: 'layer0/bias', shape: [2] },
  { name: 'empty', shape: [0] },
];
const w: Weights = { specs, values: [Float32Array.from([1.5, -0, 1e-40, -3.25, 65504, 7]), Float32Array.from([0.1, -0.2]), new Float32Array(0)] };
const limit = frameLimit(specs);

function bytesOf(a: Float32Array): number[] {
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

const isWire =
  (re: RegExp) =>
  (e: Error): boolean =>
    e instanceof WireFormatError && re.test(e.message);
const isWeights =
  (re: RegExp) =>
  (e: Error): boolean =>
    e instanceof WeightsError && re.test(e.message);

test('round trip is bit-exact (signed zero, subnormals) with metadata', () => {
  const bytes = encodeFrame('update', { round: 3, note: 'x' }, w);
  assert.equal(Buffer.from(bytes.subarray(0, 4)).toString('latin1'), 'PLFL');
  const f = decodeFrame(bytes, { kind: 'update', maxBytes: limit, expect: specs });
  assert.deepEqual(f.meta, { round: 3, note: 'x' });
  assert.deepEqual(f.weights.specs, specs);
  f.weights.values.forEach((v, i) => assert.deepEqual(bytesOf(v), bytesOf(w.values[i])));
  assert.ok(bytes.length <= limit);
});

test('little endian on the wire: the first float of a known frame', () => {
  const one = encodeFrame('update', {}, { specs: [{ name: 'x', shape: [1] }], values: [Float32Array.from([1])] });
  assert.deepEqual(Array.from(one.subarray(one.length - 4)), [0x00, 0x00, 0x80, 0x3f]);
});

test('rejects malformed frames with a named error', () => {
  const good = encodeFrame('update', { round: 1 }, w);
  const mutate = (f: (b: Uint8Array, v: DataView) => void): Uint8Array => {
    const b = Uint8Array.from(good);
    f(b, new DataView(b.buffer));
    return b;
  };
  const opts = { kind: 'update' as const, maxBytes: limit, expect: specs };
  assert.throws(() => decodeFrame(good.subarray(0, 5), opts), isWire(/shorter than the 12-byte preamble/));
  assert.throws(
    () =>
      decodeFrame(
        mutate((b) => (b[0] = 0x58)),
        opts,
      ),
    isWire(/bad magic "XLFL"/),
  );
  assert.throws(
    () =>
      decodeFrame(
        mutate((_, v) => v.setUint16(4, 2, true)),
        opts,
      ),
    isWire(/version 2/),
  );
  assert.throws(
    () =>
      decodeFrame(
        mutate((b) => (b[6] = 9)),
        opts,
      ),
    isWire(/unknown message kind 9/),
  );
  assert.throws(() => decodeFrame(good, { ...opts, kind: 'task' }), isWire(/got a "update" message, expected "task"/));
  assert.throws(
    () =>
      decodeFrame(
        mutate((_, v) => v.setUint32(8, 0xffffffff, true)),
        opts,
      ),
    isWire(/header claims 4294967295 bytes/),
  );
  assert.throws(
    () =>
      decodeFrame(
        mutate((b) => (b[12] = 0x7b + 1)),
        opts,
      ),
    isWire(/not UTF-8 JSON/),
  );
  // every truncation is caught, none reads past the end
  for (const cut of [12, 20, good.length - 100, good.length - 1])
    assert.throws(() => decodeFrame(good.subarray(0, cut), opts), WireFormatError, `cut at ${cut}`);
  const longer = new Uint8Array(good.length + 4);
  longer.set(good);
  assert.throws(() => decodeFrame(longer, opts), isWire(/4 trailing bytes/));
  assert.throws(
    () => decodeFrame(longer, { ...opts, maxBytes: good.length }),
    isWire(new RegExp(`${longer.length} bytes exceeds the limit of ${good.length}`)),
  );
});

test('a header cannot declare more data than the message holds (no allocation from a lie)', () => {
  const lie = encodeFrame('update', {}, { specs: [{ name: 'huge', shape: [65536, 65536] }], values: [] } as unknown as Weights);
  assert.throws(() => decodeFrame(lie, { kind: 'update', maxBytes: 1 << 20 }), isWire(/truncated: tensors up to "huge" need/));
  const dup = encodeFrame(
    'update',
    {},
    {
      specs: [
        { name: 'a', shape: [1] },
        { name: 'a', shape: [1] },
      ],
      values: [new Float32Array(1), new Float32Array(1)],
    },
  );
  assert.throws(() => decodeFrame(dup, { kind: 'update', maxBytes: 1 << 20 }), isWire(/"a" appears twice/));
  const badShape = encodeFrame('update', {}, { specs: [{ name: 'a', shape: [-1] }], values: [new Float32Array(0)] });
  assert.throws(() => decodeFrame(badShape, { kind: 'update', maxBytes: 1 << 20 }), isWire(/invalid shape \[-1\]/));
});

test('wrong names, wrong shapes and non-finite values are rejected, naming the tensor', () => {
  const opts = { kind: 'update' as const, maxBytes: 1 << 20, expect: specs };
  const swapped: Weights = { specs: [{ name: 'layer0/kernel', shape: [2, 3] }, specs[1], specs[2]], values: w.values };
  assert.throws(() => decodeFrame(encodeFrame('update', {}, swapped), opts), isWeights(/layer0\/kernel has shape \[2,3\], expected \[3,2\]/));
  const renamed: Weights = { specs: [specs[0], { name: 'bias', shape: [2] }, specs[2]], values: w.values };
  assert.throws(() => decodeFrame(encodeFrame('update', {}, renamed), opts), isWeights(/tensor 1 is "bias", expected "layer0\/bias"/));
  assert.throws(
    () => decodeFrame(encodeFrame('update', {}, { specs: specs.slice(0, 2), values: w.values.slice(0, 2) }), opts),
    isWeights(/2 tensors, expected 3/),
  );
  for (const bad of [NaN, Infinity, -Infinity]) {
    const v = w.values.map((x) => Float32Array.from(x));
    v[1][1] = bad;
    assert.throws(
      () => decodeFrame(encodeFrame('update', {}, { specs, values: v }), opts),
      isWeights(new RegExp(`layer0/bias\\[1\\] is ${bad} \\(non-finite\\)`)),
    );
  }
});

test('typed messages validate their metadata', () => {
  const u = { job: 'abc.1', round: 2, site: 'site-1', numExamples: 10, metrics: { loss: 0.5 }, update: w };
  const back = decodeUpdate(encodeUpdate(u), limit, specs);
  assert.equal(back.site, 'site-1');
  assert.deepEqual(back.metrics, { loss: 0.5 });
  assert.throws(() => decodeUpdate(encodeUpdate({ ...u, numExamples: 0 }), limit, specs), isWire(/"numExamples" must be an integer ≥ 1/));
  assert.throws(() => decodeUpdate(encodeUpdate({ ...u, site: 'a b' }), limit, specs), isWire(/"site" must be a string/));
  assert.throws(
    () => decodeUpdate(encodeUpdate({ ...u, metrics: { loss: 'x' as unknown as number } }), limit, specs),
    isWire(/"metrics" must be an object of finite numbers/),
  );
  const t = {
    job: 'abc.1',
    round: 1,
    mode: 'fit' as const,
    sites: ['site-1', 'site-2'],
    task: 'mlp-mnist',
    config: { localSteps: 3, optimizer: 'sgd' },
    policy: IDENTITY_POLICY,
    weights: w,
  };
  const tb = decodeTask(encodeTask(t), limit);
  assert.deepEqual(tb.config, t.config);
  assert.deepEqual(tb.policy, IDENTITY_POLICY);
  assert.deepEqual(tb.sites, ['site-1', 'site-2']);
  assert.throws(() => decodeTask(encodeTask({ ...t, sites: ['ok', 'not ok'] }), limit), isWire(/"sites" must be an array of strings/));
  assert.throws(() => decodeTask(encodeTask({ ...t, mode: 'train' as 'fit' }), limit), isWire(/"mode" must be/));
});
