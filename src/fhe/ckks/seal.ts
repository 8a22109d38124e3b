/**
 * Loads Microsoft SEAL (node-seal 6.0.3, WebAssembly) once per process and exposes the size of its
 * WebAssembly heap. node-seal publishes no allocation counter, so the heap size is what a memory
 * test can watch: emscripten's heap only grows, and it grows exactly when SEAL's allocator needs
 * more than what deleted objects gave back. A loop that deletes what it allocates keeps it flat.
 */
import type { SEALLibrary } from 'node-seal/implementation/seal';

export type { SEALLibrary };
export type { CipherText } from 'node-seal/implementation/cipher-text';
export type { PlainText } from 'node-seal/implementation/plain-text';
export type { Context } from 'node-seal/implementation/context';
export type { CKKSEncoder } from 'node-seal/implementation/ckks-encoder';
export type { Evaluator } from 'node-seal/implementation/evaluator';
export type { SecretKey } from 'node-seal/implementation/secret-key';
export type { PublicKey } from 'node-seal/implementation/public-key';
export type { RelinKeys } from 'node-seal/implementation/relin-keys';
export type { GaloisKeys } from 'node-seal/implementation/galois-keys';
export type { ParmsIdType } from 'node-seal/implementation/parms-id-type';

let loading: Promise<SEALLibrary> | undefined;
let heap: WebAssembly.Memory | undefined;

/** The SEAL library (one WebAssembly instance per process: every context shares its heap). */
export function loadSeal(): Promise<SEALLibrary> {
  loading ??= instantiate();
  return loading;
}

async function instantiate(): Promise<SEALLibrary> {
  // node-seal's emscripten glue calls WebAssembly.instantiate once while it loads; looking at what
  // that call returns is the only way to reach the heap it creates (the glue keeps it private).
  // The hook is in place only during this load; another module instantiated in the same window
  // could be caught instead, which would only make sealHeapBytes() watch the wrong heap.
  const original = WebAssembly.instantiate;
  const watch = async (...args: Parameters<typeof WebAssembly.instantiate>): Promise<unknown> => {
    const result = await (original as (...a: unknown[]) => Promise<unknown>).apply(WebAssembly, args);
    const instance = (result as { instance?: WebAssembly.Instance }).instance ?? (result as WebAssembly.Instance);
    for (const value of Object.values(instance.exports ?? {})) if (value instanceof WebAssembly.Memory) heap = value;
    return result;
  };
  (WebAssembly as { instantiate: unknown }).instantiate = watch;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const factory = require('node-seal/throws_wasm_node_umd') as () => Promise<SEALLibrary>;
    return await factory();
  } finally {
    (WebAssembly as { instantiate: unknown }).instantiate = original;
  }
}

/**
 * Bytes of SEAL's WebAssembly heap, or process-wide external memory (which includes it) if the heap
 * could not be found. Only meaningful after loadSeal() resolved.
 */
export function sealHeapBytes(): number {
  return heap ? heap.buffer.byteLength : process.memoryUsage().external;
}
