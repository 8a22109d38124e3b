/** Running a benchmark as a user would (`privlab bench NAME … --json`) and reading its one JSON line. */
import assert from 'node:assert/strict';
import { privlab } from './cli';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `privlab bench args… --json`: exit 0 and exactly one line on stdout, parsed. */
export function bench(args: string[]): Json {
  const r = privlab(['bench', ...args, '--json']);
  assert.equal(r.status, 0, `bench ${args[0]}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, '--json prints one line');
  return JSON.parse(lines[0]) as Json;
}

/** Every key of `keys` is in `o` (the message lists what it has). */
export function hasKeys(o: Json, keys: string[], what: string): void {
  for (const k of keys) assert.ok(k in o, `${what}: key ${k} (has ${Object.keys(o).join(', ')})`);
}
