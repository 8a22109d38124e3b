/**
 * The result of one exercise check: what the student sees under a check cell and what
 * `privlab exercises grade` records. Checks compare the student's answer with an
 * independent expectation (a closed form, a brute force, the library's own reference
 * implementation) and say specifically what is wrong, with a hint when one helps.
 */
export interface CheckResult {
  /** Stable id, unique within its exercise (e.g. "fedavg-weighted"). The grader keys on it. */
  id: string;
  pass: boolean;
  /** One or two sentences: what was checked and, on failure, what differed (with numbers). */
  message: string;
  /** On failure: a nudge toward the fix, not the answer. */
  hint?: string;
}

/** The MIME type of a check's output (lab.check, kernel-ext/check.ts): the CheckResult as JSON, read by the grader. */
export const CHECK_MIME = 'application/vnd.privlab.check+json';

export function passed(id: string, message: string): CheckResult {
  return { id, pass: true, message };
}

export function failed(id: string, message: string, hint?: string): CheckResult {
  return hint === undefined ? { id, pass: false, message } : { id, pass: false, message, hint };
}

/** What a student version's stub throws in place of a solution. */
export class NotImplementedError extends Error {
  constructor(what = 'this exercise') {
    super(`${what} is not implemented yet: replace the stub with your code`);
    this.name = 'NotImplementedError';
  }
}

/**
 * Runs a check body. A stub (NotImplementedError) or any other exception thrown by the
 * student's code becomes a failed check that names it, never an exception out of the cell.
 */
export async function runCheck(id: string, body: () => CheckResult | Promise<CheckResult>): Promise<CheckResult> {
  try {
    const r = await body();
    if (r.id !== id) throw new Error(`check "${id}" returned the result of "${r.id}"`);
    return r;
  } catch (err) {
    if (err instanceof NotImplementedError) return failed(id, err.message, 'Write your answer between the markers above, then run this cell again.');
    const e = err as Error;
    return failed(
      id,
      `your code threw ${e?.name ?? 'an error'}: ${e?.message ?? String(err)}`,
      'Read the error, fix the cell above, and run both cells again.',
    );
  }
}
