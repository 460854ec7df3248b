// Per-leaf TreeSHAP tables ("Fast TreeSHAP v2", J. Yang, "Fast TreeSHAP: Accelerating SHAP Value Computation for
// Trees", arXiv:2109.09847): the same exact values as Algorithm 2 with the row-independent work done once.
//
// In path-dependent TreeSHAP a leaf's contribution depends on the row only through which of the d unique features
// on its path the row "follows" (one fraction 1 at every split on that feature, else 0): a d-bit pattern p. The
// zero fractions are fixed by the covers. So for every leaf and every p in {0,1}^d we precompute, with the same
// EXTEND / UNWOUND SUM as Algorithm 2, table[p][j] = value × (p_j − zero_j) × UNWOUND SUM(j). Per row and tree,
// explaining is then: one comparison per split, the pattern of each leaf from its path's split outcomes, and d
// additions per leaf — O(leaves × depth) instead of O(leaves × depth²), no divisions, no recursion.
// Memory: Σ over leaves 2^d × d doubles, so a tree gets tables only if its leaves have d <= maxTableDepth and the
// tables fit the byte budget; the other trees use the recursive walk (walk.ts).

import type { TreeModel } from './model.js';
import { extendPath, newPathBuffer, unwoundPathSum } from './path.js';

export interface TableLimits {
  /** Most unique features on a leaf's path for a tree to get tables (2^d patterns per leaf). */
  maxTableDepth: number;
  /** Budget in bytes for all tables of the model; trees that do not fit use the recursive walk. */
  maxTableBytes: number;
}

/** One leaf as collected from the tree: its value, unique path features, zero fractions and split conditions. */
interface LeafPath {
  value: number;
  features: number[];
  zeros: number[];
  /** (node index within the tree, 1 if the path goes left, position of the node's feature in `features`) */
  conditions: [number, number, number][];
}

/** The tables of one model; hasTable(t) says which trees they cover. */
export class LeafTables {
  readonly bytes: number;
  private readonly treeLeafStart: Int32Array; // leaves of tree t: treeLeafStart[t] .. treeLeafStart[t + 1] - 1
  private readonly leafConditionStart: Int32Array;
  private readonly leafFeatureStart: Int32Array; // d of leaf l = leafFeatureStart[l + 1] - leafFeatureStart[l]
  private readonly leafTableStart: Int32Array;
  /** Split conditions of every leaf's path, packed: node index within the tree << 6 | went left << 5 | bit. */
  private readonly conditions: Int32Array;
  private readonly leafFeature: Int32Array;
  private readonly table: Float64Array;
  private readonly wentLeft: Int32Array; // scratch: split outcomes of the current tree, by node index within it

  constructor(model: TreeModel, limits: TableLimits) {
    const perTree: LeafPath[][] = [];
    let budget = Math.floor(limits.maxTableBytes / 8);
    let maxNodes = 1;
    for (let t = 0; t < model.treeCount; t++) {
      const start = model.treeStart[t]!;
      maxNodes = Math.max(maxNodes, model.treeStart[t + 1]! - start);
      const leaves = model.feature[start]! >= 0 ? collectLeaves(model, start) : [];
      const size = leaves.reduce((s, l) => s + 2 ** l.features.length * l.features.length, 0);
      const fits =
        leaves.length > 0 &&
        size <= budget &&
        model.treeStart[t + 1]! - start < 2 ** 25 && // packing
        leaves.every((l) => l.features.length <= limits.maxTableDepth);
      perTree.push(fits ? leaves : []);
      if (fits) budget -= size;
    }
    const leaves = perTree.flat();
    this.treeLeafStart = prefixSums(perTree.map((l) => l.length));
    this.leafConditionStart = prefixSums(leaves.map((l) => l.conditions.length));
    this.leafFeatureStart = prefixSums(leaves.map((l) => l.features.length));
    const tableStart = prefixSums(leaves.map((l) => 2 ** l.features.length * l.features.length));
    this.leafTableStart = tableStart;
    this.conditions = Int32Array.from(
      leaves.flatMap((l) => l.conditions),
      ([node, left, bit]) => (node << 6) | (left << 5) | bit,
    );
    this.leafFeature = Int32Array.from(leaves.flatMap((l) => l.features));
    this.table = new Float64Array(tableStart[leaves.length]!);
    this.bytes = this.table.byteLength;
    this.wentLeft = new Int32Array(maxNodes);
    leaves.forEach((leaf, l) => fillLeafTable(leaf, this.table, tableStart[l]!));
  }

