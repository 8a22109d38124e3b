/**
 * Differential privacy for training: the RDP accountant of the sampled Gaussian mechanism
 * (Mironov et al. 2019, converted to (ε, δ) as Balle et al. 2020, as Opacus does), example-level
 * DP-SGD with Poisson-sampled batches, client-level DP-FedAvg, and the Gaussian noise sources
 * they draw from (a CSPRNG by default). The federated engine uses these; experiments and the
 * `privlab dp` command report ε with them.
 */
export * from './log-space';
export * from './rdp-sampled-gaussian';
export * from './rdp-to-dp';
export * from './accountant';
export * from './noise';
export * from './poisson-sampling';
export * from './vector';
export * from './dp-sgd';
export * from './client-level';
