/**
 * Federated learning: FedAvg over separate server and site processes.
 *   weights / wire / messages   what travels (named float32 tensors in a versioned frame)
 *   strategy / fedavg / policy  what the server does with updates (policy: the DP plug-in,
 *                               dp-policies: DP-FedAvg and site noise from src/fl/dp)
 *   transport/                  how it travels (interface + HTTP on 127.0.0.1)
 *   server / site / checkpoint  the two roles and the server's durable state
 *   tasks/                      what is trained; launch: a whole job from one call
 *   round-checkpoints           the checkpoints a job keeps per round, and their mean
 */
export * from './weights';
export * from './wire';
export * from './messages';
export * from './strategy';
export * from './aggregate';
export * from './policy';
// Registers the DP update policies (dp-fedavg, site-noise) in every process that loads src/fl.
import './dp-policies';
export * from './fedavg';
export * from './checkpoint';
export * from './privacy-accounting';
export * from './server';
export * from './site';
export * from './launch';
export * from './round-checkpoints';
export * from './tasks';
export * from './transport/transport';
export * from './transport/http-server';
export * from './transport/http-site';
export * from './transport/tokens';
