// The figure specs, the chart script and the text/HTML tables checked against outputs written
// out by hand (the Plotly JSON schema's fields, a table laid out on paper), and the chart
// script run in a VM against a stand-in window, as a browser would run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vm from 'node:vm';
import { PNG } from 'pngjs';
import { barChart, figureHtml, imageGridPng, lineChart, PlotlyFigure, scriptJson, tableHtml, tableText } from '../../src/viz';
import { formatCell, tableData } from '../../src/viz/table';

const CONFIG = { responsive: true, displaylogo: false };

test('lineChart: the whole figure, with and without options', () => {
  assert.deepEqual(lineChart({ D: [1, 2] }), {
    data: [{ type: 'scatter', mode: 'lines', name: 'D', x: [0, 1], y: [1, 2] }],
    layout: {
      title: undefined,
      xaxis: { title: { text: '' } },
      yaxis: { title: { text: '' }, type: 'linear' },
      height: 360,
      margin: { l: 60, r: 20, t: 20, b: 50 },
      template: undefined,
    },
    config: CONFIG,
  });
  const f = lineChart({ a: [3, null], b: [5, 6] }, { title: 'FID', xTitle: 'epoch', yTitle: 'value', logY: true, height: 200, x: ['e1', 'e2'] });
  assert.deepEqual(f.layout, {
    title: { text: 'FID' },
    xaxis: { title: { text: 'epoch' } },
    yaxis: { title: { text: 'value' }, type: 'log' },
    height: 200,
    margin: { l: 60, r: 20, t: 50, b: 50 },
    template: undefined,
  });
  assert.deepEqual(f.data, [
    { type: 'scatter', mode: 'lines', name: 'a', x: ['e1', 'e2'], y: [3, null] },
    { type: 'scatter', mode: 'lines', name: 'b', x: ['e1', 'e2'], y: [5, 6] },
  ]);
});

test('grouped styles: colours follow the group order, dashes the member order, and both cycle', () => {
  // 12 groups of one: the 11th takes the first colour again. One group of 7: the 7th member the first dash.
  const names = Array.from({ length: 12 }, (_, i) => `g${i}`);
  const f = lineChart(Object.fromEntries(names.map((n) => [n, [1]])), { groups: {} });
  const colours = f.data.map((d) => (d.line as { color: string }).color);
  assert.deepEqual(colours.slice(0, 3), ['#1f77b4', '#ff7f0e', '#2ca02c']);
  assert.equal(colours[10], colours[0]);
  assert.equal(colours[11], colours[1]);
  assert.equal(new Set(colours.slice(0, 10)).size, 10);
  const members = Array.from({ length: 7 }, (_, i) => `s${i}`);
  const g = lineChart(Object.fromEntries(members.map((n) => [n, [1]])), { groups: Object.fromEntries(members.map((n) => [n, 'G'])) });
  assert.deepEqual(
    g.data.map((d) => (d.line as { dash: string }).dash),
    ['solid', 'dot', 'dash', 'dashdot', 'longdash', 'longdashdot', 'solid'],
  );
  assert.ok(g.data.every((d) => (d.line as { color: string }).color === '#1f77b4' && d.legendgroup === 'G'));
});

test('barChart: the whole figure; numeric categories become category labels', () => {
  assert.deepEqual(barChart([0, 1], { acc: [0.5, 0.75], loss: [2, 1] }, { yTitle: 'share' }), {
    data: [
      { type: 'bar', name: 'acc', x: ['0', '1'], y: [0.5, 0.75] },
      { type: 'bar', name: 'loss', x: ['0', '1'], y: [2, 1] },
    ],
    layout: {
      title: undefined,
      xaxis: { title: { text: '' }, type: 'category' },
      yaxis: { title: { text: 'share' }, type: 'linear' },
      height: 360,
      margin: { l: 60, r: 20, t: 20, b: 50 },
      template: undefined,
      barmode: 'group',
    },
    config: CONFIG,
  });
  assert.throws(() => barChart(['a'], {}), /barChart needs at least one series/);
});

