/**
 * The FHE compiler: quantized model (src/quant/quantized-model.ts) → integer circuit on
 * tfhe's parameters, with its compile report. The model-developer role.
 */
export { compileCircuit, compileCalibrated } from './compile';
export { CompileError } from './options';
export type { CompileOptions } from './options';
export {
  parseCircuit,
  circuitToJson,
  circuitId,
  clientSpec,
  parseClientSpec,
  describeCircuit,
  pbsCount,
  inputCiphertexts,
  outputCiphertexts,
  CircuitFormatError,
} from './circuit';
export type { FheCircuit, CircuitLayer, ClientSpec, DigitCodec } from './circuit';
export { formatCompileReport } from './report';
export type { CompileReport, LayerReport, CandidateReport } from './report';
export { readParameterSet, defaultCandidates, pbsCost } from './parameters';
export { pbsOutputVariance, freshEncryptionVariance, readNoiseStd } from './noise';
export { readErrorProbability, meanReadError } from './error-model';
export { positionUnit, readPosition, levelAt, phaseOf, realPosition } from './positions';
