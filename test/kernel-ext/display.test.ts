import { test, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as lab from '../../kernel-ext/index';
import { loadMnist } from '../../src/data';
import { tmpDir } from '../support/tmp';

interface Sent {
  bundle: lab.MimeBundle;
  id: string;
  update: boolean;
}
let sent: Sent[] = [];
const prevSink = lab.setDisplaySink((bundle, id, update) => sent.push({ bundle, id, update }));
after(() => lab.setDisplaySink(prevSink));
const figures = tmpDir();
process.env.PRIVLAB_FIGURES_DIR = figures;
beforeEach(() => {
  sent = [];
});

test('charts: plotly.js is sent once per session, each chart carries HTML, the Plotly MIME type and text', () => {
  lab.line({ loss: [3, 2, 1] }, { title: 'Loss', save: 'charts/loss' });
  lab.bar(['a', 'b'], { n: [1, 2] });
  const loaders = sent.filter((s) => String(s.bundle['text/html']).includes('data-privlab="plotly.js'));
  assert.equal(loaders.length, 1);
  const charts = sent.filter((s) => 'application/vnd.plotly.v1+json' in s.bundle);
  assert.equal(charts.length, 2);
  const spec = charts[0].bundle['application/vnd.plotly.v1+json'] as { data: Array<{ y: number[] }> };
  assert.deepEqual(spec.data[0].y, [3, 2, 1]);
  assert.equal(charts[0].bundle['text/plain'], '<Plotly chart: Loss>');
  assert.ok(String(charts[1].bundle['text/html']).includes('Plotly.react'));
  assert.ok(fs.statSync(path.join(figures, 'charts/loss.html')).size > 1_000_000);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(figures, 'charts/loss.json'), 'utf8')).data[0].y, [3, 2, 1]);
});

test('live chart: one output updated in place, redraws throttled, final state complete', () => {
  const chart = lab.liveChart({ series: ['D', 'G'], intervalMs: 60_000 });
  for (let i = 0; i < 50; i++) chart.push({ D: i, G: 2 * i });
  chart.close();
  const mine = sent.filter((s) => 'application/vnd.plotly.v1+json' in s.bundle);
  assert.ok(mine.length >= 2 && mine.length <= 3, `throttled to a few redraws, got ${mine.length}`);
  assert.ok(
    mine.every((s) => s.id === mine[0].id),
    'same display id',
  );
  assert.deepEqual(
    mine.map((s) => s.update),
    [false, ...mine.slice(1).map(() => true)],
  );
  const last = mine[mine.length - 1].bundle['application/vnd.plotly.v1+json'] as { data: Array<{ y: number[] }> };
  assert.equal(last.data[1].y.length, 50);
  assert.equal(last.data[1].y[49], 98);
  assert.throws(() => chart.push({ X: 1 }), /unknown series "X"/);
  chart.push({ D: NaN });
  assert.equal(chart.data.series.D[50], null, 'non-finite values become gaps');
});

