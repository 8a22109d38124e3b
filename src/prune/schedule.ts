/**
 * Gradual pruning (Zhu & Gupta 2017): sparsity rises from `initial` to `final` over
 * [startStep, endStep] along a cubic, fast at first and slow near the end, pruning
 * every `frequency` steps; the network recovers in between.
 */
export interface GradualSchedule {
  initial: number;
  final: number;
  startStep: number;
  endStep: number;
  /** Recompute masks every this many steps. */
  frequency: number;
}

export function sparsityAt(s: GradualSchedule, step: number): number {
  if (!(s.final >= s.initial && s.initial >= 0 && s.final < 1)) throw new RangeError(`sparsity must rise within [0, 1): ${s.initial} → ${s.final}`);
  if (!(s.endStep > s.startStep)) throw new RangeError('endStep must be after startStep');
  if (step <= s.startStep) return s.initial;
  if (step >= s.endStep) return s.final;
  const t = (step - s.startStep) / (s.endStep - s.startStep);
  return s.final + (s.initial - s.final) * (1 - t) ** 3;
}

/** Whether masks are recomputed at this step. */
export function isPruningStep(s: GradualSchedule, step: number): boolean {
  return step >= s.startStep && step <= s.endStep && (step - s.startStep) % s.frequency === 0;
}
