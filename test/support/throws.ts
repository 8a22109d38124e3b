import assert from 'node:assert/strict';

type ErrorClass = new (...args: never[]) => Error;

/** A predicate for assert.throws / assert.rejects: an error of class `cls` whose message is exactly `message`. */
function exactly(cls: ErrorClass, message: string): (e: unknown) => true {
  return (e) => {
    assert.ok(e instanceof cls, `expected a ${cls.name}, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  };
}

/** Asserts that `fn` throws an error of class `cls` whose message is exactly `message`. */
export function throwsExactly(fn: () => unknown, cls: ErrorClass, message: string): void {
  assert.throws(fn, exactly(cls, message));
}

/** Asserts that `p` rejects with an error of class `cls` whose message is exactly `message`. */
export async function rejectsExactly(p: Promise<unknown>, cls: ErrorClass, message: string): Promise<void> {
  await assert.rejects(p, exactly(cls, message));
}