/** Runs the chart HTML's script as a page would, against a stand-in window and document. */
function runChartScript(html: string, withPlotly: boolean): { calls: unknown[][]; listeners: [string, () => void][]; element: object } {
  const script = /<script type="text\/javascript">\n([\s\S]*?)\n<\/script>/.exec(html);
  assert.ok(script, 'one inline script');
  const element = { tag: 'div' };
  const calls: unknown[][] = [];
  const listeners: [string, () => void][] = [];
  const ids: string[] = [];
  const window: Record<string, unknown> = {
    addEventListener: (event: string, fn: () => void) => listeners.push([event, fn]),
  };
  if (withPlotly) window.Plotly = { react: (...args: unknown[]) => calls.push(args) };
  const document = {
    getElementById: (id: string) => {
      ids.push(id);
      return element;
    },
  };
  vm.runInNewContext(script[1], { window, document });
  return { calls, listeners, element };
}

test('figureHtml: its script draws the figure into its own div with Plotly.react, now or on load', () => {
  const fig: PlotlyFigure = lineChart({ a: [1, 2] }, { height: 240 });
  const html = figureHtml(fig, { id: 'chart-"1"' });
  assert.ok(html.startsWith('<div id="chart-&quot;1&quot;" class="privlab-plot" style="width:100%;min-height:240px"></div>'), html.slice(0, 120));
  const now = runChartScript(html, true);
  assert.equal(now.calls.length, 1);
  assert.equal(now.listeners.length, 0);
  const [element, data, layout, config] = now.calls[0];
  assert.equal(element, now.element);
  assert.deepEqual(JSON.parse(JSON.stringify([data, layout, config])), JSON.parse(JSON.stringify([fig.data, fig.layout, fig.config])));
  // plotly.js not there yet: the draw waits for the page's load event.
  const later = runChartScript(html, false);
  assert.equal(later.calls.length, 0);
  assert.deepEqual(
    later.listeners.map(([e]) => e),
    ['load'],
  );
  // No config on the figure: an empty one is passed. No numeric height: 360 px.
  const bare = figureHtml({ data: [], layout: {} }, { id: 'b' });
  assert.ok(bare.includes('min-height:360px'));
  const c = runChartScript(bare, true);
  assert.deepEqual(JSON.parse(JSON.stringify(c.calls[0].slice(1))), [[], {}, {}]);
  // Without an id, each chart gets its own.
  const ids = [figureHtml(fig), figureHtml(fig)].map((h) => /id="(privlab-plot-[0-9a-f-]{36})"/.exec(h)?.[1]);
  assert.ok(ids[0] && ids[1] && ids[0] !== ids[1], `${ids}`);
});

test('tableText: columns right-aligned to their widest cell, two spaces apart, missing cells blank', () => {
  const rows = [
    { model: 'FCNN', acc: 0.97234, n: 100 },
    { model: 'LeNet-8', acc: 0.5 },
    { model: 'x', acc: null, n: 5, note: 'slow' },
  ];
  assert.equal(
    tableText(rows, { digits: 3 }),
    ['  model    acc    n  note', '   FCNN  0.972  100      ', 'LeNet-8    0.5           ', '      x           5  slow'].join('\n'),
  );
  assert.equal(tableText(rows, { maxRows: 1 }), ['model     acc    n  note', ' FCNN  0.9723  100      '].join('\n'));
});

test('tableHtml: the whole table with caption and index; the summary row spans every column', () => {
  const df = {
    columns: ['a', 'b'],
    values: [
      [1, 'p'],
      [2.5, null],
      [3, 'r'],
    ],
    index: ['x', 'y', 'z'],
  };
  assert.equal(
    tableHtml(df, { caption: 'T<1>', maxRows: 2 }),
    '<table class="privlab-table dataframe"><caption>T&lt;1&gt;</caption><thead><tr><th></th><th>a</th><th>b</th></tr></thead>' +
      '<tbody><tr><th>x</th><td>1</td><td>p</td></tr><tr><th>y</th><td>2.5</td><td></td></tr>' +
      '<tr><td colspan="3">… 1 more rows</td></tr></tbody></table>',
  );
  assert.equal(
    tableHtml([{ a: 1 }], { showIndex: true }),
    '<table class="privlab-table dataframe"><thead><tr><th></th><th>a</th></tr></thead><tbody><tr><th>0</th><td>1</td></tr></tbody></table>',
  );
  assert.ok(tableHtml([{ a: 1 }, { a: 2 }], { maxRows: 1 }).includes('<tr><td colspan="1">… 1 more rows</td></tr>'));
  assert.ok(!tableHtml([{ a: 1 }], { maxRows: 1 }).includes('more rows'));
});

