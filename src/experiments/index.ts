/**
 * Every experiment, one file (or folder) each, called alike by the CLI, the benchmarks and
 * the notebooks. Experiments use the whole library; nothing in the library uses them.
 */
export * from './gan-compression';
export * from './gan-compression-report';
// encrypted inference (notebook 03, `privlab bench fhe-mnist|fhe-gan`)
export { runMnistFcnn, ZAMA_FCNN_REFERENCE } from './fhe-mnist';
export type { MnistFcnnOptions, MnistFcnnResult } from './fhe-mnist';
// the Zama MNIST table (notebook 08, `privlab bench zama-table`)
export { runZamaTable, loadZamaTable, loadZamaLevers, zamaTablePath, ZAMA_TABLE_REFERENCE, ZAMA_ROW_SPECS, ZAMA_ROWS } from './zama-table';
export type { ZamaTableOptions, ZamaTableResult, ZamaRow, ZamaRowName, ZamaTableFile, ZamaLeversFile } from './zama-table';
export { runGanFhe, GAN_FHE_REFERENCE } from './fhe-gan';
export type { GanFheOptions, GanFheResult, GanFheRun } from './fhe-gan';
export { trainFcnn, classificationAccuracy } from '../quant/classifiers/fcnn';
export { trainCnn } from '../quant/classifiers/cnn';
export type { CnnTrainOptions } from '../quant/classifiers/cnn';
// trained generators shipped in data/gan/, and the command that compresses one
export * from './shipped-generators';
export * from './compress-generator';
// federated Pix2Pix (notebook 04, `privlab bench fl-pix2pix`)
export {
  runFlPix2Pix,
  FL_PIX2PIX_FULL,
  FL_PIX2PIX_SHORT,
  FL_PIX2PIX_TREND,
  sourceTrends,
  pix2pixFid,
  pix2pixImageStats,
  FL_PIX2PIX_SETTINGS,
  FL_PIX2PIX_LABELS,
  FL_PIX2PIX_SOURCE_TABLE,
} from './fl-pix2pix';
export { loadFlPix2PixTrend, flPix2PixTrendPath } from './fl-pix2pix-trend';
export type { FlPix2PixTrendFile } from './fl-pix2pix-trend';
export type { FlPix2PixOptions, FlPix2PixResult, FlPix2PixSetting, FlPix2PixSettingResult, SiteRoundLoss } from './fl-pix2pix';
// encrypted logistic-regression training on CKKS (`privlab bench ckks-logreg`)
export { runCkksLogreg, TENSEAL_LOGREG_REFERENCE } from './ckks-logreg';
export type { CkksLogregOptions, CkksLogregResult, CkksLogregEpoch } from './ckks-logreg';
// generative privacy (notebook 05, `privlab bench gen-privacy`)
export {
  runGenerativePrivacy,
  syntheticSet,
  classifierOutputs,
  GEN_PRIVACY_APPROACHES,
  GEN_PRIVACY_LABELS,
  GEN_PRIVACY_SHORT,
  GEN_PRIVACY_FULL,
} from './generative-privacy';
export type { GenPrivacyOptions, GenPrivacyResult, GenPrivacyRow, GenPrivacyApproach, DpSgdSettings } from './generative-privacy';
// encrypted transfer learning on CKKS (notebook 07, `privlab bench ckks-transfer`)
export {
  runCkksTransfer,
  trainBaseModel,
  transferInferenceParameters,
  CKKS_TRANSFER_SHORT,
  CKKS_TRANSFER_FULL,
  TRANSFER_HEAD_TRAINING,
  TENSEAL_TRANSFER_REFERENCE,
} from './ckks-transfer';
export type { CkksTransferOptions, CkksTransferResult, HeadEpoch } from './ckks-transfer';
// classical models in FHE (notebook 06, `privlab bench fhe-sklearn`)
export { prepareDataset, runLinearFhe, SKLEARN_DATASETS } from './fhe-sklearn';
export type { SklearnDataset, SklearnRow, SklearnRunOptions } from './fhe-sklearn';
export { runTreeFhe, makeTreeModel, TREE_KINDS, TREE_SETTINGS, SOURCE_TREE_ROWS } from './fhe-trees';
export type { TreeRow, TreeRunOptions } from './fhe-trees';
export { runPErrorSweep, SOURCE_P_ERROR } from './fhe-p-error-sweep';
export type { PErrorSweepRow, PErrorSweepOptions } from './fhe-p-error-sweep';
