/**
 * One cell function per capability, each showing its progress and result inline and
 * returning the data: lab.train.gan, lab.quantize, lab.prune, lab.fid and
 * lab.fhe.compile / .simulate / .execute, lab.fl.run.
 */
export { train } from './train';
export { quantize, floatLayers, showQuantizedModel } from './quantize';
export type { QuantizeCellOptions } from './quantize';
export { prune } from './prune';
export type { PruneCellOptions } from './prune';
export { fid } from './fid';
export type { FidCellOptions, FidCellResult } from './fid';
export * as fheCells from './fhe';
export * as flCells from './fl';
export type { FlCellOptions } from './fl';
