// The tree ensembles of trees.json (format "fraudscore-trees/1", models/docs/trees-and-onnx.md) as flat typed arrays:
// parsing with validation, and exact margins. All trees of a model are concatenated: node indices are global (tree
// t's root is treeStart[t], children point to global indices), so one loop walks every tree without allocating.
//
// Semantics (evaluate.ts; mirrors models/fraudmodels/bundle/trees.py, evaluate_trees / prepare_input):
//   x = convert(row[feature], inputType)             float32: Math.fround; float64: unchanged
//   if zeroThreshold != null and |x| <= zeroThreshold: x = 0.0   (LightGBM's kZeroThreshold)
//   NaN goes to missingGoesLeft ? left : right; otherwise left iff x <= threshold ("<=") or x < threshold ("<")
//   margin = baseScore, then every tree's leaf value added in tree order, rounding to sumType after each addition.
// Both sides of a float32 comparison are exact float32 values, so comparing them as doubles is XGBoost's comparison.
// This gives LightGBM's raw score and XGBoost's output margin bit for bit.

import { InferenceError } from '../errors.js';
import { checkWidth, prepareRow, sumLeaves } from './evaluate.js';
import { asArray, asInteger, asNumber, asObject, asOneOf, asString, malformed } from './json.js';
import { TreeExplainer, type EnsembleExplanation } from './treeshap.js';

export const TREES_FORMAT = 'fraudscore-trees/1';

export type NumberType = 'float64' | 'float32';
export type Comparison = '<=' | '<';
export type CoverType = 'count' | 'hessian';

const NUMBER_TYPES: readonly NumberType[] = ['float64', 'float32'];

/** One model of trees.json: its settings and all its trees as parallel flat arrays (one entry per node). */
export interface TreeModel {
  readonly name: string;
  readonly library: string;
  readonly libraryVersion: string;
  readonly objective: 'binary';
  /** Log-odds the tree sum starts from (already a float32 value when sumType is float32). */
  readonly baseScore: number;
  readonly inputType: NumberType;
  readonly zeroThreshold: number | null;
  readonly comparison: Comparison;
  readonly thresholdType: NumberType;
  readonly leafType: NumberType;
  readonly sumType: NumberType;
  /** What `cover` measures: training row counts (LightGBM) or hessian sums (XGBoost). */
  readonly coverType: CoverType;
  readonly treeCount: number;
  /** treeStart[t] = global index of tree t's root; treeStart[treeCount] = number of nodes. */
  readonly treeStart: Int32Array;
  /** Column compared at each node; -1 marks a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** Global index of the left / right child; -1 for leaves. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** 1 iff a missing (NaN) value goes left. */
  readonly missingGoesLeft: Uint8Array;
  /** Leaf value (internal nodes: informational only, never used). */
  readonly value: Float64Array;
  readonly cover: Float64Array;
  /** Longest root-to-leaf path in edges, over all trees. */
  readonly maxDepth: number;
}

/** The parsed trees.json: feature names, models by name, exact margins and (through a TreeExplainer built on
 * first use, with its default options) exact TreeSHAP. Not reentrant: calls reuse preallocated buffers. */
export class TreeEnsembles {
  readonly features: readonly string[];
  readonly models: ReadonlyMap<string, TreeModel>;
  /** The row as the model compares it (converted), reused by every call. */
  private readonly prepared: Float64Array;
  private shap: TreeExplainer | undefined;

  constructor(features: readonly string[], models: readonly TreeModel[]) {
    this.features = features;
    this.models = new Map(models.map((m) => [m.name, m]));
    this.prepared = new Float64Array(features.length);
  }

  /** The model called `name`; InferenceError if there is none. */
  model(name: string): TreeModel {
    const model = this.models.get(name);
    if (model === undefined) {
      throw new InferenceError(`no model "${name}" in trees.json; use one of ${[...this.models.keys()].join(', ')}`);
    }
    return model;
  }

  /** The model's margin (log-odds) for one row of `features.length` values (NaN = missing), bit-exact. */
  margin(modelName: string, row: Float64Array): number {
    const model = this.model(modelName);
    checkWidth(row.length, this.features.length, 'row');
    prepareRow(model, row, 0, this.prepared);
    return sumLeaves(model, this.prepared, model.sumType === 'float32');
  }

