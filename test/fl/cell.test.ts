/**
 * The notebook cell lab.fl.run: a federated job (separate processes) whose rounds draw a
 * live chart of each site's accuracy, then a table of the final evaluation per site.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as lab from '../../kernel-ext/index';
import { tmpDir } from '../support/tmp';

const shown: { bundle: lab.MimeBundle; id: string }[] = [];
const prevSink = lab.setDisplaySink((bundle, id) => shown.push({ bundle, id }));
after(() => lab.setDisplaySink(prevSink));

test('lab.fl.run: live per-site accuracy chart, final table, the job returned', async () => {
  const job = await lab.fl.run({ sites: 2, rounds: 2, fit: { localSteps: 5 }, trainExamples: 400, dir: tmpDir('privlab-fl-cell-'), roundTimeoutSeconds: 60 });
  assert.equal(job.state.history.length, 2);
  const plots = shown.filter((s) => s.bundle['application/vnd.plotly.v1+json']);
  const last = plots[plots.length - 1].bundle['application/vnd.plotly.v1+json'] as { data: { name: string; x: number[]; y: (number | null)[] }[] };
  const site1 = last.data.find((d) => d.name === 'site-1 accuracy')!;
  assert.deepEqual(site1.x, [1, 2]);
  assert.deepEqual(
    site1.y,
    job.state.history.map((h) => h.accepted.find((a) => a.site === 'site-1')!.metrics.global_accuracy),
  );
  assert.ok(new Set(plots.map((p) => p.id)).size === 1, 'one chart, updated in place');
  const tables = shown.filter((s) => /all \(weighted\)/.test(String(s.bundle['text/html'] ?? '')));
  assert.equal(tables.length, 1);
  assert.match(String(tables[0].bundle['text/plain']), new RegExp(job.state.evaluation!.metrics.accuracy.toFixed(4)));
});
