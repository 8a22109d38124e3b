/**
 * Seeded random tensors from src/util/rng.ts's SeededRng, so a run's initial weights,
 * latent vectors and batch order depend only on its seed, on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '../util/rng';

/** Standard normal samples (Box–Muller, both values of each pair used). */
export function fillNormal(rng: SeededRng, out: Float32Array, mean = 0, std = 1): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    // 1 - next() is in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
    const t = 2 * Math.PI * rng.next();
    out[i] = mean + std * r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = mean + std * r * Math.sin(t);
  }
  return out;
}

export function fillUniform(rng: SeededRng, out: Float32Array, lo: number, hi: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * rng.next();
  return out;
}

export function randomNormal(rng: SeededRng, shape: number[], mean = 0, std = 1): tf.Tensor {
  return tf.tensor(fillNormal(rng, new Float32Array(shape.reduce((a, b) => a * b, 1)), mean, std), shape, 'float32');
}
