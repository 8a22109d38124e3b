/** Encrypted inference of small MLPs with polynomial activations (a base model with clear weights). */
export * from './inference';
export * from './files';
