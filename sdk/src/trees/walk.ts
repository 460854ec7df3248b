// Algorithm 2 of Lundberg et al. (arXiv:1802.03888) as a depth-first walk of one tree per call: the reference
// TreeSHAP, used for trees whose leaf tables (tables.ts) would be too big, and by the tests as a cross-check.

import { goesLeft } from './evaluate.js';
import type { TreeModel } from './model.js';
import {
  copyPath,
  extendPath,
  findInPath,
  newPathBuffer,
  unwindPath,
  unwoundPathSum,
  type PathBuffer,
} from './path.js';

/** Walks trees for one prepared row; path level L (= node depth) uses entries L·stride .. L·stride + L. */
export class RecursiveTreeShap {
  private readonly stride: number;
  private readonly path: PathBuffer;
  private model!: TreeModel;
  private x!: Float64Array;
  private phi!: Float64Array;

  constructor(maxDepth: number) {
    this.stride = maxDepth + 1;
    this.path = newPathBuffer(this.stride * (maxDepth + 1));
  }

  /** Adds the SHAP values of tree t (which must have a split) for the prepared row x to phi. */
  addTree(model: TreeModel, t: number, x: Float64Array, phi: Float64Array): void {
    this.model = model;
    this.x = x;
    this.phi = phi;
    this.visit(model.treeStart[t]!, 0, 0, 1, 1, -1);
  }

  /** Enters `node` with the parent's path: EXTEND it by the parent's split, then credit a leaf or descend. */
  private visit(node: number, level: number, depth: number, zero: number, one: number, feature: number): void {
    const m = this.model;
    const p = this.path;
    const at = level * this.stride;
    if (depth > 0) copyPath(p, at - this.stride, at, depth);
    extendPath(p, at, depth, zero, one, feature);
    const f = m.feature[node]!;
    if (f < 0) {
      this.creditLeaf(at, depth, m.value[node]!);
      return;
    }
    const hot = goesLeft(m, node, this.x) ? m.left[node]! : m.right[node]!; // the row's own path
    const cold = hot === m.left[node] ? m.right[node]! : m.left[node]!;
    let incomingZero = 1;
    let incomingOne = 1;
    const k = findInPath(p, at, depth, f);
    if (k >= 0) {
      // the feature was split on above: undo that element and redo it with both splits' fractions combined
      incomingZero = p.zero[at + k]!;
      incomingOne = p.one[at + k]!;
      unwindPath(p, at, depth, k);
      depth -= 1;
    }
    const cover = m.cover[node]!;
    this.visit(hot, level + 1, depth + 1, (m.cover[hot]! / cover) * incomingZero, incomingOne, f);
    this.visit(cold, level + 1, depth + 1, (m.cover[cold]! / cover) * incomingZero, 0, f);
  }

  /** At a leaf every path feature i gets value × (one_i − zero_i) × UNWOUND SUM(i). */
  private creditLeaf(at: number, depth: number, value: number): void {
    const p = this.path;
    for (let i = 1; i <= depth; i++) {
      const weight = unwoundPathSum(p, at, depth, i);
      this.phi[p.feature[at + i]!]! += weight * (p.one[at + i]! - p.zero[at + i]!) * value;
    }
  }
}
