/**
 * Output folders and files named by the user (`--out`): their parent must exist (a typo
 * in a path is an error, not a new tree of folders), and a folder that a run writes into
 * is locked, so two runs into the same folder do not mix their checkpoints and histories.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processAlive, removeStaleTemps } from './files';

export const LOCK_FILE = '.privlab.lock';

/** Raised when an output folder is in use by another running privlab process. */
export class OutputInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`${dir} is in use by another privlab run (${pid > 0 ? `pid ${pid}` : 'starting now'}); wait for it to finish or choose another --out`);
    this.name = 'OutputInUseError';
  }
}

/** Throw a clear error unless the folder that will hold `p` exists (and is a folder). */
export function checkParentExists(p: string, option = '--out'): void {
  const parent = path.dirname(path.resolve(p));
  let st: fs.Stats;
  try {
    st = fs.statSync(parent);
  } catch {
    throw new Error(`${option} ${p}: the folder ${parent} does not exist (create it first; privlab does not create missing parents)`);
  }
  if (!st.isDirectory()) throw new Error(`${option} ${p}: ${parent} is not a folder`);
}

export interface ClaimedDir {
  dir: string;
  /** Temp files of interrupted writes that were removed from the folder. */
  removedTemps: string[];
  /** Remove the lock (idempotent). */
  release(): void;
}

/**
 * Make `dir` (its parent must exist), lock it for this process and remove the temp files
 * of writes that a killed run left behind. The lock is a file holding the owner's pid,
 * created exclusively; a lock whose process is gone (a killed run) is taken over.
 * Throws OutputInUseError when a live process holds it.
 */
export function claimOutputDir(dir: string, opts: { option?: string; subfolders?: string[] } = {}): ClaimedDir {
  const option = opts.option ?? '--out';
  checkParentExists(dir, option);
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (!fs.statSync(dir).isDirectory()) throw new Error(`${option} ${dir} is a file, not a folder`);
  }
  const lock = path.join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(lock, 'wx', 0o644);
      try {
        fs.writeSync(fd, `${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), argv: process.argv.slice(2) })}\n`);
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = lockOwner(lock);
      if (owner !== undefined && owner !== process.pid && processAlive(owner)) throw new OutputInUseError(dir, owner);
      // Unreadable and fresh: another run is writing its pid right now.
      if ((owner === undefined && lockAgeMs(lock) < 5000) || attempt > 0) throw new OutputInUseError(dir, owner ?? -1);
      // A run that was killed (or a lock we cannot read): take it over.
      fs.rmSync(lock, { force: true });
    }
  }
  const removedTemps = [
    ...removeStaleTemps(dir),
    ...(opts.subfolders ?? []).flatMap((sub) => removeStaleTemps(path.join(dir, sub)).map((n) => path.join(sub, n))),
  ];
  let held = true;
  return {
    dir,
    removedTemps,
    release() {
      if (!held) return;
      held = false;
      if (lockOwner(lock) === process.pid) fs.rmSync(lock, { force: true });
    },
  };
}

function lockAgeMs(lock: string): number {
  try {
    return Date.now() - fs.statSync(lock).mtimeMs;
  } catch {
    return Infinity; // gone meanwhile
  }
}

function lockOwner(lock: string): number | undefined {
  try {
    const pid = (JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid?: unknown }).pid;
    return Number.isInteger(pid) ? (pid as number) : undefined;
  } catch {
    return undefined;
  }
}

/** Run `fn` with `dir` claimed (claimOutputDir), releasing it however `fn` ends. */
export async function withOutputDir<T>(
  dir: string,
  fn: (claimed: ClaimedDir) => Promise<T>,
  opts: { option?: string; subfolders?: string[] } = {},
): Promise<T> {
  const claimed = claimOutputDir(dir, opts);
  try {
    return await fn(claimed);
  } finally {
    claimed.release();
  }
}
