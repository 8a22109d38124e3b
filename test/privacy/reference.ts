/** The scikit-learn / scipy reference (privacy_reference.py): a list of requests in, a list of answers out. */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { SeededGaussianNoise } from '../../src/fl/dp/noise';
import { systemPython } from '../../src/jupyter/env';
import { ROOT } from '../support/cli';

export type Request =
  | { op: 'roc'; members: number[]; non_members: number[] }
  | { op: 'beta_ppf'; q: number; a: number; b: number }
  | { op: 'betainc'; x: number; a: number; b: number }
  | { op: 'gammaln' | 'norm_cdf' | 'norm_logsf'; x: number }
  | { op: 'gaussian_epsilon'; mu: number; delta: number };

export interface RocAnswer {
  auc: number;
  fpr: number[];
  tpr: number[];
  /** null where scikit-learn's threshold is not finite. */
  thresholds: (number | null)[];
}

export function reference<T>(requests: Request[]): T[] {
  const script = path.join(ROOT, 'test', 'privacy', 'privacy_reference.py');
  return JSON.parse(execFileSync(systemPython(), [script], { input: JSON.stringify(requests), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}

/** n seeded draws of N(mean, std²). */
export function normals(seed: number, n: number, mean = 0, std = 1): Float64Array {
  const out = new Float64Array(n);
  new SeededGaussianNoise(seed).fill(out, std);
  return out.map((v) => v + mean);
}