  /** True iff tree t is explained from the tables. */
  hasTable(t: number): boolean {
    return this.treeLeafStart[t + 1]! > this.treeLeafStart[t]!;
  }

  /** Adds the SHAP values of tree t for the prepared row x to phi. */
  addTree(model: TreeModel, t: number, x: Float64Array, phi: Float64Array): void {
    const start = model.treeStart[t]!;
    const end = model.treeStart[t + 1]!;
    const { wentLeft, leafConditionStart, leafFeatureStart, leafTableStart, conditions, leafFeature, table } = this;
    const { feature, threshold, missingGoesLeft } = model;
    const lessOrEqual = model.comparison === '<=';
    for (let g = start; g < end; g++) {
      const f = feature[g]!;
      if (f < 0) continue;
      const v = x[f]!;
      const left = (lessOrEqual ? v <= threshold[g]! : v < threshold[g]!) || (v !== v && missingGoesLeft[g] === 1);
      wentLeft[g - start] = left ? 1 : 0;
    }
    const lastLeaf = this.treeLeafStart[t + 1]!;
    for (let l = this.treeLeafStart[t]!; l < lastLeaf; l++) {
      const first = leafFeatureStart[l]!;
      const d = leafFeatureStart[l + 1]! - first;
      // bit j of the pattern is cleared when the row leaves the path at a split on feature j
      let pattern = (1 << d) - 1;
      const lastCondition = leafConditionStart[l + 1]!;
      for (let c = leafConditionStart[l]!; c < lastCondition; c++) {
        const code = conditions[c]!; // node << 6 | wentLeft << 5 | bit
        pattern &= ~((wentLeft[code >> 6]! ^ ((code >> 5) & 1)) << (code & 31));
      }
      const row = leafTableStart[l]! + pattern * d;
      for (let j = 0; j < d; j++) phi[leafFeature[first + j]!]! += table[row + j]!;
    }
  }
}

/** Every leaf of the tree rooted at global index `root`, with its path (depth-first, left before right). */
function collectLeaves(m: TreeModel, root: number): LeafPath[] {
  const leaves: LeafPath[] = [];
  const splits: [number, number][] = []; // (global node, went left) from the root to the current node
  const visit = (g: number): void => {
    if (m.feature[g]! < 0) {
      leaves.push(leafPath(m, root, splits, m.value[g]!));
      return;
    }
    splits.push([g, 1]);
    visit(m.left[g]!);
    splits[splits.length - 1] = [g, 0];
    visit(m.right[g]!);
    splits.pop();
  };
  visit(root);
  return leaves;
}

/** A leaf's unique features (first appearance order), their zero fractions (product of cover ratios) and conditions. */
function leafPath(m: TreeModel, root: number, splits: [number, number][], value: number): LeafPath {
  const leaf: LeafPath = { value, features: [], zeros: [], conditions: [] };
  for (const [g, left] of splits) {
    const f = m.feature[g]!;
    let j = leaf.features.indexOf(f);
    if (j < 0) {
      j = leaf.features.push(f) - 1;
      leaf.zeros.push(1);
    }
    const child = left ? m.left[g]! : m.right[g]!;
    leaf.zeros[j]! *= m.cover[child]! / m.cover[g]!;
    leaf.conditions.push([g - root, left, j]);
  }
  return leaf;
}

/** table[at + p·d + j] = value × (p_j − zero_j) × UNWOUND SUM(j) of the path whose one fractions are the bits of p. */
function fillLeafTable(leaf: LeafPath, table: Float64Array, at: number): void {
  const d = leaf.features.length;
  const path = newPathBuffer(d + 1);
  for (let p = 0; p < 1 << d; p++) {
    extendPath(path, 0, 0, 1, 1, -1);
    for (let j = 0; j < d; j++) extendPath(path, 0, j + 1, leaf.zeros[j]!, (p >> j) & 1, leaf.features[j]!);
    for (let j = 0; j < d; j++) {
      const one = (p >> j) & 1;
      table[at + p * d + j] = unwoundPathSum(path, 0, d, j + 1) * (one - leaf.zeros[j]!) * leaf.value;
    }
  }
}

/** [0, a0, a0 + a1, ...] as an Int32Array. */
function prefixSums(counts: number[]): Int32Array {
  const out = new Int32Array(counts.length + 1);
  counts.forEach((c, i) => (out[i + 1] = out[i]! + c));
  return out;
}
