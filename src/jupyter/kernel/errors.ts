/**
 * Turning what tslab's executor reports on its console into a Jupyter error
 * (ename, evalue, traceback), as the messaging protocol expects of a failed cell.
 */
import { format } from 'node:util';

export interface JupyterError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Frames that only show how the kernel ran the cell (tslab, node's vm and internals). */
const INTERNAL_FRAME = /node_modules\/tslab\/|[( ]node:|sigintHandlersWrap|Script\.runInThisContext/;

/** Cell code runs as a vm script named evalmachine.<anonymous>: call it what it is. */
function cellFrame(line: string): string {
  return line.replace(/evalmachine\.<anonymous>/g, '<cell>');
}

/** tslab prints a TypeScript diagnostic as console.error("%s%d:%d - %s", file, line, col, message). */
function isDiagnostic(args: unknown[]): boolean {
  return args[0] === '%s%d:%d - %s';
}

/**
 * One error from the executor's console.error calls during a failed execution: either
 * TypeScript diagnostics (one call each) or the thrown value (one call).
 */
export function errorFromConsole(calls: unknown[][]): JupyterError {
  const diagnostics = calls.filter(isDiagnostic).map((args) => format(...(args as [string, ...unknown[]])));
  if (diagnostics.length > 0) {
    return { ename: 'TSError', evalue: diagnostics.join('; '), traceback: diagnostics.map((d) => `TSError: ${d}`) };
  }
  const thrown = calls.length > 0 ? calls[calls.length - 1][0] : undefined;
  if (thrown instanceof Error || (typeof thrown === 'object' && thrown !== null && 'stack' in thrown && 'message' in thrown)) {
    const e = thrown as Error;
    const ename = e.name || e.constructor?.name || 'Error';
    const frames = String(e.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l) && !INTERNAL_FRAME.test(l))
      .map(cellFrame);
    return { ename, evalue: e.message, traceback: [`${ename}: ${e.message}`, ...frames] };
  }
  const text = calls.map((args) => format(...(args as [string, ...unknown[]]))).join('\n');
  return { ename: 'Uncaught', evalue: text || 'unknown error', traceback: [`Uncaught ${text}`] };
}
