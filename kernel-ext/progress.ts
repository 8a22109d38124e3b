/** A progress bar with rate and ETA that redraws in place, for long loops in notebooks. */
import { escapeHtml } from '../src/viz/html';
import { DisplayHandle, yieldToKernel } from './display';

export interface ProgressOptions {
  /** Number of steps, if known (enables the bar, percentage and ETA). */
  total?: number;
  label?: string;
  /** Unit shown in the rate, e.g. 'step', 'img'. Default 'it'. */
  unit?: string;
  /** Minimum milliseconds between redraws. Default 200. */
  intervalMs?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatRate(perSecond: number, unit: string): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return `? ${unit}/s`;
  return perSecond >= 1 ? `${perSecond.toFixed(perSecond >= 100 ? 0 : 2)} ${unit}/s` : `${(1 / perSecond).toFixed(2)} s/${unit}`;
}

export interface ProgressState {
  done: number;
  total?: number;
  elapsedS: number;
  ratePerS: number;
  etaS?: number;
  info: Record<string, string | number>;
}

export class ProgressBar {
  private readonly handle = new DisplayHandle();
  private readonly start = Date.now();
  private done = 0;
  private lastDraw = 0;
  private info: Record<string, string | number> = {};
  private closed = false;

  constructor(private readonly opts: ProgressOptions = {}) {
    if (opts.total !== undefined && !(Number.isInteger(opts.total) && opts.total >= 0)) {
      throw new RangeError(`progress total must be a non-negative integer, got ${opts.total}`);
    }
    this.draw();
  }

  /**
   * Advance by n steps; `info` (e.g. current losses) is shown beside the bar. Returns a
   * promise that resolves on the next turn of the event loop: `await bar.tick()` in a
   * loop lets the redraw reach the notebook while the loop is still running.
   */
  tick(n = 1, info?: Record<string, string | number>): Promise<void> {
    if (this.closed) throw new Error('progress bar is closed');
    this.done += n;
    if (info) this.info = info;
    if (Date.now() - this.lastDraw >= (this.opts.intervalMs ?? 200)) this.draw();
    return yieldToKernel();
  }

  state(): ProgressState {
    const elapsedS = (Date.now() - this.start) / 1000;
    const ratePerS = elapsedS > 0 ? this.done / elapsedS : 0;
    const total = this.opts.total;
    const etaS = total !== undefined && ratePerS > 0 ? Math.max(0, total - this.done) / ratePerS : undefined;
    return { done: this.done, total, elapsedS, ratePerS, etaS, info: { ...this.info } };
  }

  /** The tqdm-like text line. */
  text(): string {
    const s = this.state();
    const unit = this.opts.unit ?? 'it';
    const label = this.opts.label ? `${this.opts.label}: ` : '';
    const extras = Object.entries(s.info)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? v.toPrecision(4) : v}`)
      .join(', ');
    const tail = `[${formatDuration(s.elapsedS)}<${s.etaS === undefined ? '?' : formatDuration(s.etaS)}, ${formatRate(s.ratePerS, unit)}${extras ? `, ${extras}` : ''}]`;
    if (s.total === undefined || s.total === 0) return `${label}${s.done} ${unit} ${tail}`;
    const frac = Math.min(1, s.done / s.total);
    const width = 30;
    const filled = Math.round(frac * width);
    return `${label}${String(Math.round(frac * 100)).padStart(3)}%|${'█'.repeat(filled)}${' '.repeat(width - filled)}| ${s.done}/${s.total} ${tail}`;
  }

  html(): string {
    const s = this.state();
    const pct = s.total ? Math.min(100, (100 * s.done) / s.total) : 0;
    const color = this.closed ? '#2e7d32' : '#1976d2';
    const bar = s.total
      ? `<div style="flex:0 0 240px;height:12px;background:#e0e0e0;border-radius:3px;overflow:hidden"><div class="privlab-progress-fill" style="width:${pct.toFixed(1)}%;height:100%;background:${color}"></div></div>`
      : '';
    const line = escapeHtml(
      this.text()
        .replace(/^.*\|\s/, '')
        .replace(/^[^:]*: /, ''),
    );
    const label = this.opts.label ? `<b>${escapeHtml(this.opts.label)}</b>` : '';
    return `<div class="privlab-progress" style="display:flex;gap:8px;align-items:center;font-family:monospace;font-size:12px">${label}${bar}<span>${s.total ? `${pct.toFixed(0)}% ` : ''}${line}</span></div>`;
  }

  draw(): void {
    this.handle.update({ 'text/plain': this.text(), 'text/html': this.html() });
    this.lastDraw = Date.now();
  }

  close(): ProgressState {
    if (!this.closed) {
      this.closed = true;
      this.draw();
    }
    return this.state();
  }
}

export function progressBar(opts: ProgressOptions = {}): ProgressBar {
  return new ProgressBar(opts);
}

/**
 * Iterate with a progress bar. Yields to the event loop between items so the bar can
 * redraw while the loop runs: `for await (const x of progress(items)) { … }`.
 */
export async function* progress<T>(items: Iterable<T> | AsyncIterable<T>, opts: ProgressOptions = {}): AsyncGenerator<T> {
  const total = opts.total ?? (Array.isArray(items) ? items.length : undefined);
  const bar = new ProgressBar({ ...opts, total });
  try {
    for await (const item of items as AsyncIterable<T>) {
      yield item;
      await bar.tick();
    }
  } finally {
    bar.close();
  }
}
