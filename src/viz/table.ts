/** Tables as HTML: from danfojs DataFrames (duck-typed, so this module does not load danfojs) or row objects. */
import { escapeHtml } from './html';

/** What we use of a danfojs-node DataFrame. */
export interface DataFrameLike {
  columns: string[];
  values: unknown[][] | unknown[];
  index?: Array<string | number>;
}

export type Row = Record<string, unknown>;

export interface TableOptions {
  /** At most this many digits after the decimal point for non-integer numbers (trailing zeros dropped: 93.25, not 93.2500). Default 4. */
  digits?: number;
  caption?: string;
  /** Show the index column. Default: true for DataFrames with a non-default index. */
  showIndex?: boolean;
  /** At most this many rows; the rest are summarised. Default 200. */
  maxRows?: number;
}

export interface TableData {
  columns: string[];
  rows: unknown[][];
  index?: Array<string | number>;
}

export function isDataFrameLike(x: unknown): x is DataFrameLike {
  return typeof x === 'object' && x !== null && Array.isArray((x as DataFrameLike).columns) && Array.isArray((x as DataFrameLike).values);
}

/** Normalise a DataFrame or an array of row objects to columns + rows. */
export function tableData(src: DataFrameLike | Row[]): TableData {
  if (isDataFrameLike(src)) {
    const vals = src.values;
    // A one-column DataFrame may report values as a flat array.
    const rows = vals.map((r) => (Array.isArray(r) ? r : [r]));
    const index = src.index;
    const defaultIndex = !index || index.every((v, i) => v === i);
    return { columns: [...src.columns], rows, index: defaultIndex ? undefined : [...index] };
  }
  if (!Array.isArray(src)) throw new TypeError('table expects a danfojs DataFrame or an array of row objects');
  const columns: string[] = [];
  for (const row of src) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  return { columns, rows: src.map((row) => columns.map((c) => row[c])) };
}

export function formatCell(v: unknown, digits: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    // Too small for the digits: two significant figures, not a misleading 0.
    if (Math.abs(v) < 0.5 * 10 ** -digits) return v.toExponential(1);
    // Rounded, then printed as short as it reads: a rounded figure's trailing zeros are noise.
    return String(Number(v.toFixed(digits)));
  }
  return String(v);
}

export function tableHtml(src: DataFrameLike | Row[], opts: TableOptions = {}): string {
  const t = tableData(src);
  const digits = opts.digits ?? 4;
  const maxRows = opts.maxRows ?? 200;
  const showIndex = opts.showIndex ?? t.index !== undefined;
  const index = t.index ?? t.rows.map((_, i) => i);
  const head = (showIndex ? ['<th></th>'] : []).concat(t.columns.map((c) => `<th>${escapeHtml(c)}</th>`)).join('');
  const body = t.rows.slice(0, maxRows).map((r, i) => {
    const cells = r.map((v) => `<td>${escapeHtml(formatCell(v, digits))}</td>`).join('');
    return `<tr>${showIndex ? `<th>${escapeHtml(String(index[i]))}</th>` : ''}${cells}</tr>`;
  });
  if (t.rows.length > maxRows) body.push(`<tr><td colspan="${t.columns.length + (showIndex ? 1 : 0)}">… ${t.rows.length - maxRows} more rows</td></tr>`);
  const caption = opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : '';
  return `<table class="privlab-table dataframe">${caption}<thead><tr>${head}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

/** Plain-text rendering for text/plain outputs and terminals. */
export function tableText(src: DataFrameLike | Row[], opts: TableOptions = {}): string {
  const t = tableData(src);
  const digits = opts.digits ?? 4;
  const cells = [t.columns, ...t.rows.slice(0, opts.maxRows ?? 200).map((r) => r.map((v) => formatCell(v, digits)))];
  const widths = t.columns.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  return cells.map((r) => r.map((c, j) => (c ?? '').padStart(widths[j])).join('  ')).join('\n');
}
