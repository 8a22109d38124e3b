import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Write a file so that readers never see it half-written: write a sibling temp
 * file, then rename over the target (atomic on POSIX within one filesystem).
 * With `durable`, the data and the rename are also flushed to disk (fsync of the file,
 * then of its directory), so the new file survives a power loss, not only a killed process.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: { durable?: boolean } = {}): void {
  const dir = path.dirname(path.resolve(file));
  // Library callers name files inside folders they own (samples/, figures/…): those are made here.
  // A user's output path is checked by the CLI first (src/util/out-dir.ts), so a typo in it is an error.
  fs.mkdirSync(dir, { recursive: true });
  // A writer killed between open and rename left its temp file: gone once someone writes the file again.
  removeStaleTemps(dir, path.basename(file));
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      if (opts.durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  if (opts.durable) {
    const d = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(d);
    } finally {
      fs.closeSync(d);
    }
  }
}

const TEMP_NAME = /^(.+)\.tmp-(\d+)-\d+$/;

/** Whether process `pid` exists (EPERM: it does, but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temp files writeFileAtomic left in `dir` (`NAME.tmp-PID-TIME`) whose writer
 * is no longer running — a process killed during a write. Only those of `target` when it
 * is given. Returns the names removed.
 */
export function removeStaleTemps(dir: string, target?: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || (target !== undefined && m[1] !== target)) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/** The project root: the nearest ancestor of this module holding privlab's package.json. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        if (JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'privlab') return dir;
      } catch {
        /* not ours; keep walking */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find privlab's package.json above ${__dirname}`);
    dir = parent;
  }
}
