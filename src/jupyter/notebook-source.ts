/**
 * Notebook sources that are code: notebooks/src/NN-name.ts, a TypeScript file in jupytext's
 * percent format, is the source of notebooks/NN-name.ipynb.
 *
 * Percent format, as jupytext reads it for a `//` language: a line `// %%` starts a code cell and
 * `// %% [markdown]` (or `[md]`) a markdown cell, whose lines are comments (`// text`, `//` for an
 * empty line). The blank line before the next marker separates cells and is not content (two
 * blank lines are cut when there are two). Only these markers are accepted: a title, cell
 * metadata, raw cells or content before the first marker would be kept by jupytext and lost
 * here, so they are errors. Unlike jupytext, a `// %%` line inside a multi-line string is read as
 * a marker; the writer refuses code with such a line, so nothing it writes is misread.
 *
 * The .ipynb is written byte for byte as Python's json.dump with indent=1 and ASCII escapes
 * writes it (the former Python generators' layout; the privlab kernelspec; empty outputs), so
 * a notebook saved by Python tools compares equal, and cell ids are `<name>-NN` from the file name.
 */
import * as path from 'node:path';

export type CellType = 'code' | 'markdown';

export interface SourceCell {
  type: CellType;
  source: string;
}

/** jupytext's cell start for a `//` comment: `// %%` then options after whitespace, or a bare `// %%`. */
const MARKER = /^\s*\/\/\s*%%(%*)\s(.*)$/;
const BARE_MARKER = /^\s*\/\/\s*%%\s*$/;
const BLANK = /^\s*$/;

const isMarker = (line: string): boolean => MARKER.test(line) || BARE_MARKER.test(line);

/** The cells of a percent-format source. `file` names the source in errors. */
export function parsePercent(text: string, file = '<percent source>'): SourceCell[] {
  return parsePercentLines(text, file).map(({ type, source }) => ({ type, source }));
}

/** parsePercent, each cell with the 1-based line of its marker (for errors that name a source line). */
export function parsePercentLines(text: string, file = '<percent source>'): Array<SourceCell & { line: number }> {
  if (typeof text !== 'string') throw new TypeError(`${file}: percent source must be a string, got ${typeof text}`);
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const starts: number[] = [];
  lines.forEach((l, i) => isMarker(l) && starts.push(i));
  const before = lines.slice(0, starts[0] ?? lines.length).findIndex((l) => !BLANK.test(l));
  if (before >= 0) throw new Error(`${file}:${before + 1}: content before the first "// %%" cell marker`);
  return starts.map((start, k) => {
    const end = k + 1 < starts.length ? starts[k + 1] : lines.length;
    const type = cellType(lines[start], `${file}:${start + 1}`);
    const body = lines.slice(start + 1, end);
    // The separator before the next cell: two blank lines when there are exactly two, else one.
    const n = body.length;
    if (n >= 3 && BLANK.test(body[n - 1]) && BLANK.test(body[n - 2]) && !BLANK.test(body[n - 3])) body.splice(n - 2);
    else if (n >= 1 && BLANK.test(body[n - 1])) body.pop();
    const content = type === 'code' ? body : body.map((l, i) => uncomment(l, `${file}:${start + 2 + i}`));
    return { type, source: content.join('\n'), line: start + 1 };
  });
}

function cellType(marker: string, where: string): CellType {
  const m = MARKER.exec(marker);
  const sub = m?.[1] ?? '';
  const options = (m?.[2] ?? '').trim();
  if (sub !== '') throw new Error(`${where}: sub-cell marker "${marker.trim()}" is not supported (use "// %%")`);
  if (options === '') return 'code';
  if (options === '[markdown]' || options === '[md]') return 'markdown';
  throw new Error(`${where}: unsupported cell marker "${marker.trim()}": expected "// %%" or "// %% [markdown]" (titles, metadata and raw cells are not kept)`);
}

function uncomment(line: string, where: string): string {
  if (line.startsWith('// ')) return line.slice(3);
  if (line.startsWith('//')) return line.slice(2);
  if (BLANK.test(line)) return '';
  throw new Error(`${where}: a markdown cell line must be a "// " comment, got ${JSON.stringify(line)}`);
}

