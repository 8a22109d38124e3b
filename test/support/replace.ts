/** Runs `body` with `target[key]` replaced by `replacement`, restored afterwards however it ends. */
export async function withReplaced<O extends object, K extends keyof O, T>(target: O, key: K, replacement: O[K], body: () => Promise<T>): Promise<T> {
  const original = target[key];
  target[key] = replacement;
  try {
    return await body();
  } finally {
    target[key] = original;
  }
}
