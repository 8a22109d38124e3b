/**
 * privlab's notebook extension: `import * as lab from "privlab/kernel-ext";` in a tslab
 * notebook. Rich outputs (charts, live charts, progress bars, image grids, tables) go
 * through one display channel; everything else comes from the library (`lab.data`, …).
 */
export { display, html, DisplayHandle, setDisplaySink, inKernel, yieldToKernel } from './display';
export type { MimeBundle, DisplaySink } from './display';
export { plot, line, bar, liveChart, LiveChart } from './charts';
export type { LiveChartOptions, ShowOptions } from './charts';
export { progress, progressBar, ProgressBar, formatDuration, formatRate } from './progress';
export type { ProgressOptions, ProgressState } from './progress';
export { images, imagesPng } from './images';
export type { ImagesOptions, TensorLike } from './images';
export { table } from './tables';
export { saveFigure, saveText, figuresDir } from './figures';
export * as data from '../src/data';
export * as viz from '../src/viz';
export * from './training';
export * as experiments from '../src/experiments';
export * as fhe from '../src/fhe';