test('progress bar: updates in place with count, percentage, rate and ETA', async () => {
  const bar = lab.progressBar({ total: 4, label: 'train', unit: 'step', intervalMs: 0 });
  for (let i = 0; i < 3; i++) await bar.tick(1, { loss: 0.5 });
  const mid = sent[sent.length - 1].bundle['text/plain'] as string;
  assert.match(mid, /^train:  75%\|█+ +\| 3\/4 \[\d+:\d\d<\d+:\d\d, .* step\/s|s\/step/);
  assert.match(mid, /loss=0\.5000/);
  const state = bar.close();
  assert.equal(state.done, 3);
  assert.ok(sent.every((s) => s.id === sent[0].id));
  assert.ok(String(sent[sent.length - 1].bundle['text/html']).includes('privlab-progress-fill'));
  assert.throws(() => bar.tick(), /closed/);
});

test('progress iterator yields every item and closes the bar at 100 %', async () => {
  const seen: number[] = [];
  for await (const x of lab.progress([1, 2, 3], { intervalMs: 0 })) seen.push(x);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.match(sent[sent.length - 1].bundle['text/plain'] as string, /100%.*3\/3/);
});

test('durations and rates read like tqdm', () => {
  assert.equal(lab.formatDuration(5), '0:05');
  assert.equal(lab.formatDuration(3725), '1:02:05');
  assert.equal(lab.formatDuration(NaN), '?');
  assert.equal(lab.formatRate(12.345, 'it'), '12.35 it/s');
  assert.equal(lab.formatRate(0.25, 'img'), '4.00 s/img');
});

test('images: a dataset or a tensor becomes one PNG output; bad shapes are refused', () => {
  lab.images(loadMnist(), { indices: [0, 1, 2, 3], columns: 2, scale: 1, padding: 0, save: 'grid' });
  const out = sent[0].bundle;
  const png = PNG.sync.read(Buffer.from(out['image/png'] as string, 'base64'));
  assert.equal(png.width, 56);
  assert.equal(png.height, 56);
  assert.ok(fs.existsSync(path.join(figures, 'grid.png')));
  const tensor = { shape: [2, 4], dataSync: () => Float32Array.from([-1, -1, -1, -1, 1, 1, 1, 1]) };
  const grid = PNG.sync.read(lab.imagesPng(tensor, { scale: 1, padding: 0, columns: 2 }));
  assert.deepEqual([grid.width, grid.height, grid.data[0], grid.data[2 * 4]], [4, 2, 0, 255]);
  assert.throws(() => lab.images({ shape: [2, 5], dataSync: () => new Float32Array(10) }), /cannot lay out 5 values/);
  assert.throws(() => lab.images({ shape: [2, 2, 2, 3], dataSync: () => new Float32Array(24) }), /images must be/);
  assert.throws(() => lab.images(loadMnist(), { indices: [10000] }), /outside/);
});

test('table: a danfojs DataFrame becomes an HTML table with a text fallback, saved as HTML and CSV', async () => {
  const dfd = await import('danfojs-node');
  const df = new dfd.DataFrame({ digit: ['0', '1'], share: [0.25, 0.75] });
  lab.table(df, { digits: 2, save: 'tables/t' });
  const html = sent[0].bundle['text/html'] as string;
  assert.ok(html.includes('<th>digit</th><th>share</th>'));
  assert.ok(html.includes('<td>1</td><td>0.75</td>'));
  assert.match(sent[0].bundle['text/plain'] as string, /digit\s+share/);
  assert.equal(fs.readFileSync(path.join(figures, 'tables/t.csv'), 'utf8'), 'digit,share\n0,0.25\n1,0.75\n');
});

test('figure names cannot escape figures/', () => {
  assert.throws(() => lab.saveFigure('../x', 'a'), /must be a relative path/);
  assert.throws(() => lab.saveFigure('/abs', 'a'), /must be a relative path/);
});

test('summary: one output, drawn pending first, then redrawn in place with each line; bad lines refused', () => {
  const s = lab.summary('Results', { pending: 'wait' });
  s.set('FID', 47.25);
  s.set('classes', '9 of 10 <digits>');
  s.set('FID', 40);
  assert.equal(sent.length, 4);
  assert.ok(
    sent.every((x) => x.id === sent[0].id),
    'same display id',
  );
  assert.deepEqual(
    sent.map((x) => x.update),
    [false, true, true, true],
  );
  assert.equal(sent[0].bundle['text/plain'], 'Results\n(wait)');
  assert.equal(sent[3].bundle['text/plain'], 'Results\n- FID: 40\n- classes: 9 of 10 <digits>', 'a replaced line keeps its place');
  assert.match(String(sent[3].bundle['text/html']), /<b>classes<\/b>: 9 of 10 &lt;digits&gt;/);
  assert.throws(() => s.set('', 'x'), TypeError);
  assert.throws(() => s.set('FID', NaN), /must be finite, got NaN/);
});
