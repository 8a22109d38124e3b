/**
 * `await lab.check(checkFedAvg(fedAvg))`: the output of an exercise's check cell. A green or
 * red box with the check's message (and hint on failure) for the student, and the CheckResult
 * itself as `application/vnd.privlab.check+json` in the same output, which
 * `privlab exercises grade` reads from the executed notebook.
 */
import { escapeHtml } from '../src/viz/html';
import { CHECK_MIME, CheckResult, failed } from '../src/exercises/check-result';
import { display } from './display';

const COLORS = { pass: { border: '#2e7d32', background: '#edf7ee' }, fail: { border: '#c62828', background: '#fdeeee' } };

function isCheckResult(r: unknown): r is CheckResult {
  const c = r as CheckResult;
  return (
    !!c &&
    typeof c === 'object' &&
    typeof c.id === 'string' &&
    typeof c.pass === 'boolean' &&
    typeof c.message === 'string' &&
    (c.hint === undefined || typeof c.hint === 'string')
  );
}

/** The check box as HTML (escaped). */
export function checkHtml(r: CheckResult): string {
  const c = r.pass ? COLORS.pass : COLORS.fail;
  const head = r.pass ? '✔ passed' : '✘ not yet';
  const hint = !r.pass && r.hint ? `<div style="margin-top:4px"><b>Hint:</b> ${escapeHtml(r.hint)}</div>` : '';
  return (
    `<div class="privlab-check" data-check="${escapeHtml(r.id)}" data-pass="${r.pass}" style="border:1px solid ${c.border};border-left:6px solid ${c.border};` +
    `background:${c.background};border-radius:4px;padding:8px 14px;margin:4px 0;font-size:14px;line-height:1.5">` +
    `<div><b style="color:${c.border}">${head}</b> <code>${escapeHtml(r.id)}</code></div><div>${escapeHtml(r.message)}</div>${hint}</div>`
  );
}

export function checkText(r: CheckResult): string {
  return [`${r.pass ? 'PASSED' : 'NOT YET'} [${r.id}] ${r.message}`, ...(!r.pass && r.hint ? [`Hint: ${r.hint}`] : [])].join('\n');
}

/**
 * Show a check's result (a CheckResult or a promise of one, as the exercise checks return). A
 * check that rejects (a bug outside runCheck) or returns something else shows as a failed check
 * rather than a cell error, so the student still sees a box. Resolves with nothing, so a cell
 * ending in `await lab.check(…)` prints only the box.
 */
export async function check(resultOrPromise: CheckResult | Promise<CheckResult>): Promise<void> {
  let r: CheckResult;
  try {
    const v: unknown = await resultOrPromise;
    r = isCheckResult(v)
      ? v
      : failed(
          'invalid-check',
          `lab.check expects a CheckResult {id, pass, message, hint?}, got ${JSON.stringify(v) ?? String(v)}`,
          'Pass the result of a check function, e.g. lab.check(checkX(yourFunction)).',
        );
  } catch (err) {
    const e = err as Error;
    r = failed(
      'check-error',
      `the check itself failed: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`,
      'Run the cells above in order, then this one again.',
    );
  }
  display({ 'text/html': checkHtml(r), 'text/plain': checkText(r), [CHECK_MIME]: { ...r } });
}
