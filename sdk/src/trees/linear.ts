// Linear TreeSHAP: the exact values of Algorithm 2 (walk.ts) in O(nodes × depth / 2) per tree and row instead of
// O(leaves × depth²), with 4 bytes per node precomputed and no per-leaf tables.
//
// Algorithm: P. Yu, A. Bifet, J. Read, C. Xu, "Linear TreeShap", NeurIPS 2022 (arXiv:2209.08192): one pass down the
// tree builds a polynomial per node, one pass up sums them and credits every split once. The polynomials are kept as
// their values at Gauss–Legendre points and integrated by that quadrature, as in R. Wettenstein, R. Mitchell, P. Yu,
// "Quadrature-TreeSHAP" (arXiv:2605.04497); here with enough points to be exact, not a fixed count.
//
// Why it is exact. For a leaf v with value w whose path has the unique features N (zero fraction b_j: share of cover
// that follows the path when j is unknown; one fraction a_j in {0, 1}: the row follows every split on j), Algorithm
// 2 credits feature i with  w (a_i − b_i) Σ_{S ⊆ N∖i} |S|! (|N|−1−|S|)! / |N|! Π_{j∈S} a_j Π_{j∉S, j≠i} b_j.
// Writing the Shapley weight as the Beta integral ∫₀¹ s^|S| (1−s)^(|N|−1−|S|) ds turns the sum into
//     w (a_i − b_i) ∫₀¹ G_v(s) / F_i(s) ds,   G_v(s) = Π_{j∈N} F_j(s),   F_j(s) = b_j + (a_j − b_j) s,
// an integral of a polynomial of degree |N| − 1, which Gauss–Legendre quadrature with q points computes exactly when
// 2q − 1 >= |N| − 1: q = ceil(maxUnique / 2) per tree, where maxUnique is the most unique features on a path.
// Values at the points only ever get multiplied, divided by factors that are positive there (b_j > 0 by
// checkCovers, points inside (0, 1)) and added, so the error stays at double rounding (about 1e-15 of the leaves).
//
// Per row and tree:
//   down (pre-order): G(child) = G(parent) × F_child / F_above, where F_child is the factor of the parent's feature
//     with this split included and F_above the same feature's factor before it (1 if it was not yet on the path);
//     at a leaf, S(leaf) = w × G(leaf).
//   up (reverse pre-order): S(node) = S(left) + S(right). The child c of a split on feature i credits
//     (a_c − b_c) × Σ_k weight_k × (S(c) − Below(c))(s_k) / F_c(s_k) to feature i, where Below(c) sums S over the
//     next splits on i under c: their leaves carry another factor for i and are credited there. Each split then adds
//     S(c) to Below of the split on i above it.

import { ModelLoadError } from '../errors.js';
import type { TreeModel } from './model.js';

/** What Linear TreeSHAP precomputes for a model: 4 bytes per node, built in O(nodes × depth). */
export interface PathIndex {
  /** Per node g, packed as (above + 1) << 1 | repeats, both within g's tree: `above` is the child, on the path to
   * g, of the nearest split above g on g's own feature (−1: none; internal nodes only); `repeats` is 1 iff some
   * split below g has g as its `above` (so Below(g) can be non-zero). */
  readonly links: Int32Array;
  /** Per tree: the most unique features on a root-to-leaf path (0 for a single leaf). */
  readonly maxUnique: Uint8Array;
  /** Per tree: Σ over leaves of 2^d × d (d: the leaf's unique path features), the size of its leaf tables (tables.ts). */
  readonly tableEntries: Float64Array;
}

