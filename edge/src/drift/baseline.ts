// Builds a drift reference (format fraudscore-reference/1) from scored rows, so an operator can make a recent window
// of live traffic the baseline (POST /drift/set-baseline). The same arithmetic as training's reference.json
// (models/fraudmodels/reference.py): cut points at the 10th..90th percentiles (numpy's default "linear"
// interpolation), deduplicated; right-closed bins; shares of the non-missing values; the missing share; and a 20-bin
// histogram of the probability on [0, 1]. models/conformance/default/reference.json pins the two together.
import type { DriftReference, DriftRow, ReferenceDistribution } from './psi.js';

/** numpy.linspace(start, stop, num): start + i·step, the last one exactly stop. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

const QUANTILES = linspace(0.1, 0.9, 9);
const HISTOGRAM_EDGES = linspace(0, 1, 21);

/** numpy.quantile(sorted, q, method="linear"): virtual index (n - 1)·q, then numpy's interpolation. */
function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const index = (n - 1) * q;
  const lo = Math.max(0, Math.min(n - 1, Math.floor(index)));
  const hi = Math.min(n - 1, lo + 1);
  const t = index - lo; // numpy's gamma
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  const diff = b - a;
  // numpy's _lerp: from below under one half, from above at or over it.
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** The first i with value <= cuts[i] (numpy.searchsorted side="left"). */
function searchLeft(cuts: readonly number[], value: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const isMissing = (v: number | null | undefined): v is null | undefined =>
  v === null || v === undefined || Number.isNaN(v);

/** One distribution: cut points, shares per bin, missing share, count. */
export function referenceDistribution(values: readonly (number | null | undefined)[]): ReferenceDistribution {
  const present = Float64Array.from(values.filter((v): v is number => !isMissing(v))).sort();
  if (present.length === 0) return { cutPoints: [], frequencies: [0], missingShare: 1, count: values.length };
  const cutPoints = [...new Set(QUANTILES.map((q) => quantile(present, q)))].sort((a, b) => a - b);
  const counts = new Array<number>(cutPoints.length + 1).fill(0);
  for (const v of present) counts[searchLeft(cutPoints, v)]! += 1;
  return {
    cutPoints,
    frequencies: counts.map((c) => c / present.length),
    missingShare: 1 - present.length / values.length,
    count: values.length,
  };
}

/** numpy.histogram over HISTOGRAM_EDGES: [e_i, e_i+1), the last bin closed; values outside are not counted. */
function probabilityHistogram(values: readonly number[]): { edges: number[]; frequencies: number[] } {
  const bins = HISTOGRAM_EDGES.length - 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (!(v >= 0 && v <= 1)) continue;
    let i = Math.min(bins - 1, Math.floor(v * bins));
    if (v < HISTOGRAM_EDGES[i]!) i -= 1;
    else if (i < bins - 1 && v >= HISTOGRAM_EDGES[i + 1]!) i += 1;
    counts[i]! += 1;
  }
  return { edges: [...HISTOGRAM_EDGES], frequencies: counts.map((c) => c / Math.max(values.length, 1)) };
}

/** The reference of `rows` (features in featureNames order). */
export function buildReference(rows: readonly DriftRow[], featureNames: readonly string[]): DriftReference {
  const features: Record<string, ReferenceDistribution> = {};
  featureNames.forEach((name, j) => {
    features[name] = referenceDistribution(rows.map((r) => r.features[j]));
  });
  const probabilities = rows.map((r) => r.probability);
  const score = referenceDistribution(probabilities);
  return {
    format: 'fraudscore-reference/1',
    features,
    score: { ...score, histogram: probabilityHistogram(probabilities.filter((p): p is number => !isMissing(p))) },
  };
}
