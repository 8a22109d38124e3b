/**
 * Every experiment notebook, executed headless by `privlab report` in its tiny setting
 * (PRIVLAB_SMOKE=1: the same cells on a few steps and samples), so that a cell broken by a
 * library change fails the test suite and not only the main job. Notebook 03 reads the
 * generator that notebook 02 wrote, as in the main job.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { privlab, ROOT } from '../support/cli';
import { tmpDir } from '../support/tmp';

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  outputs?: Output[];
}

const NOTEBOOKS = [
  '01-mnist-gan',
  '02-qat-pruning',
  '03-fhe-inference',
  '04-federated-pix2pix',
  '05-generative-privacy',
  '06-fhe-classical-models',
  '07-ckks-transfer-learning',
  '08-zama-table',
];
const out = tmpDir('privlab-smoke-');
const figures = tmpDir('privlab-smoke-figures-');
let run: ReturnType<typeof privlab>;

const joined = (v: unknown): string => (Array.isArray(v) ? v.join('') : String(v ?? ''));
function outputsOf(name: string): Output[] {
  const cells = JSON.parse(fs.readFileSync(path.join(out, `${name}.ipynb`), 'utf8')).cells as Cell[];
  return cells.flatMap((c) => c.outputs ?? []);
}
const html = (outs: Output[]): string => outs.map((o) => joined(o.data?.['text/html'])).join('\n');
const text = (outs: Output[]): string => outs.map((o) => joined(o.text) + joined(o.data?.['text/plain'])).join('\n');

before(() => {
  run = privlab(['report', ...NOTEBOOKS.map((n) => path.join(ROOT, 'notebooks', `${n}.ipynb`)), '--out', out], {
    PRIVLAB_FIGURES_DIR: figures,
    PRIVLAB_SMOKE: '1',
  });
});

test('notebooks 01-08 run end to end in their tiny setting, with no error output', () => {
  assert.equal(run.status, 0, `exit ${run.status}\n${run.stderr.slice(-3000)}`);
  for (const n of NOTEBOOKS) {
    assert.ok(fs.existsSync(path.join(out, `${n}.html`)), `${n}.html written`);
    const errors = outputsOf(n)
      .filter((o) => o.output_type === 'error')
      .map((o) => `${o.ename}: ${o.evalue}`);
    assert.deepEqual(errors, [], n);
  }
});

/** The summary output of a notebook's first code cell, as the last cell left it (text/plain). */
function summaryOf(name: string): string {
  const cells = JSON.parse(fs.readFileSync(path.join(out, `${name}.ipynb`), 'utf8')).cells as Cell[];
  const first = cells.find((c) => c.cell_type === 'code')!;
  const box = (first.outputs ?? []).find((o) => joined(o.data?.['text/html']).includes('privlab-summary'));
  assert.ok(box, `${name}: a summary in the first code cell`);
  const t = joined(box.data!['text/plain']);
  assert.doesNotMatch(t, /filled in as the notebook runs/, `${name}: the summary was filled in`);
  return t;
}

test('each report opens with a summary of its results, filled in by later cells', () => {
  assert.match(summaryOf('01-mnist-gan'), /its samples: FID [\d.]+ .*\d+ of 10 digits[\s\S]*shipped generator .*: FID [\d.]+, \d+ of 10 digits/);
  assert.match(summaryOf('02-qat-pruning'), /FID ÷ regular, here: 4-bit [\d.]+x, 4-bit \+ 50 % pruned [\d.]+x[\s\S]*FID ÷ regular, paper: 4-bit 1\.03x/);
  assert.match(summaryOf('03-fhe-inference'), /encrypted: \d+ of \d+ right[\s\S]*encrypted generation .*FID [\d.]+ clear/);
});

test('01: sample grids, real digits, the FID table beside the floor', () => {
  const o = outputsOf('01-mnist-gan');
  assert.ok(o.filter((x) => x.data && 'image/png' in x.data).length >= 3, 'generated and real grids');
  assert.match(html(o), /real train vs test \(floor\)/);
});

test('02: the FID table of the compressed generators and the integer generators written', () => {
  const o = outputsOf('02-qat-pruning');
  assert.match(html(o) + text(o), /qat-4bit-pruned-50/);
  assert.ok(fs.existsSync(path.join(figures, 'gan-compression-notebook', 'qat-4bit-pruned-50.quantized.json')));
});

test('03: accuracy clear / simulate / encrypted, and encrypted generation of the generator from 02', () => {
  const o = outputsOf('03-fhe-inference');
  assert.match(html(o), /execute \(encrypted\)/);
  assert.doesNotMatch(text(o), /no quantized generator/);
  assert.match(text(o), /data\/gan\/qat4-pruned50 \(shipped\)/, 'the shipped generator');
  assert.match(text(o), /PBS per image/);
});