  /** Margins of `count` rows stored one after the other in `rows` (row-major, count × features.length). */
  margins(modelName: string, rows: Float64Array, count: number, out?: Float64Array): Float64Array {
    const model = this.model(modelName);
    const width = this.features.length;
    if (!Number.isSafeInteger(count) || count < 0)
      throw new InferenceError(`count must be a non-negative integer, got ${count}`);
    checkWidth(rows.length, count * width, `rows (${count} rows × ${width} features)`);
    const result = out ?? new Float64Array(count);
    if (result.length < count)
      throw new InferenceError(`out has ${result.length} entries for ${count} rows; pass a longer array`);
    const float32Sum = model.sumType === 'float32';
    for (let r = 0; r < count; r++) {
      prepareRow(model, rows, r * width, this.prepared);
      result[r] = sumLeaves(model, this.prepared, float32Sum);
    }
    return result;
  }

  /** TreeSHAP values of one model for `row` written to `out` (length F); returns the base value. See treeshap.ts. */
  explain(modelName: string, row: Float64Array, out: Float64Array): number {
    return this.explainer().explain(modelName, row, out);
  }

  /** TreeSHAP of the blend Σ weight × margin: values in `out`, base value and margins returned. See treeshap.ts. */
  explainEnsemble(
    weights: Readonly<Record<string, number>>,
    row: Float64Array,
    out: Float64Array,
  ): EnsembleExplanation {
    return this.explainer().explainEnsemble(weights, row, out);
  }

  /** The TreeExplainer behind explain(), built on first use with the default memory budget of the runtime. */
  explainer(): TreeExplainer {
    this.shap ??= new TreeExplainer(this);
    return this.shap;
  }

