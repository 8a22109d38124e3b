import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { barChart, escapeHtml, figureHtml, figurePage, imageGridPng, lineChart, plotlyJs, scriptJson, tableHtml, tableText } from '../../src/viz';

test('image grid: PNG of the right size, tiles placed and scaled, values mapped from [-1,1]', () => {
  // Two 2x3 images: the first all -1 (black), the second a ramp ending at +1 (white).
  const px = [-1, -1, -1, -1, -1, -1, -1, -0.5, 0, 0.5, 1, 1];
  const png = PNG.sync.read(imageGridPng(px, 2, 2, 3, { columns: 2, scale: 3, padding: 1, range: '[-1,1]' }));
  assert.equal(png.width, 2 * 3 * 3 + 3);
  assert.equal(png.height, 2 * 3 + 2);
  const at = (x: number, y: number): number => png.data[(y * png.width + x) * 4];
  assert.equal(at(0, 0), 128, 'padding is mid grey');
  assert.equal(at(1, 1), 0, 'first tile black');
  const x0 = 1 + 9 + 1; // second tile origin
  assert.equal(at(x0, 1), 0);
  assert.equal(at(x0 + 3, 1), 64, '-0.5 → 64 (rounded), repeated over the 3x3 block');
  assert.equal(at(x0 + 5, 3), 64);
  assert.equal(at(x0 + 6, 1), 128);
  assert.equal(at(x0, 4), 191, 'row 2 starts with 0.5');
  assert.equal(at(x0 + 6, 4), 255);
  assert.equal(at(x0 + 8, 6), 255);
});

test('image grid: inversion, clipping, default columns, and size checks', () => {
  const png = PNG.sync.read(imageGridPng(Uint8Array.from([0, 255, 300 % 256, 10]), 4, 1, 1, { scale: 1, padding: 0, invert: true }));
  assert.equal(png.width, 2);
  assert.equal(png.height, 2);
  assert.equal(png.data[0], 255);
  assert.equal(png.data[4], 0);
  const clipped = PNG.sync.read(imageGridPng([2, -3], 2, 1, 1, { scale: 1, padding: 0, range: '[0,1]' }));
  assert.deepEqual([clipped.data[0], clipped.data[4]], [255, 0]);
  assert.throws(() => imageGridPng([1, 2, 3], 2, 1, 1), /2 images of 1x1 need 2 values, got 3/);
  assert.throws(() => imageGridPng([], 0, 1, 1), /positive image count/);
});

test('plotly figures: traces per series, shared x, size checks', () => {
  const f = lineChart({ D: [1, 2, 3], G: [3, 2, 1] }, { title: 'loss', x: [10, 20, 30], logY: true });
  assert.equal(f.data.length, 2);
  assert.deepEqual(f.data[1].x, [10, 20, 30]);
  assert.equal((f.layout.yaxis as { type: string }).type, 'log');
  assert.throws(() => lineChart({ D: [1, 2] }, { x: [1] }), /series "D" has 2 points but x has 1/);
  const b = barChart(['a', 'b'], { n: [1, 2] });
  assert.equal(b.data[0].type, 'bar');
  assert.throws(() => barChart(['a'], { n: [1, 2] }), /2 values but there are 1 categories/);
  assert.throws(() => lineChart({}), /at least one series/);
});

test('grouped line styles: one colour per group, one dash per member, ungrouped series their own colour', () => {
  const names = ['a s1', 'a s2', 'b s1', 'b s2', 'c'];
  const f = lineChart(Object.fromEntries(names.map((n) => [n, [1, 2]])), { groups: { 'a s1': 'a', 'a s2': 'a', 'b s1': 'b', 'b s2': 'b' } });
  const st = f.data.map((d) => [(d.line as { color: string }).color, (d.line as { dash: string }).dash, d.legendgroup]);
  assert.equal(st[0][0], st[1][0], 'a shares a colour');
  assert.equal(st[2][0], st[3][0], 'b shares a colour');
  assert.equal(new Set([st[0][0], st[2][0], st[4][0]]).size, 3, 'a, b and c differ');
  assert.notEqual(st[0][1], st[1][1], 'the members of a group differ by dash');
  assert.deepEqual(
    st.map((x) => x[2]),
    ['a', 'a', 'b', 'b', 'c'],
  );
  // without groups Plotly chooses the colours (no line style is set)
  assert.equal(lineChart({ x: [1] }).data[0].line, undefined);
});

test('chart HTML cannot be broken out of by data, and the page inlines plotly.js', () => {
  const evil = '</script><script>alert(1)</script>';
  const html = figureHtml(lineChart({ [evil]: [1] }, { title: evil }), { id: 'p1' });
  assert.equal(html.split('</script>').length - 1, 1, 'only the closing tag of our own script');
  assert.ok(html.includes('id="p1"'));
  assert.ok(scriptJson('<!--').includes('\\u003c!--'));
  const page = figurePage(lineChart({ a: [1] }));
  assert.ok(page.length > 1_000_000, 'plotly.js is in the page (no CDN)');
  assert.ok(!/<script[^>]*\ssrc=/.test(page), 'no external script');
  assert.ok(!plotlyJs().includes('</script'), 'bundle cannot close its inline script early');
});

test('tables: DataFrame-like and row objects, escaping, number formatting, index', () => {
  const rows = [
    { name: '<b>x</b>', v: 1.23456789 },
    { name: 'y', v: 2, extra: 'e' },
  ];
  const html = tableHtml(rows, { digits: 2 });
  assert.ok(html.includes('<th>extra</th>'));
  assert.ok(html.includes('&lt;b&gt;x&lt;/b&gt;'));
  assert.ok(html.includes('<td>1.23</td>'));
  assert.ok(
    tableHtml([{ v: 93.25 }, { v: 0.1 + 0.2 }, { v: 1e-7 }]).match(/<td>93\.25<\/td>.*<td>0\.3<\/td>.*<td>1\.0e-7<\/td>/s),
    'rounded, trailing zeros dropped, tiny values in exponent form',
  );
  assert.equal((html.match(/<tr>/g) ?? []).length, 3);
  const df = {
    columns: ['a', 'b'],
    values: [
      [1, 'p'],
      [2, 'q'],
    ],
    index: ['r1', 'r2'],
  };
  const dfHtml = tableHtml(df);
  assert.ok(dfHtml.includes('<th>r2</th><td>2</td><td>q</td>'), 'non-default index shown');
  assert.ok(!tableHtml({ columns: ['a'], values: [1, 2], index: [0, 1] }).includes('<th>0</th>'), 'default index hidden');
  assert.equal(tableText(df).split('\n')[2], '2  q');
  assert.equal(escapeHtml(`"'&`), '&quot;&#39;&amp;');
  assert.ok(
    tableHtml(
      Array.from({ length: 5 }, (_, i) => ({ i })),
      { maxRows: 2 },
    ).includes('3 more rows'),
  );
});
