// Per-leaf TreeSHAP tables ("Fast TreeSHAP v2", J. Yang, "Fast TreeSHAP: Accelerating SHAP Value Computation for
// Trees", arXiv:2109.09847): the same exact values as Algorithm 2 with the row-independent work done once.
//
// In path-dependent TreeSHAP a leaf's contribution depends on the row only through which of the d unique features
// on its path the row "follows" (one fraction 1 at every split on that feature, else 0): a d-bit pattern p. The
// zero fractions are fixed by the covers. So for every leaf and every p in {0,1}^d we precompute Algorithm 2's
// credit table[p][j] = value × (p_j − zero_j) × UNWOUND SUM(j) (in linear.ts's exact integral form). Per row and tree,
// explaining is then: one comparison per split, the pattern of each leaf from its path's split outcomes, and d
// additions per leaf — O(leaves × depth) instead of O(leaves × depth²), no divisions, no recursion.
// Memory: Σ over leaves 2^d × d doubles, so a tree gets tables only if its leaves have d <= maxTableDepth, its
// tables take at most maxTreeTableBytes and they fit the byte budget; the other trees use Linear TreeSHAP
// (linear.ts) or the recursive walk (walk.ts).

import { gaussLegendre, type PathIndex } from './linear.js';
import type { TreeModel } from './model.js';

export interface TableLimits {
  /** Most unique features on a leaf's path for a tree to get tables (2^d patterns per leaf). */
  maxTableDepth: number;
  /** Most bytes of tables for one tree (DEFAULT_MAX_TREE_TABLE_BYTES). */
  maxTreeTableBytes: number;
  /** Budget in bytes for all tables of the model; trees that do not fit are left to the caller. */
  maxTableBytes: number;
}

/** Tables are worth it for small trees only. Measured (sdk/bench/treeshap/README.md, same process, alternating):
 * with its tables in cache a tree is explained about 1.8× faster from tables than by Linear TreeSHAP, but a row
 * reads one table row per leaf, so a model's deep trees (0.3–1 MB of tables each) miss the caches and run 1.2–1.8×
 * slower than Linear TreeSHAP, and take long to build. 5 of the deep pair's 1,500 trees need less than 128 KiB. */
export const DEFAULT_MAX_TREE_TABLE_BYTES = 128 * 1024;

/** Tables pay only while they stay in the caches, and a server does other work between two rows. Measured on the
 * default bundle 2.0.0 (sdk/bench/treeshap/README.md): its LightGBM's tables for 429 of 500 trees (16.5 MB) made a
 * row 1.5× slower than Linear TreeSHAP alone with 1 MB touched between rows and 1.5–1.7× with 4 MB, and
 * `POST /v1/score` with SHAP served 1.17× the requests at 0.86× the CPU with the tables limited per model; XGBoost's
 * 400 depth-3 trees (0.55 MB of tables) stay 2–3× faster from tables. So each model gets at most 1 MiB of tables,
 * for its smallest tables first (the most trees per byte). */
export const DEFAULT_MAX_MODEL_TABLE_BYTES = 1024 * 1024;

/** One leaf as collected from the tree: its value, unique path features, zero fractions and split conditions. */
interface LeafPath {
  value: number;
  features: number[];
  zeros: number[];
  /** Packed: node index within the tree << 6 | 1 if the path goes left << 5 | position of the node's feature. */
  conditions: number[];
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

