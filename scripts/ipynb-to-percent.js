#!/usr/bin/env node
/*
 * One-off: turn notebooks made another way (the Python generators of scripts/make_*.py, or Jupyter)
 * into percent sources, so that they are built by `privlab notebooks build` from then on.
 *
 *   node scripts/ipynb-to-percent.js [--force] notebooks/06-name.ipynb [more.ipynb …]
 *
 * writes notebooks/src/06-name.ts (the src/ folder beside each notebook), then checks that the source
 * gives back the notebook's cells (type and source) and says whether the .ipynb bytes are the
 * generated ones (only cell ids and outputs may differ; `privlab notebooks build` rewrites it).
 * Uses the compiled library (dist/): run the set-up or tsc first. Refuses to overwrite a source
 * unless --force (to take back edits made to a notebook in Jupyter: the .ipynb wins).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const src = require(path.join(__dirname, '..', 'dist', 'src', 'jupyter', 'notebook-source.js'));

const force = process.argv.includes('--force');
const files = process.argv.slice(2).filter((a) => a !== '--force');
if (files.length === 0) {
  console.error('usage: node scripts/ipynb-to-percent.js [--force] NOTEBOOK.ipynb …');
  process.exit(2);
}
let failed = false;
for (const ipynb of files) {
  try {
    const text = fs.readFileSync(ipynb, 'utf8');
    const cells = src.notebookCells(text, ipynb);
    const out = path.join(path.dirname(ipynb), 'src', `${path.basename(ipynb, '.ipynb')}.ts`);
    if (fs.existsSync(out) && !force) throw new Error(`${out} exists: not overwritten (--force to replace it)`);
    const percent = src.toPercent(cells, ipynb);
    const back = src.parsePercent(percent, out);
    if (JSON.stringify(back) !== JSON.stringify(cells)) throw new Error(`${ipynb}: the percent form does not give back the same cells`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, percent);
    const same = src.notebookJson(back, src.idPrefix(out)) === text;
    console.log(`${out}: ${cells.length} cells${same ? '' : ` (${ipynb} will change in cell ids or outputs only: run privlab notebooks build)`}`);
  } catch (err) {
    console.error(err.message);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
