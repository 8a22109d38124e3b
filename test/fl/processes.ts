/** Spawning privlab processes for the federated tests, with their output and clean-up. */
import { after } from 'node:test';
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../support/cli';

export interface Running {
  proc: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves when the output matches `re` (rejects on exit or after `ms`). */
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  exit: Promise<number | null>;
}

const running = new Set<ChildProcess>();
after(() => {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

export function spawnPrivlab(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'privlab'), ...args], {
    cwd: ROOT,
    env: { ...process.env, PRIVLAB_BLAS_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const l of [...listeners]) l();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exit = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      running.delete(proc);
      resolve(code);
    }),
  );
  const waitFor = (re: RegExp, ms = 60_000): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = listeners.has(check) ? re.exec(out) : null;
        if (!m) return;
        done();
        resolve(m);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${re} within ${ms} ms; output:\n${out}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      void exit.then((code) => {
        check();
        if (listeners.has(check)) {
          done();
          reject(new Error(`exited (${code}) before ${re}; output:\n${out}`));
        }
      });
      listeners.add(check);
      check();
    });
  return { proc, output: () => out, waitFor, exit };
}
