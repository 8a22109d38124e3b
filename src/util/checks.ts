/** Argument checks shared by the library's entry points: one wording for each kind of refusal. */

/** Refuses (RangeError, naming `what` and the value) anything but an integer ≥ 1. */
export function requirePositiveInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
}
