/**
 * The main job end to end: `privlab report` executes notebooks/00-quickstart.ipynb
 * headless through Jupyter with the privlab (tslab) kernel; the executed notebook and
 * the HTML report are checked, the report in headless Chromium with the network closed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium, offlinePage } from '../support/browser';
import { privlab, ROOT } from '../support/cli';
import { tmpDir } from '../support/tmp';

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
}
interface Cell {
  cell_type: string;
  outputs?: Output[];
}

const out = tmpDir('privlab-report-');
const figures = tmpDir('privlab-figures-');
let cells: Cell[] = [];
let run: ReturnType<typeof privlab>;
let browser: Browser | undefined;

const joined = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v ?? ''));
const outputs = (): Output[] => cells.flatMap((c) => c.outputs ?? []);

before(() => {
  run = privlab(['report', path.join(ROOT, 'notebooks', '00-quickstart.ipynb'), '--out', out], { PRIVLAB_FIGURES_DIR: figures });
  if (run.status === 0) cells = JSON.parse(fs.readFileSync(path.join(out, '00-quickstart.ipynb'), 'utf8')).cells;
});
after(async () => {
  await browser?.close();
});

test('privlab report runs the quickstart and writes the report and the executed notebook', () => {
  assert.equal(run.status, 0, `exit ${run.status}\n${run.stderr}`);
  assert.match(run.stdout, /00-quickstart\.ipynb → .*00-quickstart\.html/);
  assert.ok(fs.statSync(path.join(out, '00-quickstart.html')).size > 1_000_000);
  assert.match(run.stderr, /cell \d+ \(5\/5 code\)/, 'per-cell progress');
});

test('executed quickstart: no error output, a Plotly chart, a PNG image, an HTML table', () => {
  assert.ok(cells.length > 0);
  const counts = cells.filter((c) => c.cell_type === 'code').map((c) => (c as { execution_count?: number }).execution_count);
  assert.deepEqual(
    counts,
    counts.map((_, i) => i + 1),
    'prompt numbers 1, 2, 3 …',
  );
  assert.deepEqual(
    outputs()
      .filter((o) => o.output_type === 'error' || o.name === 'stderr')
      .map((o) => joined(o.text ?? o.ename)),
    [],
  );
  const charts = outputs().filter((o) => o.data && 'application/vnd.plotly.v1+json' in o.data);
  assert.ok(charts.length >= 2, 'bar chart and live chart');
  assert.ok(charts.every((c) => joined(c.data!['text/html']).includes('Plotly.react')));
  const png = outputs().find((o) => o.data && 'image/png' in o.data);
  assert.ok(png);
  assert.equal(Buffer.from(joined(png.data!['image/png']), 'base64').subarray(1, 4).toString(), 'PNG');
  const table = outputs().find((o) => joined(o.data?.['text/html']).includes('<table'));
  assert.ok(table);
  assert.match(joined(table.data!['text/html']), /<th>digit<\/th><th>train<\/th><th>test<\/th>/);
  assert.equal(outputs().filter((o) => joined(o.data?.['text/html']).includes('data-privlab="plotly.js')).length, 1, 'plotly.js carried once');
});

test('live outputs end in their final state: progress at 100 %, chart with every point', () => {
  const bar = outputs().find((o) => joined(o.data?.['text/plain']).startsWith('centroids:'));
  assert.ok(bar);
  assert.match(joined(bar.data!['text/plain']), /100%.*40\/40/);
  const live = outputs().find((o) => joined(o.data?.['text/plain']).includes('Nearest-centroid accuracy'));
  const spec = live!.data!['application/vnd.plotly.v1+json'] as { data: Array<{ y: number[] }> };
  assert.equal(spec.data[0].y.length, 40);
  const finalAcc = spec.data[0].y[39];
  assert.ok(finalAcc > 0.75 && finalAcc < 0.9, `nearest-centroid accuracy on MNIST is about 0.82, got ${finalAcc}`);
  assert.ok(fs.existsSync(path.join(figures, 'quickstart', 'digits.png')), 'figures saved where asked');
});

test('the summary in the first code cell carries the results of later cells (updated in place through its display id)', () => {
  const first = cells.find((c) => c.cell_type === 'code')!;
  const box = (first.outputs ?? []).find((o) => joined(o.data?.['text/html']).includes('privlab-summary'));
  assert.ok(box, 'a summary output in the first code cell');
  const text = joined(box.data!['text/plain']);
  assert.doesNotMatch(text, /filled in as the notebook runs/);
  assert.match(text, /training images per digit: \d+ to \d+/);
  const acc = /nearest-centroid classifier: ([\d.]+) % test accuracy/.exec(text);
  assert.ok(acc, text);
  // The live chart's last point, drawn by the last cell.
  const live = outputs().find((o) => joined(o.data?.['text/plain']).includes('Nearest-centroid accuracy'));
  const y = (live!.data!['application/vnd.plotly.v1+json'] as { data: Array<{ y: number[] }> }).data[0].y;
  assert.equal(acc[1], (100 * y[y.length - 1]).toFixed(1));
});

test('the HTML report renders its Plotly charts in headless Chromium, offline, with no errors', async () => {
  browser = await launchChromium();
  const reportUrl = pathToFileURL(path.join(out, '00-quickstart.html')).href;
  // Offline: anything but the report itself (and inline data: URLs) is refused and recorded.
  const { page, problems, requests } = await offlinePage(browser, (url) => url === reportUrl);
  await page.goto(reportUrl, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2, undefined, { timeout: 30_000 });
  const rendered = await page.evaluate(() =>
    Array.from(document.querySelectorAll('.js-plotly-plot')).map((p) => ({
      svgs: p.querySelectorAll('svg.main-svg').length,
      bars: p.querySelectorAll('.barlayer .trace .point').length,
      lines: p.querySelectorAll('.scatterlayer .trace path.js-line').length,
    })),
  );
  assert.equal(rendered.length, 2);
  assert.ok(rendered.every((r) => r.svgs > 0));
  assert.equal(rendered[0].bars, 20, 'two bar traces of ten digits each');
  assert.equal(rendered[1].lines, 1, 'live chart line');
  assert.equal(await page.locator('img[src^="data:image/png"]').count(), 1);
  const summaryTop = (await page.locator('.privlab-summary').boundingBox())!.y;
  assert.ok(summaryTop < (await page.locator('img[src^="data:image/png"]').boundingBox())!.y, 'the summary opens the report');
  assert.match((await page.locator('.privlab-summary').innerText()).replace(/\s+/g, ' '), /nearest-centroid classifier: [\d.]+ % test accuracy/);
  assert.ok((await page.locator('table.privlab-table tbody tr').count()) === 10);
  assert.deepEqual(requests, [], 'the report loads nothing from elsewhere');
  assert.deepEqual(problems, []);
});
