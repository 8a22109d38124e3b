/** kernel-ext's trainGanLive: the notebook form of trainGan (chart, progress bar, sample grids). */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/backend';
import { loadMnist, subset } from '../../src/data';
import { MimeBundle, setDisplaySink, trainGanLive } from '../../kernel-ext/index';

before(async () => {
  await selectBackend({ backend: 'native', quiet: true });
});

const SMALL = { latentDim: 8, generatorHidden: [32], discriminatorHidden: [32] };
const ds = subset(
  loadMnist(),
  Array.from({ length: 128 }, (_, i) => i),
);

test('trainGanLive shows a loss chart, a progress bar and the sample grids, and returns the run', async () => {
  const shown: Array<{ bundle: MimeBundle; id: string; update: boolean }> = [];
  const prev = setDisplaySink((bundle, id, update) => shown.push({ bundle, id, update }));
  try {
    const run = await trainGanLive({ dataset: ds, epochs: 2, config: SMALL, sampleEpochs: [1, 2], sampleCount: 4, redrawMs: 0 });
    assert.equal(run.history.epochs.length, 2);
    assert.ok(run.msPerStep > 0);
    assert.equal(run.backend.name, 'privlab-native');
    const pngs = shown.filter((s) => 'image/png' in s.bundle);
    assert.equal(pngs.length, 2, 'one grid per sample epoch');
    assert.match(String(pngs[1].bundle['text/plain']), /samples after epoch 2/);
    const charts = shown.filter((s) => 'application/vnd.plotly.v1+json' in s.bundle);
    assert.ok(
      charts.some((c) => c.update),
      'the chart is redrawn in place',
    );
    const bars = shown.filter((s) => String(s.bundle['text/html'] ?? '').includes('privlab-progress'));
    assert.match(String(bars[bars.length - 1].bundle['text/plain']), /100%.*4\/4/);
    run.gan.dispose();
  } finally {
    setDisplaySink(prev);
  }
});

test('trainGanLive: displays failing mid-run do not end training', async () => {
  let calls = 0;
  // The chart and the bar appear, then every later display fails (a front end gone away).
  const prev = setDisplaySink(() => {
    if (++calls > 3) throw new Error('front end gone');
  });
  const errors: string[] = [];
  const origError = console.error;
  console.error = (...a: unknown[]) => {
    errors.push(a.join(' '));
  };
  try {
    const run = await trainGanLive({ dataset: ds, epochs: 1, config: SMALL, sampleEpochs: [1], sampleCount: 4, redrawMs: 0 });
    assert.equal(run.history.epochs.length, 1);
    assert.equal(errors.length, 1, 'warned once');
    assert.match(errors[0], /display update failed \(front end gone\); training continues/);
    run.gan.dispose();
  } finally {
    console.error = origError;
    setDisplaySink(prev);
  }
});

test('trainGanLive: each chart point is the mean of equal runs of steps, none of a few left-over steps', async () => {
  const shown: MimeBundle[] = [];
  const prev = setDisplaySink((bundle) => shown.push(bundle));
  try {
    // 16 steps per epoch, at most 5 points: a point every 4 steps (every 3 would leave a point of 1 step).
    const run = await trainGanLive({ dataset: ds, epochs: 2, batchSize: 8, chartPointsPerEpoch: 5, config: SMALL, sampleEpochs: [], redrawMs: 0 });
    const charts = shown.filter((b) => 'application/vnd.plotly.v1+json' in b);
    const spec = charts[charts.length - 1]['application/vnd.plotly.v1+json'] as { data: Array<{ name: string; x: number[]; y: number[] }> };
    const d = spec.data.find((t) => t.name === 'D loss')!;
    const steps = run.history.steps.d;
    assert.equal(steps.length, 32);
    const means = Array.from({ length: 8 }, (_, k) => steps.slice(4 * k, 4 * k + 4).reduce((a, b) => a + b, 0) / 4);
    assert.deepEqual(d.x, [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
    d.y.forEach((y, k) => assert.ok(Math.abs(y - means[k]) < 1e-6, `point ${k}: ${y} vs ${means[k]}`));
    run.gan.dispose();
  } finally {
    setDisplaySink(prev);
  }
});
