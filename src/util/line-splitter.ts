/**
 * Lines out of a child process's output: a pipe delivers chunks, not lines, nor whole UTF-8
 * characters (a chunk can end inside one), so each chunk is decoded with what came before it and a
 * line is handed on only once its newline arrives; `end()` hands on a last line without one.
 *
 * A line is held up to `maxLine` characters and cut there, the rest of it (up to its newline)
 * dropped: a writer that never ends its line cannot make the reader hold all it writes.
 */
import { StringDecoder } from 'node:string_decoder';
import { requirePositiveInteger } from './checks';

export interface LineSplitter {
  /** The next chunk of output (bytes, or text already decoded). */
  write(chunk: Buffer | string): void;
  /** The output ended: the last line, if it had no newline, is handed on now. */
  end(): void;
  /** Characters held for the line not yet ended (at most `maxLine`). */
  readonly held: number;
}

export function lineSplitter(onLine: (line: string) => void, maxLine = 64 * 1024): LineSplitter {
  requirePositiveInteger(maxLine, 'maxLine');
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const take = (text: string): void => {
    let start = 0;
    for (let nl = text.indexOf('\n'); ; nl = text.indexOf('\n', start)) {
      // Past maxLine the slice is empty: the rest of the line is dropped, not held.
      partial += text.slice(start, nl < 0 ? undefined : nl).slice(0, maxLine - partial.length);
      if (nl < 0) return;
      onLine(partial);
      partial = '';
      start = nl + 1;
    }
  };
  return {
    write: (chunk) => take(typeof chunk === 'string' ? chunk : decoder.write(chunk)),
    end() {
      take(decoder.end());
      if (partial !== '') onLine(partial);
      partial = '';
    },
    get held() {
      return partial.length;
    },
  };
}
