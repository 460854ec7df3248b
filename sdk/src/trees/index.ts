// Tree ensembles of trees.json: parsing and exact margins (model.ts, evaluate.ts) and exact path-dependent
// TreeSHAP (treeshap.ts, with walk.ts / tables.ts).

export {
  TREES_FORMAT,
  TreeEnsembles,
  parseTrees,
  type Comparison,
  type CoverType,
  type NumberType,
  type TreeModel,
} from './model.js';
export { findLeaf, prepareRow, sumLeaves } from './evaluate.js';
export {
  DEFAULT_MAX_BYTES,
  TreeExplainer,
  expectedValue,
  type EnsembleExplanation,
  type ExplainerUsage,
  type TreeExplainerOptions,
} from './treeshap.js';
