// Evaluating one row on the flat arrays of model.ts: the input conversion and the node decision of
// models/docs/trees-and-onnx.md (mirrors fraudmodels/bundle/trees.py, prepare_input / tree_leaves / evaluate_trees).

import { InferenceError } from '../errors.js';
import type { TreeModel } from './model.js';

/** InferenceError unless an input has the expected number of values. */
export function checkWidth(actual: number, expected: number, what: string): void {
  if (actual !== expected) {
    throw new InferenceError(
      `${what}: expected ${expected} values, got ${actual}; pass one value per feature in trees.json order (NaN = missing)`,
    );
  }
}

/** Writes row[offset .. offset+F) into `out` as the model compares it: inputType rounding, then the zero rule. */
export function prepareRow(model: TreeModel, row: Float64Array, offset: number, out: Float64Array): void {
  const float32 = model.inputType === 'float32';
  const zero = model.zeroThreshold ?? -1;
  for (let i = 0; i < out.length; i++) {
    let x = row[offset + i]!;
    if (float32) x = Math.fround(x);
    if (Math.abs(x) <= zero) x = 0;
    out[i] = x;
  }
}

/** Global index of the leaf that a prepared row reaches from `node`. */
export function findLeaf(model: TreeModel, node: number, x: Float64Array): number {
  const { feature, threshold, left, right, missingGoesLeft } = model;
  let f = feature[node]!;
  if (model.comparison === '<=') {
    while (f >= 0) {
      const v = x[f]!;
      node = v <= threshold[node]! || (v !== v && missingGoesLeft[node] === 1) ? left[node]! : right[node]!;
      f = feature[node]!;
    }
  } else {
    while (f >= 0) {
      const v = x[f]!;
      node = v < threshold[node]! || (v !== v && missingGoesLeft[node] === 1) ? left[node]! : right[node]!;
      f = feature[node]!;
    }
  }
  return node;
}

/** True iff a prepared row goes left at internal node g (the model's comparison; NaN follows missingGoesLeft). */
export function goesLeft(model: TreeModel, g: number, x: Float64Array): boolean {
  const v = x[model.feature[g]!]!;
  const t = model.threshold[g]!;
  return (model.comparison === '<=' ? v <= t : v < t) || (v !== v && model.missingGoesLeft[g] === 1);
}

/** baseScore + every tree's leaf for a prepared row, in tree order; float32Sum rounds after every addition. */
export function sumLeaves(model: TreeModel, x: Float64Array, float32Sum: boolean): number {
  const { treeStart, value, treeCount } = model;
  let acc = float32Sum ? Math.fround(model.baseScore) : model.baseScore;
  for (let t = 0; t < treeCount; t++) {
    const v = value[findLeaf(model, treeStart[t]!, x)]!;
    acc = float32Sum ? Math.fround(acc + v) : acc + v;
  }
  return acc;
}