test('tableData: flat one-column DataFrames, default and shuffled indices, row objects with uneven keys', () => {
  assert.deepEqual(tableData({ columns: ['v'], values: [4, 5] }), { columns: ['v'], rows: [[4], [5]], index: undefined });
  assert.deepEqual(tableData({ columns: ['v'], values: [[4], [5]], index: [0, 1] }).index, undefined);
  assert.deepEqual(tableData({ columns: ['v'], values: [[4], [5]], index: [1, 0] }).index, [1, 0]);
  assert.deepEqual(tableData([{ a: 1 }, { b: 2, a: 3 }]), {
    columns: ['a', 'b'],
    rows: [
      [1, undefined],
      [3, 2],
    ],
  });
  assert.throws(() => tableData('rows' as never), TypeError);
});

test('formatCell: blanks, non-finite numbers, integers, rounding without trailing zeros, tiny values in exponent form', () => {
  assert.equal(formatCell(null, 4), '');
  assert.equal(formatCell(undefined, 4), '');
  assert.equal(formatCell(NaN, 4), 'NaN');
  assert.equal(formatCell(Infinity, 2), 'Infinity');
  assert.equal(formatCell(-Infinity, 2), '-Infinity');
  assert.equal(formatCell(-12, 2), '-12');
  assert.equal(formatCell(2.5, 0), '3');
  assert.equal(formatCell(1.2, 4), '1.2');
  assert.equal(formatCell(-0.123456, 3), '-0.123');
  // Below half a unit of the last digit: two significant figures instead of 0.
  assert.equal(formatCell(4e-5, 4), '4.0e-5');
  assert.equal(formatCell(-4e-5, 4), '-4.0e-5');
  assert.equal(formatCell(6e-5, 4), '0.0001');
  assert.equal(formatCell(0.004, 2), '4.0e-3');
  assert.equal(formatCell(true, 2), 'true');
});

test('tableHtml without an index: the whole table; bad sources are refused by name', () => {
  assert.equal(
    tableHtml([{ a: 1, b: 'x' }]),
    '<table class="privlab-table dataframe"><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>x</td></tr></tbody></table>',
  );
  for (const bad of ['rows', null, 42]) assert.throws(() => tableData(bad as never), /table expects a danfojs DataFrame or an array of row objects/);
});

test('scriptJson escapes every character that could end or confuse an inline script, and parses back to the value', () => {
  const value = { s: 'a</script>b<!--c-->d\u2028e\u2029f' };
  const json = scriptJson(value);
  assert.equal(json, '{"s":"a\\u003c/script\\u003eb\\u003c!--c--\\u003ed\\u2028e\\u2029f"}');
  assert.deepEqual(JSON.parse(json), value);
});

test('image grid: tiles wrap onto a second row at pad + row·(tile + pad); bytes default to [0,255]; the size error counts values', () => {
  // Three 1x2 byte images in 2 columns, scale 2, padding 1: 2 rows; image k is all 100·(k+1).
  const px = Uint8Array.from([100, 100, 200, 200, 250, 250]);
  const png = PNG.sync.read(imageGridPng(px, 3, 1, 2, { columns: 2, scale: 2, padding: 1 }));
  assert.equal(png.width, 2 * 4 + 3);
  assert.equal(png.height, 2 * 2 + 3);
  const at = (x: number, y: number): number => png.data[(y * png.width + x) * 4];
  assert.equal(at(1, 1), 100, 'row 0, column 0');
  assert.equal(at(6, 2), 200, 'row 0, column 1 at x = 1 + 4 + 1');
  assert.equal(at(1, 4), 250, 'row 1 at y = 1 + 2 + 1 (unscaled bytes: the default range is [0,255])');
  assert.equal(at(4, 5), 250);
  assert.equal(at(6, 4), 128, 'no fourth image: background');
  assert.equal(at(1, 3), 128, 'padding row between the tile rows');
  assert.throws(() => imageGridPng(new Float32Array(5), 2, 3, 4), /2 images of 3x4 need 24 values, got 5/);
});
