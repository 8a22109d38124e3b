/**
 * `lab.fl.run(opts)`: a federated job in one cell — the server and every site as separate
 * processes on this machine (src/fl/launch.ts) — with a live chart, per round, of each
 * site's accuracy of the global model on its held-out images and of the mean training loss,
 * then a table of the final evaluation per site and, under a DP mode that gives one, of ε per
 * round. Returns the job (history, final weights).
 */
import { FederatedJobOptions, FederatedJobResult, runFederated } from '../../src/fl/launch';
import { liveChart, ShowOptions } from '../charts';
import { table } from '../tables';

export type FlCellOptions = FederatedJobOptions & ShowOptions & { show?: boolean };

export async function run(opts: FlCellOptions): Promise<FederatedJobResult> {
  const show = opts.show ?? true;
  const ids = Array.from({ length: opts.sites }, (_, i) => `site-${i + 1}`);
  const chart = show
    ? liveChart({
        series: [...ids.map((id) => `${id} accuracy`), 'train loss'],
        title: `FedAvg, ${opts.sites} sites`,
        xTitle: 'round',
        yTitle: 'accuracy before the round / loss',
      })
    : undefined;
  const job = await runFederated({
    ...opts,
    onRound: (r) => {
      const values: Record<string, number> = { 'train loss': r.metrics.train_loss };
      for (const a of r.accepted) values[`${a.site} accuracy`] = a.metrics.global_accuracy;
      chart?.push(values, r.round);
      opts.onRound?.(r);
    },
  });
  chart?.close({ save: opts.save });
  const evaluation = job.state.evaluation;
  if (show && evaluation) {
    table(
      [
        ...evaluation.sites.map((s) => ({ site: s.site, images: s.numExamples, loss: s.metrics.loss, accuracy: s.metrics.accuracy })),
        { site: 'all (weighted)', images: evaluation.metrics.num_examples, loss: evaluation.metrics.loss, accuracy: evaluation.metrics.accuracy },
      ],
      { digits: 4 },
    );
  }
  const last = job.state.history[job.state.history.length - 1]?.privacy;
  if (show && last?.epsilon != null) {
    table(
      job.state.history.map((h) => ({
        round: h.round,
        mode: h.privacy.mode,
        unit: h.privacy.unit ?? '',
        delta: h.privacy.delta ?? '',
        epsilon: h.privacy.epsilon ?? '',
      })),
      { digits: 4 },
    );
  }
  return job;
}
