export * from './quantizer';
export * from './calibration';
