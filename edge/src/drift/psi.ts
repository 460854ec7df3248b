// Population stability index of live features and scores against the bundle's reference.json
// (format fraudscore-reference/1: per feature cutPoints, frequencies over right-closed bins, missingShare, count).

/**
 * Shares below this are raised to it before the logarithm: an empty bin on either side would otherwise make
 * ln(a / e) infinite. 1e-4 caps one empty bin's contribution at (share) · ln(share / 1e-4) — about 0.69 for a bin
 * holding 10 % on the other side — so a single empty bin can reach "alert" but not dominate without bound.
 */
export const DEFAULT_EPSILON = 1e-4;

/** Warn above 0.1, alert above 0.3 (the original service's thresholds). */
export const DEFAULT_THRESHOLDS: DriftThresholds = Object.freeze({ warn: 0.1, alert: 0.3 });

export interface DriftThresholds {
  warn: number;
  alert: number;
}

export type DriftLevel = 'ok' | 'warn' | 'alert';

/**
 * PSI = Σ (a − e) · ln(a / e) over bins, with each share floored at `epsilon` (see DEFAULT_EPSILON).
 * 0 for identical distributions; symmetric in its arguments; the two lists must have the same length.
 */
export function psi(
  expectedShares: readonly number[],
  actualShares: readonly number[],
  epsilon = DEFAULT_EPSILON,
): number {
  if (expectedShares.length !== actualShares.length) {
    throw new Error(`psi: ${expectedShares.length} expected shares but ${actualShares.length} actual shares`);
  }
  if (!(epsilon > 0)) throw new Error('psi: epsilon must be positive');
  let total = 0;
  for (let i = 0; i < expectedShares.length; i++) {
    const e = Math.max(expectedShares[i]!, epsilon);
    const a = Math.max(actualShares[i]!, epsilon);
    total += (a - e) * Math.log(a / e);
  }
  return total;
}

export interface BinnedShares {
  /** Share of the non-missing values in each bin: cutPoints.length + 1 bins; all 0 when nothing is non-missing. */
  shares: number[];
  /** Share of all values that are missing (null, undefined or NaN); 0 for no values. */
  missingShare: number;
  /** All values, and the non-missing ones. */
  count: number;
  present: number;
}

