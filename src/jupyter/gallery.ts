/**
 * The report gallery: figures/reports/index.html, one card per report in the folder with its
 * title, its key figures (the `lab.summary` box the report opens with), when it ran, how long
 * it took, and a link to the report. Written by `privlab report` after each notebook it runs;
 * everything it shows is read back from the executed notebooks beside the reports, so a
 * report run on its own (`privlab report notebooks/03-….ipynb`) keeps the others' cards.
 * One static page: inline CSS, no scripts, nothing fetched (it opens offline like the reports).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeHtml } from '../viz/html';
import { writeFileAtomic } from '../util/files';

export interface GallerySummary {
  title: string;
  /** `key: value` lines in the order the notebook set them; empty while the summary is pending. */
  lines: [string, string][];
  /** The placeholder text when no line was set (the notebook never filled the summary in). */
  pending?: string;
}

export interface GalleryEntry {
  /** File stem: 01-mnist-gan for 01-mnist-gan.html. */
  name: string;
  /** The report's HTML file name, relative to the gallery. */
  html: string;
  /** The notebook's first level-1 heading, else its name. */
  title: string;
  summary?: GallerySummary;
  /** ISO 8601 start of the run and its wall-clock seconds (from the runner's metadata). */
  started?: string;
  seconds?: number;
}

interface Output {
  data?: Record<string, unknown>;
}
interface Cell {
  cell_type: string;
  source?: string | string[];
  outputs?: Output[];
}
interface ExecutedNotebook {
  cells?: Cell[];
  metadata?: { privlab?: { report?: { started?: unknown; seconds?: unknown } } };
}

const joined = (v: unknown): string => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '');

/**
 * A summary box's text/plain form, as kernel-ext/summary.ts writes it: the title, then
 * `- key: value` per line, or `(pending text)` before the first set(). A value holding a
 * newline continues on the following lines; the key ends at the first ": ".
 */
export function parseSummaryText(text: string): GallerySummary {
  const [title = '', ...rest] = text.split('\n');
  const summary: GallerySummary = { title, lines: [] };
  for (const line of rest) {
    const m = /^- (.*?): (.*)$/s.exec(line);
    const last = summary.lines[summary.lines.length - 1];
    if (m) summary.lines.push([m[1], m[2]]);
    else if (last) last[1] += `\n${line}`;
    else if (/^\(.*\)$/.test(line)) summary.pending = line.slice(1, -1);
  }
  return summary;
}

/** The card of one executed notebook (as `privlab report` writes it beside its HTML). */
export function galleryEntry(ipynbFile: string): GalleryEntry {
  let nb: ExecutedNotebook;
  try {
    nb = JSON.parse(fs.readFileSync(ipynbFile, 'utf8')) as ExecutedNotebook;
  } catch (err) {
    throw new Error(`${ipynbFile}: not a readable notebook: ${(err as Error).message}`);
  }
  const name = path.basename(ipynbFile, '.ipynb');
  const cells = Array.isArray(nb.cells) ? nb.cells : [];
  let title = name;
  for (const c of cells.filter((c) => c.cell_type === 'markdown')) {
    const h = /^# +(.+)$/m.exec(joined(c.source));
    if (h) {
      title = h[1].trim();
      break;
    }
  }
  const box = cells.flatMap((c) => c.outputs ?? []).find((o) => joined(o.data?.['text/html']).includes('class="privlab-summary"'));
  const run = nb.metadata?.privlab?.report;
  return {
    name,
    html: `${name}.html`,
    title,
    summary: box ? parseSummaryText(joined(box.data?.['text/plain'])) : undefined,
    started: typeof run?.started === 'string' ? run.started : undefined,
    seconds: typeof run?.seconds === 'number' && Number.isFinite(run.seconds) ? run.seconds : undefined,
  };
}

/** 42.0 s, 3 min 07 s, 1 h 02 min. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`duration must be a finite number of seconds ≥ 0, got ${seconds}`);
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** 2026-11-30 11:40 UTC from an ISO 8601 time; the text as given when it does not parse. */
function formatStarted(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1040px; padding: 0 16px; color: #1d2733; }
h1 { font-size: 24px; margin: 0 0 4px 0; }
.lead { color: #5a6675; margin: 0 0 20px 0; }
.report { border: 1px solid #c9d3e0; border-radius: 6px; padding: 12px 16px; margin: 0 0 14px 0; background: #fff; }
.report h2 { font-size: 18px; margin: 0 0 2px 0; }
.report h2 a { color: #1a4f8b; text-decoration: none; }
.report h2 a:hover { text-decoration: underline; }
.meta { color: #5a6675; font-size: 13px; margin: 0 0 8px 0; }
.summary { background: #f5f8fc; border-radius: 4px; padding: 6px 12px; font-size: 14px; line-height: 1.5; }
.summary .title { font-weight: bold; }
.summary ul { margin: 4px 0 0 0; padding-left: 20px; }
.summary .value { white-space: pre-wrap; }
.none { color: #666; font-style: italic; }
`;

function card(e: GalleryEntry): string {
  const href = escapeHtml(encodeURIComponent(e.html));
  const meta = [
    e.started ? `ran ${escapeHtml(formatStarted(e.started))}` : 'run date unknown',
    e.seconds !== undefined ? `took ${escapeHtml(formatDuration(e.seconds))}` : undefined,
    `<a href="${href}">${escapeHtml(e.html)}</a>`,
  ].filter(Boolean);
  let key: string;
  if (!e.summary) key = '<div class="none">this report has no summary box</div>';
  else {
    const lines = e.summary.lines.length
      ? `<ul>${e.summary.lines.map(([k, v]) => `<li><b>${escapeHtml(k)}</b>: <span class="value">${escapeHtml(v)}</span></li>`).join('')}</ul>`
      : `<div class="none">${escapeHtml(e.summary.pending ?? 'the summary was not filled in')}</div>`;
    key = `<div class="summary"><div class="title">${escapeHtml(e.summary.title)}</div>${lines}</div>`;
  }
  return `<section class="report" id="${escapeHtml(e.name)}">
<h2><a href="${href}">${escapeHtml(e.title)}</a></h2>
<p class="meta">${meta.join(' · ')}</p>
${key}
</section>`;
}

/** The gallery page for these reports, in the order given. */
export function galleryHtml(entries: GalleryEntry[]): string {
  const body = entries.length ? entries.map(card).join('\n') : '<p class="none">no reports yet: run <code>privlab report</code></p>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>privlab reports</title>
<style>${CSS}</style>
</head>
<body>
<h1>privlab reports</h1>
<p class="lead">${entries.length} report${entries.length === 1 ? '' : 's'}, each with the key figures it opens with. Every report is one self-contained HTML file that opens offline.</p>
${body}
</body>
</html>
`;
}

/** The reports in a folder: each executed NAME.ipynb that has its NAME.html beside it, by name. */
export function galleryEntries(outDir: string): GalleryEntry[] {
  return fs
    .readdirSync(outDir)
    .filter((f) => f.endsWith('.ipynb') && fs.existsSync(path.join(outDir, `${path.basename(f, '.ipynb')}.html`)))
    .sort()
    .map((f) => galleryEntry(path.join(outDir, f)));
}

/** Write OUTDIR/index.html for the reports in OUTDIR; returns its path. */
export function writeGallery(outDir: string): string {
  const file = path.join(outDir, 'index.html');
  writeFileAtomic(file, galleryHtml(galleryEntries(outDir)));
  return file;
}
