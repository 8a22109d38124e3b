/**
 * `privlab notebooks build`: notebooks/src/NN-name.ts (percent format, src/jupyter/notebook-source.ts)
 * → notebooks/NN-name.ipynb. With `check`, nothing is written and the notebooks that differ from
 * their generated form are reported (the test suite runs this).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';
import { idPrefix, notebookJson, parsePercent } from './notebook-source';

export interface BuiltNotebook {
  source: string;
  ipynb: string;
  /** same: already as generated; written: (re)generated now; differs: check mode, not as generated. */
  status: 'same' | 'written' | 'differs';
}

/** The percent sources under DIR/src, by name (declaration files such as tslab.d.ts excluded). */
export function notebookSources(dir: string): string[] {
  const src = path.join(dir, 'src');
  if (!fs.existsSync(src)) return [];
  return fs
    .readdirSync(src)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => path.join(src, f));
}

/** The generated .ipynb text of one percent source. */
export function generatedNotebook(sourceFile: string): string {
  return notebookJson(parsePercent(fs.readFileSync(sourceFile, 'utf8'), sourceFile), idPrefix(sourceFile));
}

/** Build (or with `check`, compare) every notebook of DIR (default: the package's notebooks/) from DIR/src. */
export function buildNotebooks(dir: string, opts: { check?: boolean } = {}): BuiltNotebook[] {
  return notebookSources(dir).map((source) => {
    const ipynb = path.join(dir, `${path.basename(source, '.ts')}.ipynb`);
    return { source, ipynb, status: writeOrCompare(ipynb, generatedNotebook(source), opts.check) };
  });
}

/** Write `text` to `file` unless it already holds it; with `check`, only compare. */
export function writeOrCompare(file: string, text: string, check = false): BuiltNotebook['status'] {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  if (current === text) return 'same';
  if (check) return 'differs';
  writeFileAtomic(file, text);
  return 'written';
}

/** Notebooks in DIR without a percent source in DIR/src (made some other way). */
export function notebooksWithoutSource(dir: string): string[] {
  const sources = new Set(notebookSources(dir).map((s) => path.basename(s, '.ts')));
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb') && !sources.has(path.basename(f, '.ipynb')))
    .sort()
    .map((f) => path.join(dir, f));
}
