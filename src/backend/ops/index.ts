/** privlab's ops: each runs its native kernel when the backend has it, standard tfjs ops otherwise. */
export * from './activation';
export * from './dense';
export * from './adam-update';
export * from './batch-norm';