test('04: the six rows, ε for the DP rows with a guarantee, the shipped trend run, and its summary', () => {
  const o = outputsOf('04-federated-pix2pix');
  const h = html(o);
  for (const label of ['centralized', 'local', 'FL', 'FL+DP (σ0 0.1)', 'FL+DP (dp-fedavg)', 'FL+DP (DP-SGD)']) assert.ok(h.includes(label), `row ${label}`);
  assert.match(h, /seeds where it holds at every site, by FID/);
  assert.ok(o.filter((x) => x.data && 'image/png' in x.data).length >= 1, 'image rows');
  const s = summaryOf('04-federated-pix2pix');
  assert.match(s, /FID ÷ centralized: local [\d.]+/);
  assert.match(s, /FL\+DP \(dp-fedavg\) [\d.]+, FL\+DP \(DP-SGD\) [\d.]+/);
  assert.match(s, /trend run \(3 seeds\)[^\n]*of 3 seeds/);
});

test('05: the approaches table, a log-scale ROC per attack, a sample grid per generator', () => {
  const o = outputsOf('05-generative-privacy');
  assert.match(html(o), /synthetic \(FL cGAN\)/);
  assert.match(html(o), /overfitted baseline/);
  const charts = o.filter((x) => x.data && 'application/vnd.plotly.v1+json' in x.data);
  assert.equal(charts.length, 3, 'loss-threshold, LiRA and GAN-Leaks ROC');
  for (const c of charts) assert.equal((c.data!['application/vnd.plotly.v1+json'] as { layout: { xaxis: { type: string } } }).layout.xaxis.type, 'log');
  assert.equal(o.filter((x) => x.data && 'image/png' in x.data).length, 2, 'plain and DP generator grids');
});

test('06: the four models beside the source and the federated model, execute equal to simulate on every executed row, the chart and the summary', () => {
  const o = outputsOf('06-fhe-classical-models');
  const t = text(o);
  // the table's rows (text/plain of lab.table): model, settings, PBS, …, simulate = disable, execute = simulate
  for (const model of ['LogisticRegression', 'DecisionTreeClassifier', 'XGBClassifier', 'RandomForestClassifier']) {
    const row = t.split('\n').find((l) => l.trim().startsWith(model) && / of \d+ /.test(l));
    assert.ok(row, `table row ${model}`);
    const [, equal, executed] = /(\d+) of (\d+)/.exec(row)!;
    assert.ok(Number(executed) >= 1, `${model}: rows executed`);
    assert.equal(equal, executed, `${model}: executed rows equal to simulate`);
    assert.match(row, / yes /, `${model}: simulate = disable on every row`);
  }
  const fed = t.split('\n').find((l) => l.includes('logreg-mnist (FedAvg) → LogisticRegression'));
  assert.ok(fed, 'the federated model row');
  const [, fedEqual, fedExecuted] = /(\d+) of (\d+)/.exec(fed)!;
  assert.equal(fedEqual, fedExecuted, 'federated model: executed rows equal to simulate');
  assert.match(html(o), /source: FHE %/);
  assert.match(t, /execute == simulate on (\d+) of \1 executed rows/);
  assert.equal(o.filter((x) => x.data && 'application/vnd.plotly.v1+json' in x.data).length, 2, 'accuracy and time chart; the p_error sweep');
  // the p_error sweep of the decision tree (1e-4 and 0.1 in the tiny run; 1e-4 written as the CLI writes it): the looser target never takes a larger N
  const sweep = /p_error sweep \(decision tree\)[^\n]*?1e-4: N = (\d+), [\d.]+ %; 0\.1: N = (\d+), [\d.]+ % with the noise model/.exec(
    summaryOf('06-fhe-classical-models'),
  );
  assert.ok(sweep, 'the sweep in the summary');
  assert.ok(Number(sweep[2]) <= Number(sweep[1]), `0.1: N = ${sweep[2]}, 1e-4: N = ${sweep[1]}`);
  assert.match(
    summaryOf('06-fhe-classical-models'),
    /XGBClassifier [^\n]*: [\d.]+ % \(float [\d.]+ %; source 93\.1 %\), (\d+) of \1 encrypted rows = simulate/,
  );
});

test('07: the per-epoch table of both setups, the accuracy chart, the summary beside TenSEAL', () => {
  const o = outputsOf('07-ckks-transfer-learning');
  assert.match(html(o), /2: clear features/);
  assert.match(html(o), /1: encrypted inference/);
  assert.match(html(o), /encrypted inference: agreement with plain/);
  assert.equal(o.filter((x) => x.data && 'application/vnd.plotly.v1+json' in x.data).length, 1, 'head accuracy chart');
  assert.match(text(o), /this run: setup 2 gap [\d.]+ points, setup 1 gap [\d.]+ points, inference agreement [\d.]+ %/);
});

test('08: the source table beside ours from the shipped JSON, the accuracy-vs-time chart, a live FCNN-6 row', () => {
  const o = outputsOf('08-zama-table');
  for (const row of ['FCNN-6', 'FCNN-7', 'FCNN-8']) assert.match(html(o), new RegExp(row));
  assert.match(html(o), /FCNN-6 \(live\)/);
  assert.equal(o.filter((x) => x.data && 'application/vnd.plotly.v1+json' in x.data).length, 3, 'accuracy vs time, p_error and rounding charts');
  assert.match(
    summaryOf('08-zama-table'),
    /FCNN-6: [\d.]+ % simulated \(source 92\.2 %\)[\s\S]*this run \(live FCNN-6\): [\d.]+ % simulated on 100 digits, 1 encrypted/,
  );
});
