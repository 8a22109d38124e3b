/**
 * How much a call raised this process's peak resident memory (getrusage's maxrss). A
 * peak only grows, so this can miss an allocation below an earlier peak but never
 * reports one that did not happen: run such checks before heavy work in a test file.
 */
export function peakGrowthMB(fn: () => unknown): { error: unknown; growthMB: number } {
  const before = process.resourceUsage().maxRSS;
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  return { error, growthMB: (process.resourceUsage().maxRSS - before) / 1024 };
}
