/** Tables from danfojs-node DataFrames (or arrays of row objects) as HTML outputs. */
import { DataFrameLike, Row, TableOptions, tableData, tableHtml, tableText } from '../src/viz/table';
import { display } from './display';
import { saveFigure, saveText } from './figures';

const STYLE =
  '<style>.privlab-table{border-collapse:collapse;font-size:12px}.privlab-table th,.privlab-table td{border:1px solid #ddd;padding:3px 8px;text-align:right}.privlab-table thead th{background:#f5f5f5}</style>';

function csv(src: DataFrameLike | Row[]): string {
  const t = tableData(src);
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [t.columns.map(cell).join(','), ...t.rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}

/** Show a table; with `save`, also write figures/<save>.html and .csv. */
export function table(src: DataFrameLike | Row[], opts: TableOptions & { save?: string } = {}): void {
  const markup = STYLE + tableHtml(src, opts);
  display({ 'text/html': markup, 'text/plain': tableText(src, opts) });
  if (opts.save) {
    saveFigure(opts.save, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${markup}</body></html>\n`);
    saveText(opts.save, '.csv', csv(src));
  }
}
