/**
 * The FHE cells, Concrete ML's three modes one call each:
 *   const m = lab.fhe.compile(model, inputset)          the compile report as a table
 *   const s = lab.fhe.simulate(m, x)                     agreement with the clear integer model
 *   const e = await lab.fhe.execute(m, x)                encrypted, with a progress bar; time per phase
 * Each shows its result inline and returns it.
 */
import { CompileOptions } from '../../src/fhe/tfhe/compile/options';
import { FheModel, Prediction, agreement, compile as compileModel } from '../../src/fhe/tfhe/run/model';
import { QuantizedModel } from '../../src/quant/quantized-model';
import { table } from '../tables';
import { progressBar } from '../progress';

export interface FheCellOptions {
  show?: boolean;
  /** Save the table under figures/ with this name. */
  save?: string;
}

function fmt(x: number, digits = 3): number {
  return Number(x.toPrecision(digits));
}

/** Compile a quantized model calibrated on `inputset` ([count × features] floats); shows the per-layer report. */
export function compile(model: QuantizedModel, inputset: ArrayLike<number>, opts: CompileOptions & FheCellOptions = {}): FheModel {
  const m = compileModel(model, inputset, opts);
  const r = m.report;
  if (opts.show ?? true) {
    table(
      r.layers.map((l) => ({
        layer: l.layer,
        neurons: l.neurons,
        PBS: l.pbs,
        'accumulator bits': l.accumulatorBits,
        'positions / value': fmt(l.positionsPerValue),
        'table bits': fmt(l.tableResolutionBits),
        'read noise (values)': fmt(l.readNoiseStdValues),
        'predicted read error': fmt(l.predictedReadError),
      })),
      { save: opts.save },
    );
    table([
      {
        'parameter set': r.parameterSet,
        PBS: r.pbsCount,
        'predicted read error': fmt(r.predictedReadError),
        'evaluation keys MiB': fmt(r.keys.evaluationKeyBytes / 2 ** 20),
        'upload KiB / sample': fmt(r.keys.uploadBytesPerSample / 1024),
      },
    ]);
  }
  return m;
}

function agreementRow(label: string, p: Prediction, clear: Prediction): Record<string, unknown> {
  const a = agreement(p, clear);
  return {
    mode: label,
    samples: p.count,
    'outputs equal to clear': fmt(a.outputs),
    'same argmax': fmt(a.argmax),
    'largest difference (levels)': a.maxDifference,
  };
}

/** The circuit in the clear (with the noise model's read noise when `noise`), beside the clear integer model. */
export async function simulate(m: FheModel, x: ArrayLike<number>, opts: FheCellOptions & { noise?: boolean; seed?: number } = {}): Promise<Prediction> {
  const clear = await m.predict(x, { fhe: 'disable' });
  const p = await m.predict(x, { fhe: 'simulate', noise: opts.noise, seed: opts.seed });
  if (opts.show ?? true) table([agreementRow(opts.noise ? 'simulate + noise' : 'simulate', p, clear)], { save: opts.save });
  return p;
}

/** Encrypted: keys, encryption, the server's evaluation, decryption; a progress bar per sample, then time per phase and agreement with simulation. */
export async function execute(m: FheModel, x: ArrayLike<number>, opts: FheCellOptions & { threads?: number } = {}): Promise<Prediction> {
  const count = x.length / m.inputFeatures;
  const bar = progressBar({ total: count, label: 'encrypted inference', unit: 'sample' });
  let p: Prediction;
  try {
    p = await m.predict(x, { fhe: 'execute', threads: opts.threads, onSample: () => bar.tick(1) });
  } finally {
    bar.close();
  }
  if (opts.show ?? true) {
    const sim = await m.predict(x, { fhe: 'simulate' });
    const t = p.times!;
    table(
      [
        {
          ...agreementRow('execute vs simulate', p, sim),
          'key generation s': fmt(t.keygen_s),
          'encrypt s / sample': fmt(t.encrypt_s / count),
          'server s / sample': fmt(t.server_s / count),
          'decrypt s / sample': fmt(t.decrypt_s / count),
        },
      ],
      { save: opts.save },
    );
  }
  return p;
}
