// Exact path-dependent TreeSHAP over the flat tree arrays of model.ts, in double precision.
//
// Algorithm: S. M. Lundberg, G. G. Erion, S.-I. Lee, "Consistent Individualized Feature Attribution for Tree
// Ensembles", arXiv:1802.03888 (2018), Algorithm 2 — the one LightGBM (pred_contrib) and XGBoost (pred_contribs)
// implement. It gives the Shapley values of the game v(S) = E[f(x) | x_S], where the expectation over the features
// not in S follows the tree itself: at a split on a feature outside S, both branches are taken, weighted by the
// share of training cover (LightGBM: row counts; XGBoost: hessian sums) that went each way.
//
// One depth-first walk per tree keeps the path of *unique* features from the root to the current node. Each path
// element holds a feature, its zero fraction (share of cover that flows along the path when the feature is NOT in
// S: product of cover[child] / cover[node] over the path's splits on it), its one fraction (1 if the row itself
// follows the path at all those splits, else 0), and pweight[k]: the summed Shapley permutation weight of the
// subsets of size k of the path's features. EXTEND adds a feature to the path and updates the weights in O(depth);
// UNWIND removes one (it is exact: the inverse of EXTEND). At an internal node the "hot" child is the one the row
// takes (the model's own decision: inputType rounding, zero rule, comparison, and for a missing value the
// missingGoesLeft direction); it is entered with one fraction 1, the "cold" child with 0. A feature already on
// the path is unwound first and re-extended with the product of its fractions. At a leaf, each path feature i
// receives  value × (one_i − zero_i) × Σ_k weights of the path with i unwound  (UNWOUND SUM).
// Cost O(leaves × depth²) per tree; memory: one path per depth level, allocated once (walk.ts, path.ts).
//
// Faster, same values, chosen per tree (measured in sdk/bench/treeshap/README.md):
//   - small trees (tables of at most 128 KiB: 2^d × d doubles per leaf, d = unique features on its path), smallest
//     first within 1 MiB of tables per model, which stays in the caches: per-leaf tables (tables.ts; J. Yang, "Fast
//     TreeSHAP", arXiv:2109.09847, "v2"), O(leaves × depth) per row;
//   - the others: Linear TreeSHAP (linear.ts; P. Yu et al., NeurIPS 2022, arXiv:2209.08192, with exact
//     Gauss–Legendre quadrature), O(nodes × depth / 2) per row, 4 bytes per node of precomputed index.
// Both are precomputed within a memory budget per model (maxBytes): the index first, then tables; a model whose
// index does not fit uses the walk for its non-table trees, which needs no precomputed memory. The tests check all
// three against the libraries, against each other and against brute-force Shapley values.
//
// Base value (expected value) of a model = baseScore + Σ over trees of Σ_leaves value × cover[leaf] / cover[root]
// (the root's cover-weighted mean: what the walk's zero fractions imply, so base + Σ values = Σ leaves exactly up to
// double rounding). Additivity holds for the leaves summed in double: XGBoost's real margin sums them in float32,
// which differs by up to ~1e-5 (TreeEnsembles.doubleMargin gives the double sum). XGBoost itself runs this
// algorithm in float32, so its pred_contribs differ from these double values by ~1e-6.

import { env } from '../env.js';
import { InferenceError, ModelLoadError, ValidationError } from '../errors.js';
import { checkWidth, prepareRow, sumLeaves } from './evaluate.js';
import type { TreeEnsembles, TreeModel } from './model.js';
import { indexPaths, LinearTreeShap } from './linear.js';
import { DEFAULT_MAX_MODEL_TABLE_BYTES, DEFAULT_MAX_TREE_TABLE_BYTES, LeafTables } from './tables.js';
import { RecursiveTreeShap } from './walk.js';

/** How much memory the explainer may precompute, and for which trees tables are worth it. */
export interface TreeExplainerOptions {
  /** Bytes the explainer may precompute per model (default DEFAULT_MAX_BYTES): the Linear TreeSHAP index (4 bytes
   * per node) and leaf tables. A model whose index does not fit explains its non-table trees with the recursive
   * walk of Algorithm 2 (slower, nothing precomputed); 0 = the walk for every tree. */
  maxBytes?: number;
  /** Most unique features on a path for a tree to get leaf tables (default 10; 0 = no tables: Linear TreeSHAP
   * for every tree). */
  maxTableDepth?: number;
  /** Most bytes of leaf tables for one tree (default 128 KiB: larger tables, read one row per leaf from beyond the
   * caches, are slower than Linear TreeSHAP; see DEFAULT_MAX_TREE_TABLE_BYTES in tables.ts). */
  maxTreeTableBytes?: number;
  /** Most bytes of leaf tables for one model, given to its smallest tables first (default 1 MiB: tables that do
   * not stay in the caches are slower than Linear TreeSHAP; see DEFAULT_MAX_MODEL_TABLE_BYTES in tables.ts). */
  maxTableBytes?: number;
}

