/**
 * Random damage to valid files, for property-based tests (fast-check): bytes flipped,
 * runs inserted, deleted or overwritten with extreme values, the file truncated. Errors
 * that the parser names are the only acceptable outcome besides a successful parse.
 */
import * as fc from 'fast-check';

export type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'extreme'; at: number; width: 2 | 4 | 8; high: boolean };

const position = fc.nat({ max: 1 << 20 });

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: position, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  // Length fields set to all-ones or to a high bit: the classic way to ask for gigabytes.
  fc.record({ kind: fc.constant('extreme' as const), at: position, width: fc.constantFrom(2 as const, 4 as const, 8 as const), high: fc.boolean() }),
);

export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

/** `bytes` with the mutations applied (positions taken modulo the current length). */
export function applyMutations(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Uint8Array.from(bytes);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.kind) {
      case 'set':
        if (b.length) b[at] = m.byte;
        break;
      case 'insert': {
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at), 0);
        out.set(m.bytes, at);
        out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
      case 'delete':
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.length)]);
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'extreme':
        for (let i = 0; i < m.width && at + i < b.length; i++) b[at + i] = m.high ? (i === m.width - 1 ? 0x7f : 0xff) : i === 0 ? 0xff : 0xff;
        break;
    }
  }
  return b;
}

/**
 * Run `parse`; it may succeed or throw one of `allowed` (by class); anything else (a
 * TypeError from inside, a RangeError from an allocation) fails the property.
 */
export function onlyNamedErrors(parse: () => unknown, allowed: ReadonlyArray<abstract new (...args: never[]) => Error>): boolean {
  try {
    parse();
    return true;
  } catch (e) {
    if (allowed.some((cls) => e instanceof cls)) return true;
    throw new Error(`unexpected ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
  }
}
