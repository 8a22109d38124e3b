/**
 * Running compiled circuits: predict with fhe 'disable' | 'simulate' | 'execute', and the
 * deployment roles — model developer (compile, circuit files), client (FheClient),
 * server (CircuitServer, and the HTTP service in http-server.ts).
 */
export { compile, FheModel, agreement, argmax } from './model';
export type { FheMode, PredictOptions, Prediction, PhaseTimes, Agreement } from './model';
export { simulateCircuit, circuitReadNoise } from './simulate';
export type { SimulateOptions, SimulationResult } from './simulate';
export { FheClient } from './client';
export { CircuitServer, WrongKeySetError } from './server';
export type { EvaluateOptions, LayerTiming } from './server';
export { packBatch, unpackBatch, decodeBatch, encodeBatch, BatchFormatError } from './wire';
export { encodeDigits, decodeDigits, quantizeFeatures, dequantizeFeatures } from './codec';
export { FheService } from './http-server';
export type { FheServiceOptions } from './http-server';
export { inferRemote, RemoteSession, RemoteHttpError } from './http-client';
export type { RemoteOptions, RemoteResult, RemoteTimes, RemoteAnswer } from './http-client';