/** The bin of a value: (-inf, c0] → 0, (c0, c1] → 1, …, (c_last, +inf) → cutPoints.length (right-closed). */
export function binIndex(value: number, cutPoints: readonly number[]): number {
  let lo = 0;
  let hi = cutPoints.length;
  // first i with value <= cutPoints[i]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= cutPoints[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const isMissing = (v: number | null | undefined): v is null | undefined =>
  v === null || v === undefined || Number.isNaN(v);

/** Shares of the non-missing values in reference.json's right-closed bins, with the missing share separately. */
export function binShares(values: readonly (number | null | undefined)[], cutPoints: readonly number[]): BinnedShares {
  const counts = new Array<number>(cutPoints.length + 1).fill(0);
  let present = 0;
  for (const v of values) {
    if (isMissing(v)) continue;
    const i = binIndex(v, cutPoints);
    counts[i] = counts[i]! + 1;
    present++;
  }
  return {
    shares: counts.map((c) => (present === 0 ? 0 : c / present)),
    missingShare: values.length === 0 ? 0 : (values.length - present) / values.length,
    count: values.length,
    present,
  };
}

export interface ReferenceDistribution {
  cutPoints: readonly number[];
  frequencies: readonly number[];
  missingShare: number;
  count: number;
}

export interface DriftReference {
  format: 'fraudscore-reference/1';
  features: Readonly<Record<string, ReferenceDistribution>>;
  score: ReferenceDistribution & { histogram?: { edges: readonly number[]; frequencies: readonly number[] } };
}

function distribution(value: unknown, where: string): ReferenceDistribution {
  const d = value as Partial<Record<keyof ReferenceDistribution, unknown>> | null;
  const numbers = (x: unknown): x is number[] =>
    Array.isArray(x) && x.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (typeof d !== 'object' || d === null) throw new Error(`reference.json: ${where} is not an object`);
  if (!numbers(d.cutPoints)) throw new Error(`reference.json: ${where}.cutPoints must be a list of numbers`);
  if (!numbers(d.frequencies) || d.frequencies.length !== d.cutPoints.length + 1) {
    throw new Error(`reference.json: ${where}.frequencies must be ${d.cutPoints.length + 1} numbers (one per bin)`);
  }
  if (typeof d.missingShare !== 'number' || typeof d.count !== 'number')
    throw new Error(`reference.json: ${where} needs missingShare and count`);
  return { cutPoints: d.cutPoints, frequencies: d.frequencies, missingShare: d.missingShare, count: d.count };
}

/** Validates parsed reference.json (format fraudscore-reference/1); throws an Error naming the bad part. */
export function parseReference(json: unknown): DriftReference {
  const r = json as { format?: unknown; features?: unknown; score?: unknown } | null;
  if (typeof r !== 'object' || r === null || r.format !== 'fraudscore-reference/1') {
    throw new Error('reference.json: format must be fraudscore-reference/1');
  }
  if (typeof r.features !== 'object' || r.features === null)
    throw new Error('reference.json: features must be an object');
  const features: Record<string, ReferenceDistribution> = {};
  for (const [name, value] of Object.entries(r.features)) features[name] = distribution(value, `features.${name}`);
  const score = distribution(r.score, 'score');
  const histogram = (r.score as { histogram?: DriftReference['score']['histogram'] }).histogram;
  return { format: 'fraudscore-reference/1', features, score: histogram ? { ...score, histogram } : score };
}

export interface DriftRow {
  /** Model-input features in featureNames order; null for missing. */
  features: readonly (number | null)[];
  probability: number | null;
}

export interface DistributionDrift {
  /** PSI of the non-missing values against the reference bins; null when the window has no non-missing value. */
  psi: number | null;
  missingShare: number;
  referenceMissingShare: number;
  /** Values in the window (with missing). */
  count: number;
  level: DriftLevel;
}

export interface DriftReport {
  /** Rows compared. */
  rows: number;
  features: Record<string, DistributionDrift>;
  score: DistributionDrift;
  /** The worst level over the features and the score. */
  level: DriftLevel;
  thresholds: DriftThresholds;
}

export interface DriftOptions {
  epsilon?: number;
  thresholds?: DriftThresholds;
}

/** ok up to warn, warn above it, alert above alert; null (no data) is ok. */
export function driftLevel(value: number | null, thresholds: DriftThresholds = DEFAULT_THRESHOLDS): DriftLevel {
  if (value === null) return 'ok';
  if (value > thresholds.alert) return 'alert';
  if (value > thresholds.warn) return 'warn';
  return 'ok';
}

const RANK: Record<DriftLevel, number> = { ok: 0, warn: 1, alert: 2 };

function compare(
  values: readonly (number | null | undefined)[],
  ref: ReferenceDistribution,
  epsilon: number,
  thresholds: DriftThresholds,
): DistributionDrift {
  const binned = binShares(values, ref.cutPoints);
  const value = binned.present === 0 ? null : psi(ref.frequencies, binned.shares, epsilon);
  return {
    psi: value,
    missingShare: binned.missingShare,
    referenceMissingShare: ref.missingShare,
    count: binned.count,
    level: driftLevel(value, thresholds),
  };
}

/**
 * PSI per feature and for the score against the reference. Row features are in `featureNames` order; every name
 * must have a reference distribution. The level is driven by PSI only; the missing shares are reported beside it.
 */
export function computeDrift(
  reference: DriftReference,
  rows: readonly DriftRow[],
  featureNames: readonly string[],
  options: DriftOptions = {},
): DriftReport {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  const features: Record<string, DistributionDrift> = {};
  let level: DriftLevel = 'ok';
  featureNames.forEach((name, index) => {
    const ref = reference.features[name];
    if (!ref) throw new Error(`drift: feature ${name} has no reference distribution`);
    const drift = compare(
      rows.map((r) => r.features[index]),
      ref,
      epsilon,
      thresholds,
    );
    features[name] = drift;
    if (RANK[drift.level] > RANK[level]) level = drift.level;
  });
  const score = compare(
    rows.map((r) => r.probability),
    reference.score,
    epsilon,
    thresholds,
  );
  if (RANK[score.level] > RANK[level]) level = score.level;
  return { rows: rows.length, features, score, level, thresholds: { ...thresholds } };
}
