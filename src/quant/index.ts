export * from './quantizer';
export * from './calibration';
export * from './activations';
export * from './quantized-model';
export * from './quantized-eval';
export * from './ptq';
export * from './pooling';
