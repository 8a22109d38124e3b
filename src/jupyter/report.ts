/** `privlab report`: execute notebooks headless through Jupyter and export HTML reports. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../util/files';
import { interruptScope, InterruptedError } from '../util/interrupt';
import { jupyterEnv, KERNEL_NAME, systemPython } from './env';
import { writeGallery } from './gallery';
import { kernelSpecFile } from './kernelspec';

export interface ReportOptions {
  /** Output folder for <name>.html and the executed <name>.ipynb. Default figures/reports. */
  outDir?: string;
  /** Seconds a single cell may run. Default 1800. */
  cellTimeoutS?: number;
  /** Progress lines (one per cell). Default: stderr. */
  log?: (line: string) => void;
}

export interface ReportResult {
  notebook: string;
  html: string;
  ipynb: string;
  seconds: number;
}

/** A notebook cell failed: the message names the notebook, the cell and its error. */
export class NotebookCellError extends Error {
  constructor(
    readonly notebook: string,
    readonly cell: number,
    readonly codeCell: number,
    readonly ename: string,
    readonly evalue: string,
    readonly source: string,
    /** The kernel's error output without the kernel's own stack frames. */
    readonly details: string,
  ) {
    super(`${notebook}: cell ${cell} (code cell ${codeCell}) failed: ${ename}: ${evalue}`);
    this.name = 'NotebookCellError';
  }
}

export function defaultNotebooks(root = packageRoot()): string[] {
  const dir = path.join(root, 'notebooks');
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.ipynb'))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
}

function preflight(notebooks: string[], root: string): void {
  if (!fs.existsSync(kernelSpecFile(root))) {
    throw new Error(`the privlab kernel is not registered (${kernelSpecFile(root)} missing): run the set-up (npm start or npm test)`);
  }
  for (const nb of notebooks) {
    if (!fs.existsSync(nb)) throw new Error(`${nb}: notebook not found`);
    if (!nb.endsWith('.ipynb')) throw new Error(`${nb}: not a notebook (expected a .ipynb file)`);
  }
}

/** Run one notebook; resolves with the report paths or rejects with a NotebookCellError. */
export function runNotebook(notebook: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const root = packageRoot();
  preflight([notebook], root);
  const outDir = path.resolve(opts.outDir ?? path.join(root, 'figures', 'reports'));
  fs.mkdirSync(outDir, { recursive: true });
  const name = path.basename(notebook, '.ipynb');
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const args = [
    path.join(root, 'src', 'jupyter', 'python', 'run_notebook.py'),
    '--notebook',
    path.resolve(notebook),
    '--html',
    path.join(outDir, `${name}.html`),
    '--ipynb',
    path.join(outDir, `${name}.ipynb`),
    '--kernel',
    KERNEL_NAME,
    '--timeout',
    String(opts.cellTimeoutS ?? 1800),
    '--template-dir',
    path.join(root, 'src', 'jupyter', 'templates'),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(systemPython(), args, { env: jupyterEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    // Ctrl-C / SIGTERM to privlab: the runner is told to stop (it shuts its kernel down), and no report is written.
    const scope = interruptScope();
    const stop = (): void => void child.kill('SIGTERM');
    if (scope.signal.aborted) stop();
    else scope.signal.addEventListener('abort', stop, { once: true });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      stderrTail = (stderrTail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.startsWith('  cell ')) log(`${name}:${line.slice(1)}`);
    });
    child.on('error', (err) => {
      scope.dispose();
      reject(new Error(`cannot start ${systemPython()}: ${err.message}`));
    });
    child.on('close', (code) => {
      scope.dispose();
      if (scope.signal.aborted) {
        reject(new InterruptedError(`${notebook}: report interrupted (${String(scope.signal.reason)}); no report written`, String(scope.signal.reason)));
        return;
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      let msg:
        { ok?: boolean; cell?: number; code_cell?: number; ename?: string; evalue?: string; source?: string; details?: string; seconds?: number } | undefined;
      try {
        msg = JSON.parse(last);
      } catch {
        msg = undefined;
      }
      if (code === 0 && msg?.ok) {
        resolve({ notebook, html: path.join(outDir, `${name}.html`), ipynb: path.join(outDir, `${name}.ipynb`), seconds: msg.seconds ?? 0 });
      } else if (msg && msg.ok === false) {
        reject(new NotebookCellError(notebook, msg.cell ?? 0, msg.code_cell ?? 0, msg.ename ?? 'Error', msg.evalue ?? '', msg.source ?? '', msg.details ?? ''));
      } else {
        reject(new Error(`${notebook}: the notebook runner failed (exit ${code}):\n${stderrTail.trim()}`));
      }
    });
  });
}

/**
 * Run notebooks in order; stops at the first failing cell. After each report, the folder's
 * gallery (index.html, src/jupyter/gallery.ts) is rewritten, so it lists every report there.
 */
export async function runReports(notebooks: string[], opts: ReportOptions = {}): Promise<ReportResult[]> {
  const list = notebooks.length ? notebooks : defaultNotebooks();
  if (list.length === 0) throw new Error('no notebooks to run (notebooks/ is empty)');
  preflight(list, packageRoot());
  const index = list.find((nb) => path.basename(nb) === 'index.ipynb');
  if (index) throw new Error(`${index}: its report would be index.html, the name of the report gallery: rename the notebook`);
  const results: ReportResult[] = [];
  for (const nb of list) {
    const r = await runNotebook(nb, opts);
    writeGallery(path.dirname(r.html));
    results.push(r);
  }
  return results;
}
