/**
 * `const summary = lab.summary("…")`: the key results of a notebook in a few lines at the top
 * of its report, although they are computed further down.
 *
 * An early cell creates the summary (an output right under the title, "filled in as the
 * notebook runs"); later cells `summary.set(key, value)` as results come in. Each set()
 * redraws that first output in place through its display id (update_display_data). Jupyter
 * front ends and nbclient (which `privlab report` runs) apply such an update to the earlier
 * cell's output, so the executed notebook and its HTML export carry the final summary at the
 * top, and a live notebook shows it fill in — no post-processing of the report needed.
 */
import { escapeHtml } from '../src/viz/html';
import { DisplayHandle } from './display';

const STYLE = 'border:1px solid #c9d3e0;background:#f5f8fc;border-radius:4px;padding:8px 14px;margin:4px 0;font-size:14px;line-height:1.5';

export class Summary {
  private readonly lines = new Map<string, string>();
  private readonly handle = new DisplayHandle();

  constructor(
    readonly title: string,
    /** Shown until the first set(). */
    readonly pending = 'filled in as the notebook runs',
  ) {
    this.draw();
  }

  /**
   * Set (or replace) the line `key: value`; lines keep the order of their first set().
   * Returns nothing, so that a cell ending in set() does not print the summary object.
   */
  set(key: string, value: string | number): void {
    if (typeof key !== 'string' || key.trim() === '') throw new TypeError(`summary key must be a non-empty string, got ${JSON.stringify(key)}`);
    if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`summary value of "${key}" must be finite, got ${value}`);
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new TypeError(`summary value of "${key}" must be a string or a number, got ${typeof value}`);
    this.lines.set(key, String(value));
    this.draw();
  }

  /** The lines as `key: value`, in order. */
  entries(): [string, string][] {
    return [...this.lines.entries()];
  }

  text(): string {
    const body = this.lines.size ? this.entries().map(([k, v]) => `- ${k}: ${v}`) : [`(${this.pending})`];
    return [this.title, ...body].join('\n');
  }

  html(): string {
    const body = this.lines.size
      ? `<ul style="margin:4px 0 0 0;padding-left:20px">${this.entries()
          .map(([k, v]) => `<li><b>${escapeHtml(k)}</b>: ${escapeHtml(v)}</li>`)
          .join('')}</ul>`
      : `<div style="color:#666;font-style:italic">${escapeHtml(this.pending)}</div>`;
    return `<div class="privlab-summary" style="${STYLE}"><div style="font-weight:bold">${escapeHtml(this.title)}</div>${body}</div>`;
  }

  private draw(): void {
    this.handle.update({ 'text/html': this.html(), 'text/plain': this.text() });
  }
}

/** Show a summary box now, to be filled in by later cells (see the module comment). */
export function summary(title = 'Summary of this run', opts: { pending?: string } = {}): Summary {
  return new Summary(title, opts.pending);
}
