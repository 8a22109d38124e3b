/**
 * Bytes as a fetch() body. TypeScript 5.7+ types BodyInit's byte views as backed by an
 * ArrayBuffer (not a SharedArrayBuffer); privlab's byte arrays always are, so this is a
 * statement about types only — no copy of what may be a 100 MB key file.
 */
export function bytesBody(bytes: Uint8Array): BodyInit {
  return bytes as unknown as BodyInit;
}