  /** Tables for the trees whose paths have at most maxTableDepth unique features and whose tables take at most
   * maxTreeTableBytes, smallest tables first while the budget lasts (index: linear.ts's per-tree path statistics). */
  constructor(model: TreeModel, limits: TableLimits, index: Pick<PathIndex, 'maxUnique' | 'tableEntries'>) {
    let maxNodes = 1;
    for (let t = 0; t < model.treeCount; t++)
      maxNodes = Math.max(maxNodes, model.treeStart[t + 1]! - model.treeStart[t]!);
    // bytes: per model the tree index and the scratch; per leaf its table, conditions, features and three offsets
    let budget = limits.maxTableBytes - 4 * (model.treeCount + 4 + maxNodes);
    const bySize = Array.from({ length: model.treeCount }, (_, t) => t).sort(
      (a, b) => index.tableEntries[a]! - index.tableEntries[b]! || a - b,
    );
    const perTree: LeafPath[][] = new Array(model.treeCount).fill([]);
    for (const t of bySize) {
      const start = model.treeStart[t]!;
      const nodes = model.treeStart[t + 1]! - start;
      const depth = index.maxUnique[t]!;
      const tableBytes = 8 * index.tableEntries[t]!;
      if (!(depth > 0 && depth <= limits.maxTableDepth && tableBytes <= limits.maxTreeTableBytes)) continue;
      if (tableBytes > budget) break; // the others are at least as large
      const leaves = nodes < 2 ** 25 ? collectLeaves(model, start) : []; // (2^25: the conditions' packing)
      const size = leaves.reduce(
        (s, l) =>
          s + 8 * 2 ** l.features.length * l.features.length + 4 * (l.conditions.length + l.features.length + 3),
        0,
      );
      if (leaves.length === 0 || size > budget) continue;
      perTree[t] = leaves;
      budget -= size;
    }
    const leaves = perTree.flat();
    // no tables: nothing allocated (hasTable then compares undefined > undefined: false)
    const prefix = (counts: number[]): Int32Array => (leaves.length === 0 ? new Int32Array(0) : prefixSums(counts));
    this.treeLeafStart = prefix(perTree.map((l) => l.length));
    this.leafConditionStart = prefix(leaves.map((l) => l.conditions.length));
    this.leafFeatureStart = prefix(leaves.map((l) => l.features.length));
    const tableStart = prefix(leaves.map((l) => 2 ** l.features.length * l.features.length));
    this.leafTableStart = tableStart;
    this.conditions = new Int32Array(this.leafConditionStart[leaves.length] ?? 0);
    this.leafFeature = new Int32Array(this.leafFeatureStart[leaves.length] ?? 0);
    leaves.forEach((leaf, l) => {
      this.conditions.set(leaf.conditions, this.leafConditionStart[l]);
      this.leafFeature.set(leaf.features, this.leafFeatureStart[l]);
    });
    this.table = new Float64Array(tableStart[leaves.length] ?? 0);
    this.wentLeft = new Int32Array(leaves.length === 0 ? 0 : maxNodes);
    this.bytes = [
      this.treeLeafStart,
      this.leafConditionStart,
      this.leafFeatureStart,
      this.leafTableStart,
      this.conditions,
      this.leafFeature,
      this.table,
      this.wentLeft,
    ].reduce((sum, array) => sum + array.byteLength, 0);
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
  const splits: number[] = []; // global node << 1 | went left, from the root to the current node
  const visit = (g: number): void => {
    if (m.feature[g]! < 0) {
      leaves.push(leafPath(m, root, splits, m.value[g]!));
      return;
    }
    splits.push((g << 1) | 1);
    visit(m.left[g]!);
    splits[splits.length - 1] = g << 1;
    visit(m.right[g]!);
    splits.pop();
  };
  visit(root);
  return leaves;
}

/** A leaf's unique features (first appearance order), their zero fractions (product of cover ratios) and conditions. */
function leafPath(m: TreeModel, root: number, splits: number[], value: number): LeafPath {
  const leaf: LeafPath = { value, features: [], zeros: [], conditions: [] };
  for (const split of splits) {
    const g = split >> 1;
    const left = split & 1;
    const f = m.feature[g]!;
    let j = leaf.features.indexOf(f);
    if (j < 0) {
      j = leaf.features.push(f) - 1;
      leaf.zeros.push(1);
    }
    const child = left ? m.left[g]! : m.right[g]!;
    leaf.zeros[j]! *= m.cover[child]! / m.cover[g]!;
    leaf.conditions.push(((g - root) << 6) | (left << 5) | j);
  }
  return leaf;
}

/** table[at + p·d + j] = value × (p_j − zero_j) × ∫₀¹ Π_{i≠j} F_i(s) ds with F_i = b_i + (p_i − b_i)s, the credit
 * of Algorithm 2 in the integral form of linear.ts, by the same exact Gauss–Legendre quadrature (q = ceil(d / 2)
 * points): O(2^d × d × q) per leaf, several times less than d EXTENDs and UNWOUND SUMs per pattern. The product
 * over the features is kept per prefix (features d−1 down to d−level), so a pattern recomputes only the levels of
 * the bits that changed, and each product stays d roundings from 1. */
function fillLeafTable(leaf: LeafPath, table: Float64Array, at: number): void {
  const d = leaf.features.length;
  const q = Math.ceil(d / 2);
  const { nodes, weights } = gaussLegendre(q);
  // factor[(2i + bit)·q + k] = F_i(s_k) for one fraction `bit`; credit[...] = weight_k / F_i(s_k)
  const factor = new Float64Array(2 * d * q);
  const credit = new Float64Array(2 * d * q);
  const scale = new Float64Array(2 * d); // value × (bit − b_i)
  leaf.zeros.forEach((zero, i) => {
    for (let k = 0; k < q; k++) {
      factor[2 * i * q + k] = zero * (1 - nodes[k]!);
      factor[(2 * i + 1) * q + k] = zero + (1 - zero) * nodes[k]!;
    }
    scale[2 * i] = -zero * leaf.value;
    scale[2 * i + 1] = (1 - zero) * leaf.value;
  });
  for (let i = 0; i < 2 * d * q; i++) credit[i] = weights[i % q]! / factor[i]!;
  const product = new Float64Array((d + 1) * q).fill(1); // product[level·q + k]
  for (let p = 0; p < 1 << d; p++) {
    // bits 0..c changed from p − 1 (c = trailing zeros of p): feature j enters at level d − j
    const from = p === 0 ? 1 : d - (31 - Math.clz32(p & -p));
    for (let level = from; level <= d; level++) {
      const f = 2 * (d - level) + ((p >> (d - level)) & 1);
      for (let k = 0; k < q; k++) product[level * q + k] = product[(level - 1) * q + k]! * factor[f * q + k]!;
    }
    for (let i = 0; i < d; i++) {
      const f = 2 * i + ((p >> i) & 1);
      let sum = 0;
      for (let k = 0; k < q; k++) sum += product[d * q + k]! * credit[f * q + k]!;
      table[at + p * d + i] = scale[f]! * sum;
    }
  }
}

/** [0, a0, a0 + a1, ...] as an Int32Array. */
function prefixSums(counts: number[]): Int32Array {
  const out = new Int32Array(counts.length + 1);
  counts.forEach((c, i) => (out[i + 1] = out[i]! + c));
  return out;
}
