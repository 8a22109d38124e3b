/** withEnv: variables set and unset for the body only, restored after a return, a throw or a settled promise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withEnv } from './env';

const A = 'PRIVLAB_TEST_ENV_A';
const B = 'PRIVLAB_TEST_ENV_B';

test('set and unset inside; outside, a variable that was unset is unset again and one that was set keeps its value', async () => {
  delete process.env[A];
  process.env[B] = 'before';
  const seen = withEnv({ [A]: 'x', [B]: undefined }, () => [process.env[A], B in process.env]);
  assert.deepEqual(seen, ['x', false]);
  assert.ok(!(A in process.env), 'A is unset again, not the string "undefined"');
  assert.equal(process.env[B], 'before');

  assert.throws(() => withEnv({ [A]: 'y' }, () => assert.fail('thrown')), /thrown/);
  assert.ok(!(A in process.env), 'restored after a throw');

  let inside: string | undefined;
  const pending = withEnv({ [A]: 'z' }, async () => {
    await new Promise((r) => setTimeout(r, 5));
    inside = process.env[A];
    throw new Error('rejected');
  });
  assert.equal(process.env[A], 'z', 'still set while the promise is pending');
  await assert.rejects(pending, /rejected/);
  assert.equal(inside, 'z');
  assert.ok(!(A in process.env), 'restored once the promise settled');
  delete process.env[B];
});
