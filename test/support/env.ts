/**
 * Runs `body` with environment variables set (a string) or unset (undefined), then puts each back as
 * it was, an unset one unset (assigning `undefined` to process.env would store the string
 * "undefined"). A body that returns a promise has them restored once it settles.
 */
export function withEnv<T>(vars: Record<string, string | undefined>, body: () => T): T {
  const saved = Object.keys(vars).map((k) => [k, process.env[k]] as const);
  const assign = (entries: readonly (readonly [string, string | undefined])[]): void => {
    for (const [k, v] of entries)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  };
  const restore = (): void => assign(saved);
  assign(Object.entries(vars));
  let result: T;
  try {
    result = body();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