/** The percent-format text of these cells (one blank line between cells, a final newline). */
export function toPercent(cells: SourceCell[], file = '<notebook>'): string {
  return (
    cells
      .map((c, i) => {
        const where = `${file}: cell ${i + 1}`;
        if (c.type !== 'code' && c.type !== 'markdown') throw new TypeError(`${where}: cell type must be code or markdown, got ${JSON.stringify(c.type)}`);
        const lines = c.source.split('\n');
        const commented = c.type === 'markdown' ? lines.map((l) => (l === '' ? '//' : `// ${l}`)) : lines;
        const bad = commented.findIndex(isMarker);
        if (bad >= 0) throw new Error(`${where}: line ${bad + 1} would read as a cell marker: ${JSON.stringify(lines[bad])}`);
        if (c.type === 'markdown') return ['// %% [markdown]', ...commented].join('\n');
        // Trailing blank lines would be read back as the separator: they cannot round-trip.
        if (c.source !== '' && BLANK.test(lines[lines.length - 1])) throw new Error(`${where}: the code ends with a blank line`);
        return ['// %%', ...(c.source === '' ? [] : lines)].join('\n');
      })
      .join('\n\n') + '\n'
  );
}

/** Cell ids: the file name without its number and extension (03-fhe-inference.ts → fhe-inference). */
export function idPrefix(file: string): string {
  const stem = path.basename(file).replace(/\.(ts|ipynb)$/, '');
  const prefix = stem.replace(/^\d+-/, '');
  if (!/^[A-Za-z0-9_-]+$/.test(prefix))
    throw new RangeError(`notebook name ${JSON.stringify(stem)}: cell ids need letters, digits, "-" or "_" after the number`);
  return prefix;
}

/**
 * Python's json.dumps(value, indent=1) with its default ensure_ascii: JSON.stringify has the same
 * layout and separators; only characters outside printable ASCII differ (Python writes \uXXXX).
 */
export function pythonJson(value: unknown): string {
  return JSON.stringify(value, null, 1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The .ipynb text for these cells, laid out as Python's json.dump(indent=1) lays it out; `metadata` is added to the notebook's. */
export function notebookJson(cells: SourceCell[], prefix: string, metadata: Record<string, unknown> = {}): string {
  const nb = {
    cells: cells.map((c, i) => {
      const id = `${prefix}-${String(i).padStart(2, '0')}`;
      return c.type === 'markdown'
        ? { cell_type: 'markdown', metadata: {}, source: c.source, id }
        : { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: c.source, id };
    }),
    metadata: {
      kernelspec: { name: 'privlab', display_name: 'TypeScript (privlab)', language: 'typescript' },
      language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
      ...metadata,
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return pythonJson(nb);
}

/**
 * The cells of a .ipynb (its sources; outputs are not sources and are dropped). Cell metadata
 * and raw cells have no place in the percent source, so they are errors rather than lost.
 */
export function notebookCells(ipynbText: string, file = '<notebook>'): SourceCell[] {
  let nb: { cells?: unknown };
  try {
    nb = JSON.parse(ipynbText) as { cells?: unknown };
  } catch (err) {
    throw new Error(`${file}: not JSON: ${(err as Error).message}`);
  }
  if (!nb || !Array.isArray(nb.cells)) throw new Error(`${file}: not a notebook (no cells array)`);
  return nb.cells.map((raw, i) => {
    const c = raw as { cell_type?: unknown; source?: unknown; metadata?: unknown };
    const where = `${file}: cell ${i + 1}`;
    if (c.cell_type !== 'code' && c.cell_type !== 'markdown')
      throw new Error(`${where}: cell type ${JSON.stringify(c.cell_type)} has no percent form here (code or markdown)`);
    if (c.metadata && typeof c.metadata === 'object' && Object.keys(c.metadata).length)
      throw new Error(`${where}: cell metadata ${JSON.stringify(c.metadata)} is not kept in the percent source`);
    const source = Array.isArray(c.source) ? c.source.join('') : c.source;
    if (typeof source !== 'string') throw new Error(`${where}: source is not text`);
    return { type: c.cell_type, source };
  });
}
