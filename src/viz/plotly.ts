/**
 * Plotly figures as plain data (the Plotly JSON schema) and their HTML forms. Rendering
 * happens in the browser with plotly.js from the npm package, inlined — never a CDN —
 * so notebooks and exported reports work offline.
 */
import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { escapeHtml, scriptJson } from './html';

export interface PlotlyTrace {
  type?: string;
  name?: string;
  x?: ReadonlyArray<number | string>;
  y?: ReadonlyArray<number | string | null>;
  mode?: string;
  [key: string]: unknown;
}

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

export interface ChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Log-scale y axis. */
  logY?: boolean;
  height?: number;
}

export type Series = Record<string, ReadonlyArray<number | null>>;

/** Plotly's default colour cycle (10 colours): beyond ten series a colour would repeat. */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const DASHES = ['solid', 'dot', 'dash', 'dashdot', 'longdash', 'longdashdot'];

/**
 * Line styles for series that come in groups (a setting × its sites): one colour per group, one
 * dash per member within it, so many series stay told apart. Series without a group get their own colour.
 */
function groupStyles(names: readonly string[], groupOf: Readonly<Record<string, string>>): { line: { color: string; dash: string }; legendgroup: string }[] {
  const groups: string[] = [];
  const members = new Map<string, number>();
  return names.map((name) => {
    const g = groupOf[name] ?? name;
    if (!groups.includes(g)) groups.push(g);
    const k = members.get(g) ?? 0;
    members.set(g, k + 1);
    return { line: { color: PALETTE[groups.indexOf(g) % PALETTE.length], dash: DASHES[k % DASHES.length] }, legendgroup: g };
  });
}

function baseLayout(o: ChartOptions): Record<string, unknown> {
  return {
    title: o.title ? { text: o.title } : undefined,
    xaxis: { title: { text: o.xTitle ?? '' } },
    yaxis: { title: { text: o.yTitle ?? '' }, type: o.logY ? 'log' : 'linear' },
    height: o.height ?? 360,
    margin: { l: 60, r: 20, t: o.title ? 50 : 20, b: 50 },
    template: undefined,
  };
}

/**
 * A line chart: one trace per named series. `x` is shared; when omitted each series is
 * drawn against its index (0, 1, 2, …).
 */
export function lineChart(
  series: Series,
  opts: ChartOptions & { x?: ReadonlyArray<number | string>; groups?: Readonly<Record<string, string>> } = {},
): PlotlyFigure {
  const names = Object.keys(series);
  if (names.length === 0) throw new RangeError('lineChart needs at least one series');
  const styles = opts.groups ? groupStyles(names, opts.groups) : undefined;
  const data = names.map((name, i) => {
    const y = series[name];
    if (opts.x && opts.x.length !== y.length) throw new RangeError(`series "${name}" has ${y.length} points but x has ${opts.x.length}`);
    return { type: 'scatter', mode: 'lines', name, x: opts.x ?? y.map((_, i) => i), y, ...styles?.[i] };
  });
  return { data, layout: baseLayout(opts), config: { responsive: true, displaylogo: false } };
}

/** A bar chart: categories along x, one group of bars per named series. */
export function barChart(categories: ReadonlyArray<string | number>, series: Series, opts: ChartOptions = {}): PlotlyFigure {
  const names = Object.keys(series);
  if (names.length === 0) throw new RangeError('barChart needs at least one series');
  const data = names.map((name) => {
    const y = series[name];
    if (y.length !== categories.length) throw new RangeError(`series "${name}" has ${y.length} values but there are ${categories.length} categories`);
    return { type: 'bar', name, x: categories.map(String), y };
  });
  const layout = baseLayout(opts);
  // Categories are labels even when they look like numbers ("0" … "9"): one tick each.
  layout.xaxis = { ...(layout.xaxis as object), type: 'category' };
  return { data, layout: { ...layout, barmode: 'group' }, config: { responsive: true, displaylogo: false } };
}

let plotlySource: string | undefined;

/** The plotly.js bundle from the npm package (read once). */
export function plotlyJs(): string {
  if (plotlySource === undefined) {
    const file = require.resolve('plotly.js-dist-min/plotly.min.js');
    // An inline <script> ends at the first "</script"; keep the bundle from ever doing that.
    plotlySource = fs.readFileSync(file, 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  return plotlySource;
}

export function plotlyVersion(): string {
  return (require('plotly.js-dist-min/package.json') as { version: string }).version;
}

/** A <script> element that defines window.Plotly, for pages and notebook outputs. */
export function plotlyLoaderHtml(): string {
  return `<script type="text/javascript" data-privlab="plotly.js ${plotlyVersion()}">${plotlyJs()}</script>`;
}

/**
 * The HTML of one chart: a div and a script that draws it with window.Plotly. It
 * assumes plotly.js was loaded earlier on the page (plotlyLoaderHtml), and waits for
 * it if the page is still loading.
 */
export function figureHtml(fig: PlotlyFigure, opts: { id?: string } = {}): string {
  const id = opts.id ?? `privlab-plot-${randomUUID()}`;
  const height = typeof fig.layout.height === 'number' ? fig.layout.height : 360;
  return [
    `<div id="${escapeHtml(id)}" class="privlab-plot" style="width:100%;min-height:${height}px"></div>`,
    '<script type="text/javascript">',
    '(function () {',
    `  var fig = ${scriptJson(fig)};`,
    `  function draw() { window.Plotly.react(document.getElementById(${scriptJson(id)}), fig.data, fig.layout, fig.config || {}); }`,
    '  if (window.Plotly) draw(); else window.addEventListener("load", draw);',
    '})();',
    '</script>',
  ].join('\n');
}

/** A whole standalone HTML page (plotly.js inlined): for saving charts under figures/. */
export function figurePage(fig: PlotlyFigure, title = 'privlab figure'): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>${plotlyLoaderHtml()}</head>\n<body>${figureHtml(fig)}</body></html>\n`;
}
