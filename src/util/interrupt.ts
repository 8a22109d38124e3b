/**
 * Cooperative interruption of long loops (training epochs, federated rounds, encrypted
 * batches). Ctrl-C, SIGTERM or a notebook kernel's interrupt call `requestInterrupt()`;
 * every loop running at that moment holds an `InterruptScope` and sees its signal
 * aborted at its next check, so it can stop between steps and save its state.
 *
 * Why cooperative: a tfjs step runs synchronously, and a signal handler is a macrotask, so
 * a loop that only awaits microtasks (resolved promises, sync callbacks) keeps the handler
 * from running until it ends. `pause()` awaits a macrotask (setImmediate) when one is due.
 *
 * The set of live scopes is kept on globalThis, not in this module: the kernel launcher and
 * a notebook's `import "privlab/kernel-ext"` may load two copies of this file (dist/ and
 * the source through tslab), and an interrupt must reach loops started by either.
 */

/** Thrown by loops that stop on an interrupt and have nothing to return. */
export class InterruptedError extends Error {
  constructor(
    message = 'interrupted',
    /** What was interrupted (e.g. "SIGINT", "kernel interrupt"). */
    readonly reason = 'interrupt',
  ) {
    super(message);
    this.name = 'InterruptedError';
  }
}

function interrupted(what: string, reason: unknown): InterruptedError {
  return new InterruptedError(`${what} interrupted (${String(reason)})`, String(reason));
}

interface Registry {
  scopes: Set<AbortController>;
  /** Set by a sticky request (the CLI's): scopes opened later start aborted, so a command stops as a whole. */
  sticky?: string;
}

const KEY = Symbol.for('privlab.interrupt.registry');

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[KEY] ??= { scopes: new Set() });
}

/** A long operation's view of interrupts; dispose it when the operation ends. */
export interface InterruptScope {
  /** Aborted by the next interrupt request (or when `parent` aborts). Its reason is a string naming the cause. */
  readonly signal: AbortSignal;
  /** Await a macrotask if `everyMs` passed since the last one (so signal handlers run), then report whether to stop. */
  pause(): Promise<boolean>;
  /** Throw InterruptedError(`what`) when the signal is aborted. */
  throwIfInterrupted(what: string): void;
  /**
   * `p`, or an InterruptedError(`what`) as soon as the signal aborts — for waits on other
   * processes or the network, which have no step to stop after. `p` itself is not cancelled.
   */
  race<T>(p: Promise<T>, what: string): Promise<T>;
  dispose(): void;
}

/**
 * Open a scope: its signal aborts at the next `requestInterrupt()` while the scope is open,
 * or when `parent` (the caller's own AbortSignal) aborts. Interrupts requested while no
 * scope is open are not remembered: a notebook's next cell starts clean.
 * @param everyMs how often pause() yields to the event loop (default 50 ms; 0 = every call)
 */
export function interruptScope(parent?: AbortSignal, everyMs = 50): InterruptScope {
  if (!(everyMs >= 0)) throw new RangeError(`everyMs must be a non-negative number, got ${everyMs}`);
  const ctl = new AbortController();
  const reg = registry();
  reg.scopes.add(ctl);
  if (reg.sticky !== undefined) ctl.abort(reg.sticky);
  const onParent = (): void => ctl.abort(parent?.reason ?? 'aborted');
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  let last = performance.now();
  return {
    signal: ctl.signal,
    async pause() {
      if (performance.now() - last >= everyMs) {
        await new Promise((resolve) => setImmediate(resolve));
        last = performance.now();
      }
      return ctl.signal.aborted;
    },
    throwIfInterrupted(what) {
      if (ctl.signal.aborted) throw interrupted(what, ctl.signal.reason);
    },
    race(p, what) {
      if (ctl.signal.aborted) return Promise.reject(interrupted(what, ctl.signal.reason));
      let onAbort = (): void => undefined;
      const stop = new Promise<never>((_, reject) => {
        onAbort = () => reject(interrupted(what, ctl.signal.reason));
        ctl.signal.addEventListener('abort', onAbort, { once: true });
      });
      return Promise.race([p, stop]).finally(() => ctl.signal.removeEventListener('abort', onAbort));
    },
    dispose() {
      reg.scopes.delete(ctl);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/**
 * Ask every open scope to stop. Returns how many were open (0: nothing cooperative is running).
 * With `sticky`, scopes opened afterwards are aborted too (a CLI process that is ending);
 * without (a notebook kernel), the next operation starts clean.
 */
export function requestInterrupt(reason = 'interrupt', opts: { sticky?: boolean } = {}): number {
  const reg = registry();
  if (opts.sticky) reg.sticky = reason;
  const scopes = [...reg.scopes];
  for (const c of scopes) if (!c.signal.aborted) c.abort(reason);
  return scopes.length;
}

/** Scopes open now (for tests, and for the kernel to tell a cooperative cell from a stuck one). */
export function openInterruptScopes(): number {
  return registry().scopes.size;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

/**
 * The CLI's handlers for SIGINT and SIGTERM. The first signal asks the running loops to
 * stop (they save and exit on their own, with status 128 + the signal's number); a second
 * one, or a first one while no loop is open, exits at once. A command with handlers of its
 * own (a server that shuts down, the lab that stops Jupyter) is left to them while no loop
 * is open. Returns a function that removes the handlers.
 */
export function installCliInterruptHandlers(write: (line: string) => void = (l) => process.stderr.write(l)): () => void {
  let requested = false;
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const handler = (): void => {
      const code = 128 + SIGNAL_NUMBERS[sig];
      if (openInterruptScopes() === 0 && process.listenerCount(sig) > 1) return;
      if (requested) {
        write(`\nprivlab: ${sig} again, quitting now\n`);
        process.exit(code);
      }
      requested = true;
      if (requestInterrupt(sig, { sticky: true }) > 0) {
        write(`\nprivlab: ${sig}: stopping after the current step (send it again to quit now)\n`);
      } else {
        // Nothing cooperative runs: the default action.
        process.exit(code);
      }
    };
    handlers.set(sig, handler);
    process.on(sig, handler);
  }
  return () => {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
  };
}

/** The exit status of a run stopped by `reason` (a signal name): 128 + its number, else 130 as for Ctrl-C. */
export function interruptExitCode(reason: unknown): number {
  return 128 + (SIGNAL_NUMBERS[String(reason)] ?? 2);
}
