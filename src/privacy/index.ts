/**
 * Privacy attacks and the metrics they are judged by. Every attack takes plain arrays
 * (losses, confidences, samples) of an explicit member and non-member set, so it can be
 * pointed at any model; higher score = "more likely a member" everywhere.
 *   roc / evaluate            ROC curve, AUC, TPR at low FPR, one attack's report
 *   epsilon-bound             the empirical ε lower bound (point and Clopper–Pearson)
 *   loss-threshold / lira     membership inference against classifiers
 *   gan-leaks                 membership inference against a generator, black-box
 *   model-outputs             losses and logit-scaled confidences from logits
 *   shadow-splits             which shadow model trains on which example; OUT confidences
 *   score-files               scores from .npy or text files (the CLI's input)
 */
export * from './roc';
export * from './clopper-pearson';
export * from './epsilon-bound';
export * from './evaluate';
export * from './loss-threshold';
export * from './model-outputs';
export * from './lira';
export * from './shadow-splits';
export * from './gan-leaks';
export * from './score-files';