/** The path index of a model (see PathIndex). */
export function indexPaths(model: TreeModel): PathIndex {
  const { feature, left, right, treeStart, treeCount } = model;
  const links = new Int32Array(feature.length);
  const maxUnique = new Uint8Array(treeCount);
  const tableEntries = new Float64Array(treeCount);
  let maxNodes = 1;
  for (let t = 0; t < treeCount; t++) maxNodes = Math.max(maxNodes, treeStart[t + 1]! - treeStart[t]!);
  if (maxNodes >= 2 ** 29)
    throw new ModelLoadError(
      `trees.json: model "${model.name}" has a tree of ${maxNodes} nodes; TreeSHAP supports up to 2^29`,
    );
  const parent = new Int32Array(maxNodes); // within the tree
  const unique = new Int32Array(maxNodes); // unique features on the path from the root to the node
  // the current path (pre-order): per feature, the child below its deepest split on the path (−1: none), and per
  // path node the value it replaced, restored when the walk leaves the node's subtree
  let features = 1;
  for (let g = 0; g < feature.length; g++) features = Math.max(features, feature[g]! + 1);
  const lastSplitChild = new Int32Array(features).fill(-1);
  const pathNode = new Int32Array(maxNodes);
  const replaced = new Int32Array(maxNodes);
  for (let t = 0; t < treeCount; t++) {
    const start = treeStart[t]!;
    const end = treeStart[t + 1]!;
    let most = 0;
    let top = -1;
    for (let g = start; g < end; g++) {
      const node = g - start;
      if (node > 0) {
        while (pathNode[top] !== parent[node]) {
          lastSplitChild[feature[start + parent[pathNode[top]!]!]!] = replaced[top]!;
          top--;
        }
        const split = feature[start + parent[node]!]!;
        pathNode[++top] = node;
        replaced[top] = lastSplitChild[split]!;
        lastSplitChild[split] = node;
      } else {
        pathNode[++top] = 0; // the root: no split above it, never left within its tree
      }
      const f = feature[g]!;
      if (f < 0) {
        most = Math.max(most, unique[node]!);
        const d = unique[node]!;
        if (node > 0) tableEntries[t]! += (d < 31 ? 1 << d : 2 ** d) * d; // (2 ** d alone is a slow Math.pow)
        continue;
      }
      const above = lastSplitChild[f]!;
      links[g]! |= (above + 1) << 1;
      if (above >= 0) links[start + above]! |= 1;
      const childUnique = unique[node]! + (above < 0 ? 1 : 0);
      parent[left[g]! - start] = node;
      parent[right[g]! - start] = node;
      unique[left[g]! - start] = childUnique;
      unique[right[g]! - start] = childUnique;
    }
    for (; top > 0; top--) lastSplitChild[feature[start + parent[pathNode[top]!]!]!] = replaced[top]!;
    if (most > 255)
      throw new ModelLoadError(
        `trees.json: model "${model.name}" tree ${t} has a path with ${most} unique features; TreeSHAP supports up to 255`,
      );
    maxUnique[t] = most;
  }
  return { links, maxUnique, tableEntries };
}

/** Linear TreeSHAP over one model: its path index, the quadrature rules and per-node scratch for one tree. */
export class LinearTreeShap {
  /** Bytes kept: the path index and the scratch. */
  readonly bytes: number;
  private readonly links: Int32Array;
  /** Quadrature points per tree: ceil(maxUnique / 2). */
  private readonly treePoints: Uint8Array;
  private readonly rules: readonly QuadratureRule[];
  // scratch, by node index within the tree (× points for the per-point values)
  private readonly poly: Float64Array; // G going down, then S going up
  private readonly below: Float64Array; // Below, reset to 0 after use
  private readonly one: Uint8Array;
  private readonly zero: Float64Array;

  constructor(model: TreeModel, index: PathIndex) {
    this.links = index.links;
    this.treePoints = index.maxUnique.map((d) => Math.ceil(d / 2));
    let maxNodes = 1;
    for (let t = 0; t < model.treeCount; t++)
      maxNodes = Math.max(maxNodes, model.treeStart[t + 1]! - model.treeStart[t]!);
    const maxPoints = Math.max(1, ...this.treePoints);
    this.rules = Array.from({ length: maxPoints + 1 }, (_, q) => gaussLegendre(q));
    this.poly = new Float64Array(maxNodes * maxPoints);
    this.below = new Float64Array(maxNodes * maxPoints);
    this.one = new Uint8Array(maxNodes);
    this.zero = new Float64Array(maxNodes);
    this.bytes =
      this.links.byteLength +
      this.treePoints.byteLength +
      this.poly.byteLength +
      this.below.byteLength +
      this.one.byteLength +
      this.zero.byteLength;
  }

