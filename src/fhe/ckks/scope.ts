/**
 * Ownership of SEAL's WebAssembly objects. They are not garbage collected in practice (node-seal
 * registers a FinalizationRegistry, but the collector never sees the WebAssembly heap's pressure,
 * so a loop of temporaries grows the heap without bound): every ciphertext, plaintext and key must
 * be deleted by whoever owns it.
 *
 * Rule of this folder: a function that returns a SEAL object hands its ownership to the caller; a
 * function never deletes its arguments. Temporaries live in a Scope and go at its end:
 *
 *   const y = withScope((s) => {
 *     const t = s.track(multiply(ctx, a, b, keys));   // deleted when the scope ends
 *     return add(ctx, t, c);                          // returned: owned by the caller
 *   });
 */
export interface Deletable {
  delete(): void;
}

export class Scope {
  private owned: Deletable[] = [];
  private closed = false;

  /** Takes ownership of `x`: it is deleted when the scope ends. */
  track<T extends Deletable>(x: T): T {
    if (this.closed) throw new Error('Scope.track: the scope has already ended');
    this.owned.push(x);
    return x;
  }

  /** Gives ownership of a tracked `x` back to the caller (it outlives the scope). */
  release<T extends Deletable>(x: T): T {
    const i = this.owned.lastIndexOf(x);
    if (i < 0) throw new Error('Scope.release: object is not owned by this scope');
    this.owned.splice(i, 1);
    return x;
  }

  /** Deletes everything still owned, newest first; the scope cannot be used afterwards. */
  dispose(): void {
    this.closed = true;
    const owned = this.owned;
    this.owned = [];
    for (let i = owned.length - 1; i >= 0; i--) owned[i].delete();
  }
}

/**
 * Runs `fn` with a fresh scope and deletes the scope's objects afterwards, also when `fn` throws.
 * The returned value is not tracked unless `fn` tracked it (then `fn` must release it).
 */
export function withScope<T>(fn: (scope: Scope) => T): T {
  const scope = new Scope();
  try {
    return fn(scope);
  } finally {
    scope.dispose();
  }
}

/** Deletes each argument (undefined skipped), e.g. in a class's own delete(). */
export function deleteAll(...xs: (Deletable | undefined)[]): void {
  for (const x of xs) x?.delete();
}
