/** The exercises' checks, one module per topic (src/exercises/checks/), for notebooks and the grader. */
export * from './check-result';
export * from './checks/fedavg';
export * from './checks/dp';
export * from './checks/mia';