  /** Adds the SHAP values of tree t (which must have a split) for the prepared row x to phi. */
  addTree(model: TreeModel, t: number, x: Float64Array, phi: Float64Array): void {
    const start = model.treeStart[t]!;
    const end = model.treeStart[t + 1]!;
    const q = this.treePoints[t]!;
    const { nodes, coldWeights, weights } = this.rules[q]!;
    const { poly, below, one, zero, links } = this;
    const { feature, threshold, left, right, missingGoesLeft, cover, value } = model;
    const lessOrEqual = model.comparison === '<=';
    for (let k = 0; k < q; k++) poly[k] = 1;
    // down: the path's factors at the points. A factor F = b + (a − b)·s is b(1 − s) for a = 0 and
    // b + (1 − b)s for a = 1; a cold factor replaced by a colder one only scales by the cover ratio.
    for (let g = start; g < end; g++) {
      const f = feature[g]!;
      if (f < 0) continue;
      const v = x[f]!;
      const goesLeft = (lessOrEqual ? v <= threshold[g]! : v < threshold[g]!) || (v !== v && missingGoesLeft[g] === 1);
      const above = (links[g]! >> 1) - 1;
      const l = left[g]! - start;
      const r = right[g]! - start;
      const aboveOne = above < 0 ? 1 : one[above]!;
      const aboveZero = above < 0 ? 1 : zero[above]!;
      const lRatio = cover[l + start]! / cover[g]!;
      const rRatio = cover[r + start]! / cover[g]!;
      one[l] = goesLeft ? aboveOne : 0;
      one[r] = goesLeft ? 0 : aboveOne;
      zero[l] = aboveZero * lRatio;
      zero[r] = aboveZero * rRatio;
      const lValue = feature[l + start]! < 0 ? value[l + start]! : 1; // a leaf's S = value × G
      const rValue = feature[r + start]! < 0 ? value[r + start]! : 1;
      const p = (g - start) * q;
      if (aboveOne === 0) {
        const lScale = lValue * lRatio;
        const rScale = rValue * rRatio;
        for (let k = 0; k < q; k++) {
          poly[l * q + k] = poly[p + k]! * lScale;
          poly[r * q + k] = poly[p + k]! * rScale;
        }
        continue;
      }
      // the hot child's factor is b + (1 − b)s, the cold one's b(1 − s); divide out the feature's earlier factor
      const hot = goesLeft ? l : r;
      const cold = goesLeft ? r : l;
      const hotZero = zero[hot]!;
      const coldScale = zero[cold]! * (goesLeft ? rValue : lValue);
      const hotValue = goesLeft ? lValue : rValue;
      for (let k = 0; k < q; k++) {
        const s = nodes[k]!;
        const base = above < 0 ? poly[p + k]! : poly[p + k]! / (aboveZero + (1 - aboveZero) * s);
        poly[hot * q + k] = base * (hotZero + (1 - hotZero) * s) * hotValue;
        poly[cold * q + k] = base * (1 - s) * coldScale;
      }
    }
    // up: subtree sums, and each split's credit to its feature: (a − b) Σ_k weight_k (S − Below)(s_k) / F(s_k),
    // which is −Σ_k weight_k / (1 − s_k) · (S − Below)(s_k) for a cold child (a = 0, F = b(1 − s))
    for (let g = end - 1; g >= start; g--) {
      const f = feature[g]!;
      if (f < 0) continue;
      const above = (links[g]! >> 1) - 1;
      const p = (g - start) * q;
      const l = left[g]! - start;
      const r = right[g]! - start;
      for (let k = 0; k < q; k++) poly[p + k] = poly[l * q + k]! + poly[r * q + k]!;
      if (above >= 0) {
        for (let k = 0; k < q; k++) below[above * q + k]! += poly[p + k]!;
      }
      // the children's own leaves: S − Below
      if ((links[l + start]! & 1) === 1) this.takeBelow(l * q, q);
      if ((links[r + start]! & 1) === 1) this.takeBelow(r * q, q);
      const leftHot = one[l] === 1;
      const hot = leftHot ? l : r;
      const cold = (leftHot ? r : l) * q;
      let coldCredit = 0;
      for (let k = 0; k < q; k++) coldCredit += coldWeights[k]! * poly[cold + k]!;
      if (one[hot] === 1) {
        const hotZero = zero[hot]!;
        let hotCredit = 0;
        for (let k = 0; k < q; k++)
          hotCredit += (weights[k]! * poly[hot * q + k]!) / (hotZero + (1 - hotZero) * nodes[k]!);
        phi[f]! += (1 - hotZero) * hotCredit - coldCredit;
      } else {
        for (let k = 0; k < q; k++) coldCredit += coldWeights[k]! * poly[hot * q + k]!;
        phi[f]! -= coldCredit;
      }
    }
  }

  /** poly −= below and below = 0 (ready for the next row) at entries at..at+q−1. */
  private takeBelow(at: number, q: number): void {
    const { poly, below } = this;
    for (let k = at; k < at + q; k++) {
      poly[k]! -= below[k]!;
      below[k] = 0;
    }
  }
}

/** Gauss–Legendre nodes on (0, 1) and weights summing to 1: exact for polynomials of degree <= 2·count − 1. */
interface QuadratureRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
  /** weights[k] / (1 − nodes[k]) */
  readonly coldWeights: Float64Array;
}

const RULES: QuadratureRule[] = [];

/** The Gauss–Legendre rule of `count` points on [0, 1] (computed once per count; read only). */
export function gaussLegendre(count: number): QuadratureRule {
  return (RULES[count] ??= legendreRule(count));
}

/** Newton's method on the Legendre polynomial P_count for the nodes, then the weights from its derivative. */
function legendreRule(count: number): QuadratureRule {
  const nodes = new Float64Array(count);
  const weights = new Float64Array(count);
  for (let i = 0; i < Math.ceil(count / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (count + 0.5)); // the i-th largest root, approximately
    let derivative = 1;
    for (let iteration = 0; iteration < 100; iteration++) {
      let previous = 1;
      let current = x;
      for (let j = 2; j <= count; j++)
        [previous, current] = [current, ((2 * j - 1) * x * current - (j - 1) * previous) / j];
      derivative = (count * (x * current - previous)) / (x * x - 1);
      const step = current / derivative;
      x -= step;
      if (Math.abs(step) <= 1e-16) break;
    }
    const weight = 1 / ((1 - x * x) * derivative * derivative); // 2 / ((1 − x²) P'(x)²) on [−1, 1], halved
    nodes[i] = (1 - x) / 2;
    nodes[count - 1 - i] = (1 + x) / 2;
    weights[i] = weight;
    weights[count - 1 - i] = weight;
  }
  return { nodes, weights, coldWeights: weights.map((w, k) => w / (1 - nodes[k]!)) };
}
