// The path of unique features of TreeSHAP (Lundberg et al., arXiv:1802.03888, Algorithm 2) and its three
// operations, on flat typed arrays. A path of `depth` features occupies entries at..at+depth: entry `at` is the
// dummy root element (feature -1), then one element per unique feature with its zero fraction (share of cover
// that follows the path when the feature is unknown), one fraction (1 if the row itself follows the path, else 0)
// and pweight[k] = summed permutation weight of the subsets of size k of the path's features.

/** Flat storage for one or more paths; an entry is (feature, zero, one, weight) at the same index. */
export interface PathBuffer {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;
}

/** A path buffer of `size` entries. */
export function newPathBuffer(size: number): PathBuffer {
  return {
    feature: new Int32Array(size),
    zero: new Float64Array(size),
    one: new Float64Array(size),
    weight: new Float64Array(size),
  };
}

/** Copies entries from..from+count-1 to to..to+count-1 (a child starts from its parent's path). */
export function copyPath(p: PathBuffer, from: number, to: number, count: number): void {
  for (let i = 0; i < count; i++) {
    p.feature[to + i] = p.feature[from + i]!;
    p.zero[to + i] = p.zero[from + i]!;
    p.one[to + i] = p.one[from + i]!;
    p.weight[to + i] = p.weight[from + i]!;
  }
}

/** EXTEND: appends (feature, zero, one) as entry at+depth and updates the subset-size weights. */
export function extendPath(p: PathBuffer, at: number, depth: number, zero: number, one: number, feature: number): void {
  const w = p.weight;
  p.feature[at + depth] = feature;
  p.zero[at + depth] = zero;
  p.one[at + depth] = one;
  w[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    w[at + i + 1]! += (one * w[at + i]! * (i + 1)) / (depth + 1);
    w[at + i] = (zero * w[at + i]! * (depth - i)) / (depth + 1);
  }
}

/** UNWIND: removes entry at+k from a path of entries at..at+depth (the inverse of EXTEND); later entries move down. */
export function unwindPath(p: PathBuffer, at: number, depth: number, k: number): void {
  const w = p.weight;
  const one = p.one[at + k]!;
  const zero = p.zero[at + k]!;
  let next = w[at + depth]!;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = w[at + i]!;
      w[at + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (w[at + i]! * zero * (depth - i)) / (depth + 1);
    } else {
      w[at + i] = (w[at + i]! * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = k; i < depth; i++) {
    p.feature[at + i] = p.feature[at + i + 1]!;
    p.zero[at + i] = p.zero[at + i + 1]!;
    p.one[at + i] = p.one[at + i + 1]!;
  }
}

/** UNWOUND SUM: Σ of the weights of the path with entry at+k removed, leaving the path unchanged. */
export function unwoundPathSum(p: PathBuffer, at: number, depth: number, k: number): number {
  const w = p.weight;
  const one = p.one[at + k]!;
  const zero = p.zero[at + k]!;
  let next = w[at + depth]!;
  let total = 0;
  if (one !== 0) {
    for (let i = depth - 1; i >= 0; i--) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = w[at + i]! - (tmp * zero * (depth - i)) / (depth + 1);
    }
  } else {
    for (let i = depth - 1; i >= 0; i--) total += w[at + i]! / zero / ((depth - i) / (depth + 1));
  }
  return total;
}

/** Position k in 1..depth of `feature` on the path, or -1. */
export function findInPath(p: PathBuffer, at: number, depth: number, feature: number): number {
  for (let k = 1; k <= depth; k++) if (p.feature[at + k] === feature) return k;
  return -1;
}
