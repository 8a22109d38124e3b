/**
 * privlab's notebook extension: `import * as lab from "privlab/kernel-ext";` in a tslab
 * notebook. A typical cell is one call: lab.train.gan, lab.quantize, lab.prune, lab.fid,
 * lab.fhe.compile / .simulate / .execute, lab.fl.run (cells/), each showing progress and results inline.
 * Rich outputs (charts, live charts, progress bars, image grids, tables) go through one
 * display channel; the library itself is there too (`lab.data`, `lab.nn`, `lab.fhe.run`, …).
 */
import * as fheLibrary from '../src/fhe';
import * as flLibrary from '../src/fl';
import { fheCells, flCells } from './cells';
export { display, html, DisplayHandle, setDisplaySink, inKernel, yieldToKernel } from './display';
export type { MimeBundle, DisplaySink } from './display';
export { plot, line, bar, liveChart, LiveChart } from './charts';
export type { LiveChartOptions, ShowOptions } from './charts';
export { progress, progressBar, ProgressBar, formatDuration, formatRate } from './progress';
export type { ProgressOptions, ProgressState } from './progress';
export { images, imagesPng } from './images';
export type { ImagesOptions, TensorLike } from './images';
export { table } from './tables';
export { summary, Summary } from './summary';
export { check } from './check';
/** The exercise framework and checks (notebooks/exercises): also importable as "privlab/exercises". */
export * as exercises from '../src/exercises';
export { saveFigure, saveText, figuresDir } from './figures';
export * as data from '../src/data';
export * as viz from '../src/viz';
export * from './training';
export * as experiments from '../src/experiments';
export { train, quantize, floatLayers, showQuantizedModel, prune, fid } from './cells';
export type { QuantizeCellOptions, PruneCellOptions, FidCellOptions, FidCellResult, FlCellOptions } from './cells';
export * as quant from '../src/quant';
export * as pruning from '../src/prune';
export * as metrics from '../src/metrics';
export * as privacy from '../src/privacy';
/** Differential privacy: the RDP accountant (epsilonFor, noiseMultiplierFor), DP-SGD, noise (exercise 03). */
export * as dp from '../src/fl/dp';
/** The scikit-learn-style models with FHE inference (notebook 06). */
export * as models from '../src/models';

/** The FHE cells (compile, simulate, execute) beside the library's TFHE layers (run, compiler, core, shortint). */
export const fhe = { ...fheLibrary, ...fheCells };

/** The federated-learning cell (run) beside the library (runFederated, FedAvg, the transports, …). */
export const fl = { ...flLibrary, ...flCells };
