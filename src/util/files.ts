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
  fs.mkdirSync(dir, { recursive: true });
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
