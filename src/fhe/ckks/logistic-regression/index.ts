/** Encrypted logistic-regression training (TenSEAL's Tutorial 1) and its float64 reference. */
export * from './model';
export * from './packing';
export * from './plain-training';
export * from './encrypted-training';
export * from './files';
export * from './parallel-trainer';
export * from './one-vs-rest';
