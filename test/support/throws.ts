import assert from 'node:assert/strict';

/** Asserts that `fn` throws an error of class `cls` whose message is exactly `message`. */
export function throwsExactly(fn: () => unknown, cls: new (...args: never[]) => Error, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected a ${cls.name}, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}
