/** Saving what a notebook shows under the project's figures/ folder, on request. */
import * as path from 'node:path';
import { figurePage, PlotlyFigure } from '../src/viz/plotly';
import { packageRoot, writeFileAtomic } from '../src/util/files';

/** figures/ at the project root, or PRIVLAB_FIGURES_DIR. */
export function figuresDir(): string {
  return process.env.PRIVLAB_FIGURES_DIR ?? path.join(packageRoot(), 'figures');
}

function target(name: string, ext: string): string {
  if (!/^[\w.-][\w./-]*$/.test(name) || name.split('/').includes('..')) {
    throw new RangeError(`figure name "${name}" must be a relative path of letters, digits, '.', '-', '_' and '/'`);
  }
  return path.join(figuresDir(), name.endsWith(ext) ? name : `${name}${ext}`);
}

/** Save text (CSV, JSON …) as figures/<name><ext>. Returns the path written. */
export function saveText(name: string, ext: string, content: string): string {
  const f = target(name, ext);
  writeFileAtomic(f, content);
  return f;
}

/**
 * Save a figure: a Plotly figure as a standalone, offline HTML page (plus its JSON spec),
 * PNG bytes as .png, a string as .html. Returns the paths written.
 */
export function saveFigure(name: string, content: PlotlyFigure | Uint8Array | string): string[] {
  if (content instanceof Uint8Array) {
    const f = target(name, '.png');
    writeFileAtomic(f, content);
    return [f];
  }
  if (typeof content === 'string') {
    const f = target(name, '.html');
    writeFileAtomic(f, content);
    return [f];
  }
  const page = target(name, '.html');
  const spec = target(name, '.json');
  writeFileAtomic(page, figurePage(content, name));
  writeFileAtomic(spec, `${JSON.stringify(content, null, 1)}\n`);
  return [page, spec];
}