/** The default memory budget per model: 32 MiB in Node; 2 MiB in browsers, workers and edge runtimes, where memory
 * and start-up count (a deep model's index still fits: 431,000 nodes take 1.7 MB). */
export const DEFAULT_MAX_BYTES = env.isNode ? 32 * 2 ** 20 : 2 * 2 ** 20;

const DEFAULTS: Required<TreeExplainerOptions> = {
  maxBytes: DEFAULT_MAX_BYTES,
  maxTableDepth: 10,
  maxTreeTableBytes: DEFAULT_MAX_TREE_TABLE_BYTES,
  maxTableBytes: DEFAULT_MAX_MODEL_TABLE_BYTES,
};

/** How a model's trees are explained and what the explainer precomputed for it. */
export interface ExplainerUsage {
  /** Bytes precomputed for the model: tables, the Linear TreeSHAP index and its scratch. */
  bytes: number;
  tableBytes: number;
  /** Trees (with at least one split) explained by each method. */
  trees: { tables: number; linear: number; walk: number };
}

/** Per-model data computed once: the expected value, the tables and the Linear TreeSHAP index. */
interface Prepared {
  readonly model: TreeModel;
  readonly baseValue: number;
  readonly tables: LeafTables;
  /** undefined when the index does not fit maxBytes: the walk explains the trees without tables */
  readonly linear: LinearTreeShap | undefined;
}

/** The result of explainEnsemble besides the values. */
export interface EnsembleExplanation {
  /** Σ weight × base value of the model. */
  baseValue: number;
  /** Σ weight × the model's margin as scored (XGBoost: float32 sum, bit-exact with the library). */
  margin: number;
  /** Σ weight × leaves summed in double: exactly baseValue + Σ values (up to double rounding). */
  doubleMargin: number;
}

/** Explains rows of a TreeEnsembles with exact TreeSHAP; reuses preallocated buffers (not reentrant). */
export class TreeExplainer {
  readonly ensembles: TreeEnsembles;
  private readonly prepared = new Map<string, Prepared>();
  private readonly walk: RecursiveTreeShap;
  private readonly row: Float64Array;
  private readonly modelValues: Float64Array;

  constructor(ensembles: TreeEnsembles, options: TreeExplainerOptions = {}) {
    this.ensembles = ensembles;
    const { maxBytes, maxTableDepth, maxTreeTableBytes, maxTableBytes } = { ...DEFAULTS, ...options };
    if (!(maxTableDepth >= 0 && maxTableDepth <= 20 && maxBytes >= 0 && maxTreeTableBytes >= 0 && maxTableBytes >= 0)) {
      throw new ValidationError(
        'options',
        'maxTableDepth must be within 0..20, maxBytes, maxTreeTableBytes and maxTableBytes >= 0',
      );
    }
    let maxDepth = 0;
    for (const model of ensembles.models.values()) {
      checkCovers(model);
      const index = indexPaths(model);
      let linear: LinearTreeShap | undefined = new LinearTreeShap(model, index);
      if (linear.bytes > maxBytes) linear = undefined; // the walk needs nothing precomputed
      const tables = new LeafTables(
        model,
        { maxTableDepth, maxTreeTableBytes, maxTableBytes: Math.min(maxTableBytes, maxBytes - (linear?.bytes ?? 0)) },
        index,
      );
      this.prepared.set(model.name, { model, baseValue: expectedValue(model), tables, linear });
      maxDepth = Math.max(maxDepth, model.maxDepth);
    }
    const width = ensembles.features.length;
    this.row = new Float64Array(width);
    this.modelValues = new Float64Array(width);
    this.walk = new RecursiveTreeShap(maxDepth);
  }

