/**
 * The report gallery (figures/reports/index.html): after `privlab report` runs two tiny
 * notebooks, the gallery lists both with the summary lines their cells set (known here, so
 * checked exactly), HTML in them escaped, run date and duration, and relative links that open
 * the reports, in headless Chromium with the network refused. A later run of one notebook
 * keeps the other's card. The summary's text parser is checked against kernel-ext's Summary.
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
import { writeNotebook } from '../support/notebooks';
import { formatDuration, galleryEntry, galleryHtml, parseSummaryText, writeGallery } from '../../src/jupyter/gallery';
import { Summary } from '../../kernel-ext/summary';
import { setDisplaySink } from '../../kernel-ext/display';

const dir = tmpDir('privlab-gallery-');
const out = path.join(dir, 'reports');
const KERNEL_EXT = JSON.stringify(path.join(ROOT, 'dist', 'kernel-ext'));

const notebook = (file: string, cells: Array<[string, string]>): string => writeNotebook(dir, file, cells);

const first = notebook('01-first.ipynb', [
  ['markdown', '# First <report> & co\nSome text.'],
  ['code', `import * as lab from ${KERNEL_EXT};\nconst summary = lab.summary("Summary: <b>first</b>");`],
  ['code', 'summary.set("accuracy", "97.1 % <script>window.bad = 1</script>");\nsummary.set("rows", 6 * 7);'],
]);
// A space and an ampersand in the file name: the link must be URL-encoded to work.
const second = notebook('02 second & last.ipynb', [
  ['markdown', 'No heading in this cell.'],
  ['markdown', '## Sub\n# Second report'],
  ['code', `import * as lab from ${KERNEL_EXT};\nconst summary = lab.summary("Summary of this run");\nconsole.log("no set() call")`],
]);
let run1: ReturnType<typeof privlab>;
let browser: Browser | undefined;

before(() => {
  run1 = privlab(['report', first, second, '--out', out]);
});
after(async () => {
  await browser?.close();
});

test('privlab report writes index.html beside the reports, one card per report with its summary lines', () => {
  assert.equal(run1.status, 0, `exit ${run1.status}\n${run1.stderr.slice(-3000)}`);
  assert.match(run1.stdout, new RegExp(`gallery → ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/index\\.html`));
  const a = galleryEntry(path.join(out, '01-first.ipynb'));
  assert.equal(a.title, 'First <report> & co');
  assert.deepEqual(a.summary, {
    title: 'Summary: <b>first</b>',
    lines: [
      ['accuracy', '97.1 % <script>window.bad = 1</script>'],
      ['rows', '42'],
    ],
  });
  const b = galleryEntry(path.join(out, '02 second & last.ipynb'));
  assert.equal(b.title, 'Second report', 'the first level-1 heading, not the level-2 one');
  assert.deepEqual(b.summary, { title: 'Summary of this run', lines: [], pending: 'filled in as the notebook runs' });
  for (const e of [a, b]) {
    assert.ok(e.seconds! > 0 && e.seconds! < 600, `duration ${e.seconds}`);
    const age = Date.now() - Date.parse(e.started!);
    assert.ok(age >= 0 && age < 30 * 60_000, `started ${e.started}`);
  }
  // The runner's own total, as printed by the CLI, is the duration the gallery shows.
  const printed = [...run1.stdout.matchAll(/ → .* \(([\d.]+) s\)/g)].map((m) => Number(m[1]));
  assert.deepEqual(printed, [a.seconds!.toFixed(1), b.seconds!.toFixed(1)].map(Number));
});

test('the gallery opens in headless Chromium offline: titles, key figures escaped, date, duration, working links', async () => {
  browser = await launchChromium();
  const indexUrl = pathToFileURL(path.join(out, 'index.html')).href;
  // Offline: only the gallery and the reports beside it load.
  const { page, problems, requests } = await offlinePage(browser, (url) => url.startsWith(pathToFileURL(out).href));
  await page.goto(indexUrl, { waitUntil: 'load' });
  const cards = page.locator('section.report');
  assert.equal(await cards.count(), 2);
  assert.equal(await cards.nth(0).locator('h2').innerText(), 'First <report> & co');
  const summary = await cards.nth(0).locator('.summary').innerText();
  assert.match(summary, /Summary: <b>first<\/b>/, 'the title as text, not markup');
  assert.match(summary, /accuracy: 97\.1 % <script>window\.bad = 1<\/script>/);
  assert.match(summary, /rows: 42/);
  assert.equal(await page.evaluate(() => (window as unknown as { bad?: number }).bad), undefined, 'no script from a summary ran');
  assert.equal(await page.locator('script').count(), 0);
  assert.match(await cards.nth(0).locator('.meta').innerText(), /ran \d{4}-\d\d-\d\d \d\d:\d\d UTC · took [\d.]+ s/);
  assert.match(await cards.nth(1).innerText(), /Second report[\s\S]*filled in as the notebook runs/);
  // Each card's link, followed: the report of that notebook.
  for (const [i, name] of [
    [0, '01-first'],
    [1, '02 second & last'],
  ] as const) {
    await page.goto(indexUrl);
    const href = await cards.nth(i).locator('h2 a').getAttribute('href');
    assert.ok(href && !href.includes('/'), `relative link ${href}`);
    await Promise.all([page.waitForURL((u) => u.href !== indexUrl), cards.nth(i).locator('h2 a').click()]);
    assert.equal(decodeURIComponent(path.basename(new URL(page.url()).pathname)), `${name}.html`);
    assert.ok((await page.locator('.jp-Notebook').count()) === 1, `${name}: the nbconvert report opened`);
  }
  assert.deepEqual(requests, [], 'the gallery loads nothing from elsewhere');
  assert.deepEqual(problems, []);
});

test('running one notebook again keeps the other card and updates its own run date', () => {
  const before1 = galleryEntry(path.join(out, '01-first.ipynb')).started;
  const before2 = galleryEntry(path.join(out, '02 second & last.ipynb')).started;
  const r = privlab(['report', second, '--out', out]);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.equal((html.match(/<section class="report"/g) ?? []).length, 2);
  assert.ok(html.includes('First &lt;report&gt; &amp; co'));
  assert.equal(galleryEntry(path.join(out, '01-first.ipynb')).started, before1);
  assert.ok(Date.parse(galleryEntry(path.join(out, '02 second & last.ipynb')).started!) >= Date.parse(before2!));
});

test('a notebook called index.ipynb is refused: its report would overwrite the gallery', () => {
  const nb = notebook('index.ipynb', [['code', '1']]);
  const r = privlab(['report', nb, '--out', path.join(dir, 'other')]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /index\.ipynb: its report would be index\.html, the name of the report gallery/);
});

test("parseSummaryText reads back what kernel-ext's Summary writes, including values over several lines", () => {
  const prev = setDisplaySink(() => undefined);
  try {
    const s = new Summary('Key figures');
    assert.deepEqual(parseSummaryText(s.text()), { title: 'Key figures', lines: [], pending: 'filled in as the notebook runs' });
    s.set('FID ÷ regular, here', '4-bit 1.02x');
    s.set('note', 'two\nlines: with a colon');
    s.set('count', 3);
    s.set('FID ÷ regular, here', '4-bit 1.05x');
    assert.deepEqual(parseSummaryText(s.text()), { title: 'Key figures', lines: s.entries() });
  } finally {
    setDisplaySink(prev);
  }
});

test('formatDuration: seconds, minutes, hours; bad values refused', () => {
  assert.equal(formatDuration(0), '0.0 s');
  assert.equal(formatDuration(42.04), '42.0 s');
  assert.equal(formatDuration(187.4), '3 min 07 s');
  assert.equal(formatDuration(3720), '1 h 02 min');
  assert.throws(() => formatDuration(-1), RangeError);
  assert.throws(() => formatDuration(Number.NaN), /got NaN/);
});

test('an empty folder gives a page that says there are no reports', () => {
  assert.match(galleryHtml([]), /0 reports[\s\S]*no reports yet/);
});

test('a report without a summary box or run metadata (executed elsewhere) gets a card that says so', () => {
  const folder = tmpDir('privlab-gallery-fake-');
  writeNotebook(folder, '03-plain.ipynb', [
    ['markdown', 'no heading'],
    ['code', '1 + 1'],
  ]);
  fs.writeFileSync(path.join(folder, '03-plain.html'), '<html></html>');
  writeNotebook(folder, '04-no-html.ipynb', [['code', '1']]); // no report beside it: not listed
  const html = fs.readFileSync(writeGallery(folder), 'utf8');
  assert.equal((html.match(/<section class="report"/g) ?? []).length, 1);
  assert.match(html, /<h2><a href="03-plain\.html">03-plain<\/a><\/h2>/, 'the file name stands in for a title');
  assert.match(html, /run date unknown · <a href="03-plain\.html">/);
  assert.match(html, /this report has no summary box/);
});
