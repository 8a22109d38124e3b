/**
 * Calibration observers: they watch values flowing through a layer over an input set
 * and propose the range to quantize. Min/max keeps every value; percentile clips
 * outliers (robust for activations with long tails).
 */
import { QuantParams, QuantSpec, paramsFromRange } from './quantizer';
import { percentileRange } from './percentile';

export interface Observer {
  observe(values: ArrayLike<number>): void;
  range(): { min: number; max: number };
}

export class MinMaxObserver implements Observer {
  private min = Infinity;
  private max = -Infinity;

  observe(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
    }
  }

  range(): { min: number; max: number } {
    if (this.min > this.max) throw new RangeError('min/max observer has seen no values');
    return { min: this.min, max: this.max };
  }
}

/**
 * The p-th and (100 − p)-th percentiles of everything observed. Keeps all values (as
 * float32): calibration sets here are small (hundreds of images × layer width).
 */
export class PercentileObserver implements Observer {
  private chunks: Float32Array[] = [];
  private count = 0;

  constructor(readonly percentile = 99.99) {
    if (!(percentile > 50 && percentile <= 100)) throw new RangeError(`percentile must be in (50, 100], got ${percentile}`);
  }

  observe(values: ArrayLike<number>): void {
    this.chunks.push(Float32Array.from(values));
    this.count += values.length;
  }

  range(): { min: number; max: number } {
    if (this.count === 0) throw new RangeError('percentile observer has seen no values');
    const all = new Float32Array(this.count);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    return percentileRange(all, this.percentile, all);
  }
}

export type CalibrationMethod = { kind: 'minmax' } | { kind: 'percentile'; percentile: number };

export function makeObserver(method: CalibrationMethod): Observer {
  return method.kind === 'minmax' ? new MinMaxObserver() : new PercentileObserver(method.percentile);
}

export function calibrate(observer: Observer, spec: QuantSpec): QuantParams {
  const { min, max } = observer.range();
  return paramsFromRange(min, max, spec);
}