  /** How the model's trees are explained and the bytes precomputed for it. */
  usage(modelName: string): ExplainerUsage {
    const { model, tables, linear } = this.get(modelName);
    const trees = { tables: 0, linear: 0, walk: 0 };
    for (let t = 0; t < model.treeCount; t++) {
      if (model.feature[model.treeStart[t]!]! < 0) continue;
      if (tables.hasTable(t)) trees.tables++;
      else if (linear !== undefined) trees.linear++;
      else trees.walk++;
    }
    return { bytes: tables.bytes + (linear?.bytes ?? 0), tableBytes: tables.bytes, trees };
  }

  /** The model's base value: baseScore + Σ trees' cover-weighted mean leaf value. */
  baseValue(modelName: string): number {
    return this.get(modelName).baseValue;
  }

  /** Writes the SHAP value of every feature for `row` into `out` (length F) and returns the base value. */
  explain(modelName: string, row: Float64Array, out: Float64Array): number {
    const { model, baseValue, tables, linear } = this.get(modelName);
    checkWidth(row.length, this.row.length, 'row');
    checkWidth(out.length, this.row.length, 'out');
    prepareRow(model, row, 0, this.row);
    out.fill(0);
    for (let t = 0; t < model.treeCount; t++) {
      if (model.feature[model.treeStart[t]!]! < 0) continue; // a single leaf: only in the base value
      if (tables.hasTable(t)) tables.addTree(model, t, this.row, out);
      else if (linear !== undefined) linear.addTree(model, t, this.row, out);
      else this.walk.addTree(model, t, this.row, out);
    }
    return baseValue;
  }

  /** SHAP values of the blend Σ weight × model margin (log-odds): values = Σ w·values_m, base = Σ w·base_m. */
  explainEnsemble(
    weights: Readonly<Record<string, number>>,
    row: Float64Array,
    out: Float64Array,
  ): EnsembleExplanation {
    const entries = Object.entries(weights);
    if (entries.length === 0)
      throw new InferenceError('explainEnsemble: no weights; pass e.g. manifest.ensemble.weights');
    checkWidth(out.length, this.row.length, 'out');
    out.fill(0);
    const result: EnsembleExplanation = { baseValue: 0, margin: 0, doubleMargin: 0 };
    for (const [name, weight] of entries) {
      if (!Number.isFinite(weight))
        throw new InferenceError(`explainEnsemble: weight of "${name}" is ${weight}; weights must be finite numbers`);
      const base = this.explain(name, row, this.modelValues);
      const model = this.get(name).model;
      for (let i = 0; i < out.length; i++) out[i]! += weight * this.modelValues[i]!;
      result.baseValue += weight * base;
      const margin = sumLeaves(model, this.row, model.sumType === 'float32');
      result.margin += weight * margin;
      result.doubleMargin += weight * (model.sumType === 'float32' ? sumLeaves(model, this.row, false) : margin);
    }
    return result;
  }

  private get(modelName: string): Prepared {
    const prepared = this.prepared.get(modelName);
    if (prepared === undefined) this.ensembles.model(modelName); // throws the InferenceError naming the models
    return prepared!;
  }
}

/** TreeSHAP needs cover > 0 at every node of a tree that has splits (cover ratios are the zero fractions). */
function checkCovers(model: TreeModel): void {
  for (let t = 0; t < model.treeCount; t++) {
    const start = model.treeStart[t]!;
    const end = model.treeStart[t + 1]!;
    if (end - start === 1) continue; // a single leaf: its expectation is its value
    for (let g = start; g < end; g++) {
      if (!(model.cover[g]! > 0)) {
        throw new ModelLoadError(
          `trees.json: model "${model.name}" tree ${t} node ${g - start}: cover ${model.cover[g]} ` +
            'is not positive, so TreeSHAP cannot weight its branches; re-export the bundle from a model trained with covers',
        );
      }
    }
  }
}

/** baseScore + Σ trees Σ leaves value × cover[leaf] / cover[root] (a single-leaf tree contributes its value). */
export function expectedValue(model: TreeModel): number {
  let total = model.baseScore;
  for (let t = 0; t < model.treeCount; t++) {
    const start = model.treeStart[t]!;
    const end = model.treeStart[t + 1]!;
    if (end - start === 1) {
      total += model.value[start]!;
      continue;
    }
    const rootCover = model.cover[start]!;
    let tree = 0;
    for (let g = start; g < end; g++) {
      if (model.feature[g]! < 0) tree += (model.cover[g]! / rootCover) * model.value[g]!;
    }
    total += tree;
  }
  return total;
}