  /** baseScore + the same leaves summed in double: what TreeSHAP values add up to (XGBoost's float32 margin
   * differs from it by the float32 rounding of its running sum, up to ~1e-5). Equals margin() for float64 sums. */
  doubleMargin(modelName: string, row: Float64Array): number {
    const model = this.model(modelName);
    checkWidth(row.length, this.features.length, 'row');
    prepareRow(model, row, 0, this.prepared);
    return sumLeaves(model, this.prepared, false);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// parsing and validation

const TREE_FIELDS = ['feature', 'threshold', 'left', 'right', 'missingGoesLeft', 'value', 'cover'] as const;

/** Validates a parsed trees.json document and converts it to flat arrays; ModelLoadError on anything unsupported. */
export function parseTrees(json: unknown): TreeEnsembles {
  const doc = asObject(json, 'document');
  if (doc['format'] !== TREES_FORMAT) {
    throw malformed('format', `expected "${TREES_FORMAT}", got ${JSON.stringify(doc['format']) ?? 'nothing'}`);
  }
  const features = asArray(doc['features'], 'features').map((f, i) => asString(f, `features[${i}]`));
  if (features.length === 0) throw malformed('features', 'no features');
  if (new Set(features).size !== features.length) throw malformed('features', 'feature names are not unique');
  const entries = asArray(doc['models'], 'models');
  if (entries.length === 0) throw malformed('models', 'no models');
  const models = entries.map((entry, i) => parseModel(entry, i, features.length));
  const names = models.map((m) => m.name);
  if (new Set(names).size !== names.length)
    throw malformed('models', `model names are not unique: ${names.join(', ')}`);
  return new TreeEnsembles(features, models);
}

/** Float32 quantities must be stored as exact float32 values (Math.fround is then lossless). */
function checkType(v: number, type: NumberType, where: string): number {
  if (type === 'float32' && Math.fround(v) !== v)
    throw malformed(where, `${v} is not a float32 value although its type is float32`);
  return v;
}

function parseModel(entry: unknown, index: number, featureCount: number): TreeModel {
  const m = asObject(entry, `models[${index}]`);
  const name = asString(m['name'], `models[${index}].name`);
  const where = `model "${name}"`;
  const sumType = asOneOf(m['sumType'], NUMBER_TYPES, `${where} sumType`);
  const zero = m['zeroThreshold'];
  const settings = {
    name,
    library: asString(m['library'], `${where} library`),
    libraryVersion: asString(m['libraryVersion'], `${where} libraryVersion`),
    objective: asOneOf(m['objective'], ['binary'] as const, `${where} objective`),
    baseScore: checkType(asNumber(m['baseScore'], `${where} baseScore`), sumType, `${where} baseScore`),
    inputType: asOneOf(m['inputType'], NUMBER_TYPES, `${where} inputType`),
    zeroThreshold: zero === null ? null : asNumber(zero, `${where} zeroThreshold`),
    comparison: asOneOf(m['comparison'], ['<=', '<'] as const, `${where} comparison`),
    thresholdType: asOneOf(m['thresholdType'], NUMBER_TYPES, `${where} thresholdType`),
    leafType: asOneOf(m['leafType'], NUMBER_TYPES, `${where} leafType`),
    sumType,
    coverType: asOneOf(m['coverType'], ['count', 'hessian'] as const, `${where} coverType`),
  };
  if (settings.zeroThreshold !== null && settings.zeroThreshold < 0)
    throw malformed(`${where} zeroThreshold`, 'must be null or >= 0');
  const trees = asArray(m['trees'], `${where} trees`).map((t, i) => asTreeArrays(t, `${where} tree ${i}`));
  const treeStart = new Int32Array(trees.length + 1);
  trees.forEach((t, i) => (treeStart[i + 1] = treeStart[i]! + t.feature.length));
  const n = treeStart[trees.length]!;
  const flat = {
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    missingGoesLeft: new Uint8Array(n),
    value: new Float64Array(n),
    cover: new Float64Array(n),
  };
  let maxDepth = 0;
  trees.forEach((tree, t) => {
    maxDepth = Math.max(maxDepth, copyTree(tree, treeStart[t]!, flat, settings, featureCount, `${where} tree ${t}`));
  });
  return { ...settings, treeCount: trees.length, treeStart, ...flat, maxDepth };
}

type TreeArrays = Record<(typeof TREE_FIELDS)[number], unknown[]>;

/** The tree's seven parallel arrays, all of the same non-zero length. */
function asTreeArrays(value: unknown, where: string): TreeArrays {
  const tree = asObject(value, where);
  const arrays = Object.fromEntries(TREE_FIELDS.map((k) => [k, asArray(tree[k], `${where} ${k}`)])) as TreeArrays;
  const n = arrays.feature.length;
  if (n === 0) throw malformed(where, 'has no nodes');
  for (const k of TREE_FIELDS) {
    if (arrays[k].length !== n) throw malformed(where, `"${k}" has ${arrays[k].length} entries but "feature" has ${n}`);
  }
  return arrays;
}

type FlatArrays = Pick<TreeModel, (typeof TREE_FIELDS)[number]>;
type Settings = Pick<TreeModel, 'thresholdType' | 'leafType'>;

/** Validates one tree node by node and copies it to the flat arrays from `start`; returns its depth. */
function copyTree(
  tree: TreeArrays,
  start: number,
  flat: FlatArrays,
  s: Settings,
  featureCount: number,
  where: string,
): number {
  const n = tree.feature.length;
  const parents = new Int32Array(n);
  const depth = new Int32Array(n);
  let maxDepth = 0;
  for (let i = 0; i < n; i++) {
    const at = `${where} node ${i}`;
    const f = asInteger(tree.feature[i], `${at} feature`);
    const left = asInteger(tree.left[i], `${at} left`);
    const right = asInteger(tree.right[i], `${at} right`);
    const missing = tree.missingGoesLeft[i];
    if (missing !== 0 && missing !== 1)
      throw malformed(`${at} missingGoesLeft`, `expected 0 or 1, got ${JSON.stringify(missing)}`);
    if (f < -1 || f >= featureCount)
      throw malformed(`${at} feature`, `${f} is not -1 (leaf) or a column 0..${featureCount - 1}`);
    if (f === -1 && (left !== -1 || right !== -1))
      throw malformed(at, 'a leaf (feature -1) must have left = right = -1');
    if (f >= 0) {
      for (const [side, child] of [
        ['left', left],
        ['right', right],
      ] as const) {
        if (child <= i || child >= n)
          throw malformed(`${at} ${side}`, `child ${child} is not a node after ${i} (pre-order, ${n} nodes)`);
        parents[child]! += 1;
        depth[child] = depth[i]! + 1;
        maxDepth = Math.max(maxDepth, depth[i]! + 1);
      }
    }
    const cover = asNumber(tree.cover[i], `${at} cover`);
    if (cover < 0) throw malformed(`${at} cover`, `negative cover ${cover}`);
    const g = start + i;
    flat.feature[g] = f;
    flat.threshold[g] =
      f >= 0 ? checkType(asNumber(tree.threshold[i], `${at} threshold`), s.thresholdType, `${at} threshold`) : 0;
    flat.left[g] = f >= 0 ? start + left : -1;
    flat.right[g] = f >= 0 ? start + right : -1;
    flat.missingGoesLeft[g] = missing;
    const value = asNumber(tree.value[i], `${at} value`);
    flat.value[g] = f >= 0 ? value : checkType(value, s.leafType, `${at} value`);
    flat.cover[g] = cover;
  }
  for (let i = 1; i < n; i++) {
    if (parents[i] !== 1)
      throw malformed(`${where} node ${i}`, `is the child of ${parents[i]} nodes instead of exactly one`);
  }
  return maxDepth;
}
