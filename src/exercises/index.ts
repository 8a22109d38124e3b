/**
 * The exercises' library side (notebooks/exercises): the check-result contract and every check.
 * Notebooks reach it as `lab.exercises` (`const { NotImplementedError, checkX } = lab.exercises;`:
 * tslab resolves "privlab/kernel-ext" through its folder, and there is no such folder for a
 * "privlab/exercises" path). The framework (markers, versions, grading) is imported by the CLI directly.
 */
export * from './check-result';
export * from './checks/quantize';
export * from './checks/fedavg';
export * from './checks/dp';
export * from './checks/p-error';
export * from './checks/mia';
export * from './checks/tfhe';
