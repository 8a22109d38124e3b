/**
 * What the JSON forms of trained models (model-json.ts: linear, trees/tree-json.ts: trees)
 * check alike on untrusted input: text or object, the format tag and version, a known kind,
 * and the class labels. Errors name the field.
 */

/** The object (JSON text is parsed) once its `format` is `format` and its version 1. */
export function readModelJson<J extends { format: string; version: number; kind: string }>(json: unknown, format: J['format']): J {
  const j = (typeof json === 'string' ? JSON.parse(json) : json) as J | null;
  if (!j || typeof j !== 'object' || j.format !== format) throw new TypeError(`not a ${format} JSON (format field)`);
  const what = format.replace(/^privlab\./, '');
  if (j.version !== 1) throw new RangeError(`unsupported ${what} version ${String(j.version)}`);
  return j;
}

/** A fresh model of the JSON's kind, from the makers by kind. */
export function modelOfKind<M>(kind: unknown, makers: Record<string, () => M>, what: string): M {
  const make = typeof kind === 'string' && Object.prototype.hasOwnProperty.call(makers, kind) ? makers[kind] : undefined;
  if (!make) throw new RangeError(`unknown ${what} kind ${JSON.stringify(kind)}`);
  return make();
}

/** Class labels: at least two distinct finite numbers. */
export function checkClasses(c: unknown): number[] {
  if (!Array.isArray(c) || c.length < 2 || !c.every(Number.isFinite) || new Set(c).size !== c.length)
    throw new RangeError(`classes must be ≥ 2 distinct numbers, got ${JSON.stringify(c)}`);
  return c as number[];
}
