// Builds a drift reference (format fraudscore-reference/1) from scored rows, so an operator can make a recent window
// of live traffic the baseline (POST /drift/set-baseline). The same arithmetic as training's reference.json
// (models/fraudmodels/reference.py): every value holding at least 5 % of the non-missing values (a point mass: exact
// zeros, flags, small counts) gets a bin of its own; the rest is cut at its 1st, 5th, 10th..90th, 95th and 99th
// percentiles (numpy's default "linear" interpolation), so the tails keep their resolution; right-closed bins; shares
// of the non-missing values; the missing share; 100 quantiles and the standard deviation for the Wasserstein distance;
// and a 20-bin histogram of the probability on [0, 1]. models/conformance/default/reference.json pins the two together.
import type { DriftReference, DriftRow, ReferenceDistribution } from './psi.js';
import { DISTANCE_LEVELS, isMissing, linspace, quantile, sortedPresent } from './quantile.js';

/** A value at least this share of the non-missing values is a point mass with a bin of its own. */
export const POINT_MASS_SHARE = 0.05;
const CUT_LEVELS = [0.01, 0.05, ...linspace(0.1, 0.9, 9), 0.95, 0.99];
const HISTOGRAM_EDGES = linspace(0, 1, 21);

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

/** Population standard deviation (numpy.std's ddof=0), two passes. */
function standardDeviation(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return Math.sqrt(squares / values.length);
}

/** Cut points: each point mass isolated between itself and the largest value below it, then the rest's quantiles. */
function cutPointsOf(present: Float64Array): number[] {
  const n = present.length;
  const cuts = new Set<number>();
  const masses = new Set<number>();
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && present[j] === present[i]) j++;
    if ((j - i) / n >= POINT_MASS_SHARE) {
      masses.add(present[i]!);
      cuts.add(present[i]!);
      if (i > 0) cuts.add(present[i - 1]!);
    }
    i = j;
  }
  const rest = masses.size === 0 ? present : present.filter((v) => !masses.has(v));
  if (rest.length > 0) for (const q of CUT_LEVELS) cuts.add(quantile(rest, q));
  return [...cuts].sort((a, b) => a - b);
}

/** One distribution: cut points, shares per bin, missing share, count, quantiles and standard deviation. */
export function referenceDistribution(values: readonly (number | null | undefined)[]): ReferenceDistribution {
  const present = sortedPresent(values);
  if (present.length === 0) return { cutPoints: [], frequencies: [0], missingShare: 1, count: values.length };
  const cutPoints = cutPointsOf(present);
  const counts = new Array<number>(cutPoints.length + 1).fill(0);
  for (const v of present) counts[searchLeft(cutPoints, v)]! += 1;
  return {
    cutPoints,
    frequencies: counts.map((c) => c / present.length),
    missingShare: 1 - present.length / values.length,
    count: values.length,
    quantiles: DISTANCE_LEVELS.map((q) => quantile(present, q)),
    std: standardDeviation(present),
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
