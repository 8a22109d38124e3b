/** Plotly charts in notebook outputs: static charts and charts that update in place. */
import { barChart, ChartOptions, figureHtml, lineChart, PlotlyFigure, plotlyLoaderHtml, Series } from '../src/viz/plotly';
import { display, DisplayHandle, MimeBundle } from './display';
import { saveFigure } from './figures';

const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
let plotlyLoaded = false;

/**
 * plotly.js goes into the notebook once per kernel session, as its own output that is
 * never updated, so the library survives in saved notebooks and exported reports even
 * when every chart output is later replaced in place.
 */
function ensurePlotly(): void {
  if (plotlyLoaded) return;
  display({ 'text/html': plotlyLoaderHtml(), 'text/plain': '' });
  plotlyLoaded = true;
}

function figureBundle(fig: PlotlyFigure): MimeBundle {
  const title = (fig.layout.title as { text?: string } | undefined)?.text;
  return {
    'text/html': figureHtml(fig),
    [PLOTLY_MIME]: { data: fig.data, layout: fig.layout, config: fig.config ?? {} },
    'text/plain': `<Plotly chart${title ? `: ${title}` : ''}>`,
  };
}

export interface ShowOptions {
  /** Also save the chart as a standalone HTML page under figures/ (name without extension). */
  save?: string;
}

// The show-helpers return nothing, as IPython's display() does: tslab prints a cell's
// last value, and a handle there would only be noise in the report.

/** Show any Plotly figure. */
export function plot(fig: PlotlyFigure, opts: ShowOptions = {}): void {
  ensurePlotly();
  display(figureBundle(fig));
  if (opts.save) saveFigure(opts.save, fig);
}

/** Line chart of named series (e.g. { D: dLoss, G: gLoss }). */
export function line(
  series: Series,
  opts: ChartOptions & ShowOptions & { x?: ReadonlyArray<number | string>; groups?: Readonly<Record<string, string>> } = {},
): void {
  plot(lineChart(series, opts), opts);
}

/** Grouped bar chart. */
export function bar(categories: ReadonlyArray<string | number>, series: Series, opts: ChartOptions & ShowOptions = {}): void {
  plot(barChart(categories, series, opts), opts);
}

export interface LiveChartOptions extends ChartOptions {
  /** Names of the series, in legend order. */
  series: string[];
  /** Minimum milliseconds between redraws; points in between are batched. Default 300. */
  intervalMs?: number;
}

/**
 * A line chart that grows while a loop runs, redrawn in place (update_display_data).
 * Call push() per step, and close() at the end to draw the last points.
 */
export class LiveChart {
  private readonly handle: DisplayHandle;
  private readonly xs: number[] = [];
  private readonly ys: Record<string, Array<number | null>> = {};
  private lastDraw = 0;
  private dirty = false;

  constructor(private readonly opts: LiveChartOptions) {
    if (opts.series.length === 0) throw new RangeError('LiveChart needs at least one series name');
    for (const s of opts.series) this.ys[s] = [];
    ensurePlotly();
    this.handle = display(figureBundle(this.figure()));
  }

  /** Add one point per series (missing series get a gap). x defaults to the point count. */
  push(values: Record<string, number>, x: number = this.xs.length): void {
    for (const k of Object.keys(values)) {
      if (!(k in this.ys)) throw new RangeError(`unknown series "${k}"; this chart has ${this.opts.series.join(', ')}`);
    }
    this.xs.push(x);
    for (const s of this.opts.series) this.ys[s].push(Number.isFinite(values[s]) ? values[s] : null);
    this.dirty = true;
    if (Date.now() - this.lastDraw >= (this.opts.intervalMs ?? 300)) this.draw();
  }

  /** Points so far, per series. */
  get data(): { x: number[]; series: Record<string, Array<number | null>> } {
    return { x: [...this.xs], series: Object.fromEntries(Object.entries(this.ys).map(([k, v]) => [k, [...v]])) };
  }

  figure(): PlotlyFigure {
    return lineChart(this.ys, { ...this.opts, x: this.xs });
  }

  /** Draw now if anything changed since the last redraw. */
  draw(): void {
    if (!this.dirty) return;
    this.handle.update(figureBundle(this.figure()));
    this.lastDraw = Date.now();
    this.dirty = false;
  }

  /** Final redraw; optionally save under figures/. */
  close(opts: ShowOptions = {}): void {
    this.draw();
    if (opts.save) saveFigure(opts.save, this.figure());
  }
}

export function liveChart(opts: LiveChartOptions): LiveChart {
  return new LiveChart(opts);
}
