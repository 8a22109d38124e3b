/**
 * Step 4, predict: the probability that each read lands on a wrong table step, from the noise
 * model, averaged over the input set.
 */
import { meanReadError } from './error-model';
import { Calibration } from './calibration';
import { LayerPlan } from './placement';

/** Mean predicted read error of a layer over the input set; adds log(1 − p) per sample to `logOk`. */
export function predictLayer(cal: Calibration, l: number, plan: LayerPlan, neuronTables: Int32Array[][], logOk: Float64Array): number {
  const accs = cal.accs[l];
  const neurons = neuronTables.length;
  const col = new Int32Array(cal.count);
  const ps = new Float64Array(cal.count);
  let sum = 0;
  for (let j = 0; j < neurons; j++) {
    for (let s = 0; s < cal.count; s++) col[s] = accs[s * neurons + j];
    sum += meanReadError(neuronTables[j], col, plan.u[j], plan.centre[j] + plan.offset[j], plan.sigma[j], ps);
    for (let s = 0; s < cal.count; s++) logOk[s] += Math.log1p(-Math.min(ps[s], 1 - 1e-12));
  }
  return sum / neurons;
}
