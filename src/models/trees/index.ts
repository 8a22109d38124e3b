/** Tree classifiers (decision tree, random forest, XGBoost-style boosting) compiled by the Hummingbird GEMM method. */
export { TreeEnsembleClassifier, DecisionTreeClassifier, RandomForestClassifier, XGBClassifier, DEFAULT_TREE_P_ERROR } from './tree-models';
export type { TreeKind, TreeCompileOptions, CompiledTrees, TreeOutputs, DecisionTreeOptions, RandomForestOptions, XGBOptions } from './tree-models';
export { treeModelToJson, treeModelFromJson } from './tree-json';
export type { TreeModelJson } from './tree-json';
export { planHummingbird, TreeFheModel } from './hummingbird';
export type { HummingbirdPlan, TreeCircuitInfo } from './hummingbird';
export { quantizeTrees, treeOutputs, scoresOf } from './tree-quantization';
export type { QuantizedTrees, QuantizedTree } from './tree-quantization';
export type { Tree, SplitRule } from './tree';
