/** `privlab report`: execute notebooks headless through Jupyter and export HTML reports. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../util/files';
import { interruptScope, InterruptedError } from '../util/interrupt';
import { lineSplitter } from '../util/line-splitter';
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

/** One code cell's outcome in an --allow-errors run (run_notebook.py). */
export interface CellStatus {
  cell: number;
  code_cell: number;
  status: 'ok' | 'error' | 'timeout' | 'dead' | 'not-run';
  ename: string | null;
  evalue: string | null;
}

/** The longest result line read from the runner (a failed cell's source and traceback included). */
const RESULT_LINE_MAX = 16 * 2 ** 20;

interface RunnerMessage {
  ok?: boolean;
  cell?: number;
  code_cell?: number;
  ename?: string;
  evalue?: string;
  source?: string;
  details?: string;
  seconds?: number;
  cells?: CellStatus[];
}

/**
 * Start run_notebook.py on `notebook` with `extra` arguments; resolves with its exit code and its
 * last stdout line as JSON. Ctrl-C / SIGTERM to privlab tells the runner to stop (it shuts its
 * kernel down) and rejects with an InterruptedError.
 */
function spawnRunner(
  notebook: string,
  extra: string[],
  cellTimeoutS: number | undefined,
  log: (line: string) => void,
  what = 'report',
): Promise<{ code: number | null; msg?: RunnerMessage; stderrTail: string }> {
  const root = packageRoot();
  const name = path.basename(notebook, '.ipynb');
  const args = [
    path.join(root, 'src', 'jupyter', 'python', 'run_notebook.py'),
    '--notebook',
    path.resolve(notebook),
    ...extra,
    '--kernel',
    KERNEL_NAME,
    '--timeout',
    String(cellTimeoutS ?? 1800),
    '--template-dir',
    path.join(root, 'src', 'jupyter', 'templates'),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(systemPython(), args, { env: jupyterEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const scope = interruptScope();
    const stop = (): void => void child.kill('SIGTERM');
    if (scope.signal.aborted) stop();
    else scope.signal.addEventListener('abort', stop, { once: true });
    let stderrTail = '';
    let lastLine = ''; // the runner's result: its last stdout line that is not blank
    const progress = (line: string): void => {
      if (line.startsWith('  cell ')) log(`${name}:${line.slice(1)}`);
    };
    // Whole lines only (the streams decode UTF-8 across chunks): a progress line cut in two is logged once.
    const stderrLines = lineSplitter(progress);
    // The result line carries a failed cell's source and traceback: a generous bound, still a bound.
    const stdoutLines = lineSplitter((line) => void (line.trim() && (lastLine = line)), RESULT_LINE_MAX);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (text: string) => stdoutLines.write(text));
    child.stderr.on('data', (text: string) => {
      stderrTail = (stderrTail + text).slice(-4000);
      stderrLines.write(text);
    });
    child.on('error', (err) => {
      scope.dispose();
      reject(new Error(`cannot start ${systemPython()}: ${err.message}`));
    });
    child.on('close', (code) => {
      scope.dispose();
      stderrLines.end();
      stdoutLines.end();
      if (scope.signal.aborted) {
        reject(new InterruptedError(`${notebook}: ${what} interrupted (${String(scope.signal.reason)}); no ${what} written`, String(scope.signal.reason)));
        return;
      }
      let msg: RunnerMessage | undefined;
      try {
        msg = JSON.parse(lastLine) as RunnerMessage;
      } catch {
        msg = undefined;
      }
      resolve({ code, msg, stderrTail });
    });
  });
}

const defaultLog = (l: string): void => void process.stderr.write(`${l}\n`);

/** Run one notebook; resolves with the report paths or rejects with a NotebookCellError. */
export async function runNotebook(notebook: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const root = packageRoot();
  preflight([notebook], root);
  const outDir = path.resolve(opts.outDir ?? path.join(root, 'figures', 'reports'));
  fs.mkdirSync(outDir, { recursive: true });
  const name = path.basename(notebook, '.ipynb');
  const html = path.join(outDir, `${name}.html`);
  const ipynb = path.join(outDir, `${name}.ipynb`);
  const { code, msg, stderrTail } = await spawnRunner(notebook, ['--html', html, '--ipynb', ipynb], opts.cellTimeoutS, opts.log ?? defaultLog);
  if (code === 0 && msg?.ok) return { notebook, html, ipynb, seconds: msg.seconds ?? 0 };
  if (msg && msg.ok === false)
    throw new NotebookCellError(notebook, msg.cell ?? 0, msg.code_cell ?? 0, msg.ename ?? 'Error', msg.evalue ?? '', msg.source ?? '', msg.details ?? '');
  throw new Error(`${notebook}: the notebook runner failed (exit ${code}):\n${stderrTail.trim()}`);
}

/**
 * Execute a notebook that may fail (a student's submission): every cell runs even after an
 * error; a timeout or a dead kernel ends the run there. Writes the executed notebook to `ipynb`
 * and resolves with each code cell's status. Rejects only when the runner itself fails.
 */
export async function executeAllowingErrors(
  notebook: string,
  ipynb: string,
  opts: { cellTimeoutS?: number; log?: (line: string) => void } = {},
): Promise<{ cells: CellStatus[]; seconds: number }> {
  preflight([notebook], packageRoot());
  const { code, msg, stderrTail } = await spawnRunner(notebook, ['--ipynb', ipynb, '--allow-errors'], opts.cellTimeoutS, opts.log ?? defaultLog, 'grade');
  if (code === 0 && msg?.ok && msg.cells) return { cells: msg.cells, seconds: msg.seconds ?? 0 };
  throw new Error(`${notebook}: the notebook runner failed (exit ${code}):\n${stderrTail.trim()}`);
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
