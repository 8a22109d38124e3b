/**
 * scikit-learn-style models with FHE inference (Concrete ML's workflow): fit in the clear,
 * compile on calibration rows, predict with fhe 'disable' | 'simulate' | 'execute'.
 * Linear models and trees (src/models/trees); SGDClassifier trains on encrypted data (sgd-classifier.ts).
 */
export { LinearModel, LinearClassifier } from './linear-model';
export type { FheOption, ModelPredictOptions, LinearCompileOptions, CompiledLinear, LinearOutputs, BitWidths, LinearKind } from './linear-model';
export { LinearRegression } from './linear-regression';
export { LogisticRegression } from './logistic-regression';
export { LinearSVC } from './linear-svc';
export { linearModelToJson, linearModelFromJson } from './model-json';
export type { LinearModelJson } from './model-json';
export { quantizeLinear, quantizeRows } from './linear-quantization';
export type { LinearHead, LinearQuantOptions, QuantizedLinear } from './linear-quantization';
export { leastSquares, logisticBinary, squaredHingeBinary, oneVsRest } from './solvers';
export type { LinearSolution } from './solvers';
export * from './trees';
export { logisticRegressionFromFederated, federatedInputs, FEDERATED_LINEAR_TASK } from './federated';
export { SGDClassifier } from './sgd-classifier';
export type { SGDClassifierOptions, SgdFitOptions, SgdTrainingReport, FheTraining } from './sgd-classifier';
export { planSgd, SGD_PARAMETER_SET } from './encrypted-sgd/plan';
export type { SgdPlan, SgdPlanOptions, SgdBits } from './encrypted-sgd/plan';
export { integerStep } from './encrypted-sgd/integer-step';
export type { SgdBatch } from './encrypted-sgd/integer-step';
export { SgdClient } from './encrypted-sgd/client';
export type { EncryptedSgdBatch } from './encrypted-sgd/client';
export { SgdServer } from './encrypted-sgd/server';
