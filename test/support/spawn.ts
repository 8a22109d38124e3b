import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';
import { after } from 'node:test';
import { ROOT } from './cli';

/** A privlab CLI process started in the background, with its output collected as it comes. */
export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when `pattern` appears on stderr (or stdout); rejects after `timeoutMs` or if the process ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code and signal once the process has ended; rejects after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `privlab ARGS` (bin/privlab) without waiting; it is killed when the test file ends if still running. */
export function startPrivlab(args: string[], opts: { detached?: boolean; env?: NodeJS.ProcessEnv } = {}): RunningCli {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'privlab'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: opts.detached,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (!pattern.test(err) && !pattern.test(out)) return false;
          cleanup();
          resolve();
          return true;
        };
        const onData = (): void => void check();
        const onClose = (): void => {
          if (check()) return;
          cleanup();
          reject(new Error(`privlab ended before printing ${pattern}:\n${err}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stderr.off('data', onData);
          child.off('close', onClose);
        };
        if (check()) return;
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('close', onClose);
      });
    },
    exited(timeoutMs = 120_000) {
      return Promise.race([
        done,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`privlab did not exit within ${timeoutMs} ms:\n${err}`)), timeoutMs).unref()),
      ]);
    },
  };
}
