// Drift of live features and scores against the baseline's reference (format fraudscore-reference/1: per feature
// cutPoints, frequencies over right-closed bins, missingShare, count; since issue 22 also quantiles and std).
//
// Two measures, each with its own thresholds, and the worse level wins:
// - PSI over the reference bins. Point masses (exact zeros, flags, small counts) have bins of their own and the tails
//   keep cut points at the 1st/5th/95th/99th percentiles (reference.py), so a change inside "non-zero" is seen.
// - Wasserstein-1 distance divided by the reference's standard deviation (floored at 0.001): Evidently's default
//   measure for numerical columns, which flags drift at >= 0.1 (its defaults as restated in the heimdall R package's
//   dde_feature_drift documentation, rdrr.io/cran/heimdall/man/dde_feature_drift.html; no code taken), computed here
//   from the reference's 100 mid-slice quantiles against the window's own. It sees a change of magnitude that stays
//   within a bin (amounts × 1.8 for a share of customers), which PSI's bins blur. Our warn threshold is 0.15 (below).
// A comparison over fewer than `minRows` values gives no level ("insufficient_data", never an alarm): PSI's expected
// value on an unchanged distribution is about (bins − 1) / n, so small windows alarm on noise.
// Every level is "value ≥ threshold" (the dashboard's ≥, the alerts' ≥): one comparison operator everywhere.
import { DISTANCE_LEVELS, isMissing, quantile, sortedPresent } from './quantile.js';

/**
 * Shares below this are raised to it before the logarithm: an empty bin on either side would otherwise make
 * ln(a / e) infinite. 1e-4 caps one empty bin's contribution at (share) · ln(share / 1e-4) — about 0.69 for a bin
 * holding 10 % on the other side — so a single empty bin can reach "alert" but not dominate without bound.
 */
export const DEFAULT_EPSILON = 1e-4;

/** PSI: warn at 0.1, alert at 0.3 (the original service's thresholds, now ≥). */
export const DEFAULT_THRESHOLDS: DriftThresholds = Object.freeze({ warn: 0.1, alert: 0.3 });

/**
 * Normalised Wasserstein distance: warn at 0.15, alert at 0.2. Evidently flags drift at 0.1; on daily windows of
 * simulated traffic (server/src/drift-evaluation.test.ts) the day-to-day variation of per-customer counts alone
 * reached 0.12, so warn sits above that; every injected shift there reached alert.
 */
export const DEFAULT_DISTANCE_THRESHOLDS: DriftThresholds = Object.freeze({ warn: 0.15, alert: 0.2 });

/** Below this many non-missing values a comparison gives no level (insufficient_data). */
export const DEFAULT_MIN_ROWS = 1000;

/** Evidently's floor on the reference standard deviation (a constant reference would divide by zero). */
const MIN_STD = 0.001;

export interface DriftThresholds {
  warn: number;
  alert: number;
}

/** ok / warn / alert by the thresholds; insufficient_data: too few values to say (never an alarm). */
export type DriftLevel = 'ok' | 'warn' | 'alert' | 'insufficient_data';
/** The levels that are alarms. */
export const ALARM_LEVELS: readonly DriftLevel[] = ['warn', 'alert'];

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
  /** Quantiles of the non-missing values at DISTANCE_LEVELS (absent in references written before issue 22). */
  quantiles?: readonly number[];
  /** Population standard deviation of the non-missing values (with quantiles). */
  std?: number;
}

export interface DriftReference {
  format: 'fraudscore-reference/1';
  /** The training window the reference was built from (training writes { from, to, rows, frauds }). */
  window?: Readonly<Record<string, unknown>>;
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
  const base = { cutPoints: d.cutPoints, frequencies: d.frequencies, missingShare: d.missingShare, count: d.count };
  if (d.quantiles === undefined) return base;
  if (!numbers(d.quantiles) || d.quantiles.length !== DISTANCE_LEVELS.length)
    throw new Error(`reference.json: ${where}.quantiles must be ${DISTANCE_LEVELS.length} numbers`);
  if (typeof d.std !== 'number' || !(d.std >= 0)) throw new Error(`reference.json: ${where}.std must be a number >= 0`);
  return { ...base, quantiles: d.quantiles, std: d.std };
}

/** Validates parsed reference.json (format fraudscore-reference/1); throws an Error naming the bad part. */
export function parseReference(json: unknown): DriftReference {
  const r = json as { format?: unknown; features?: unknown; score?: unknown; window?: unknown } | null;
  if (typeof r !== 'object' || r === null || r.format !== 'fraudscore-reference/1') {
    throw new Error('reference.json: format must be fraudscore-reference/1');
  }
  if (typeof r.features !== 'object' || r.features === null)
    throw new Error('reference.json: features must be an object');
  const features: Record<string, ReferenceDistribution> = {};
  for (const [name, value] of Object.entries(r.features)) features[name] = distribution(value, `features.${name}`);
  const score = distribution(r.score, 'score');
  const histogram = (r.score as { histogram?: DriftReference['score']['histogram'] }).histogram;
  const window =
    typeof r.window === 'object' && r.window !== null ? { window: r.window as Record<string, unknown> } : {};
  return { format: 'fraudscore-reference/1', ...window, features, score: histogram ? { ...score, histogram } : score };
}

export interface DriftRow {
  /** Model-input features in featureNames order; null for missing. */
  features: readonly (number | null)[];
  probability: number | null;
  /** When the transaction happened (epoch ms): the monitor picks the rows of a periodic feature's window by it. */
  timestamp?: number;
}

export interface DistributionDrift {
  /** PSI of the non-missing values against the reference bins; null when the window has no non-missing value. */
  psi: number | null;
  /**
   * Wasserstein-1 distance over the reference's standard deviation; null without a non-missing value or when the
   * reference has no quantiles (a reference.json written before issue 22).
   */
  wasserstein: number | null;
  missingShare: number;
  referenceMissingShare: number;
  /** Values in the window (with missing). */
  count: number;
  /** Non-missing values: fewer than minRows gives insufficient_data. */
  present: number;
  level: DriftLevel;
  /** Set when this feature was compared over another window than the report's (a calendar feature's whole periods). */
  window?: { from: string; to: string };
}

export interface DriftReport {
  /** Rows compared. */
  rows: number;
  features: Record<string, DistributionDrift>;
  score: DistributionDrift;
  /** The worst level over the features and the score; insufficient_data only when none of them had enough values. */
  level: DriftLevel;
  /** PSI thresholds. */
  thresholds: DriftThresholds;
  /** Thresholds of the normalised Wasserstein distance. */
  distanceThresholds: DriftThresholds;
  /** Fewest non-missing values a comparison needs for a level. */
  minRows: number;
}

export interface DriftOptions {
  epsilon?: number;
  thresholds?: DriftThresholds;
  distanceThresholds?: DriftThresholds;
  minRows?: number;
}

/** ok under warn, warn at or above it, alert at or above alert; null (no value) is ok. */
export function driftLevel(value: number | null, thresholds: DriftThresholds = DEFAULT_THRESHOLDS): DriftLevel {
  if (value === null) return 'ok';
  if (value >= thresholds.alert) return 'alert';
  if (value >= thresholds.warn) return 'warn';
  return 'ok';
}

const RANK: Record<DriftLevel, number> = { insufficient_data: -1, ok: 0, warn: 1, alert: 2 };

/** The worse of two levels (insufficient_data only when both are). */
export const worseLevel = (a: DriftLevel, b: DriftLevel): DriftLevel => (RANK[b] > RANK[a] ? b : a);

/**
 * W1 between the reference (its quantiles at DISTANCE_LEVELS) and the sorted window values, over max(std, 0.001):
 * the midpoint rule for ∫₀¹ |Q_ref(p) − Q_live(p)| dp, the 1-D Wasserstein distance written with quantile functions.
 */
export function normalizedWasserstein(
  referenceQuantiles: readonly number[],
  referenceStd: number,
  sortedValues: ArrayLike<number>,
): number {
  if (sortedValues.length === 0) throw new Error('normalizedWasserstein: no values');
  let total = 0;
  DISTANCE_LEVELS.forEach((p, i) => {
    total += Math.abs(referenceQuantiles[i]! - quantile(sortedValues, p));
  });
  return total / DISTANCE_LEVELS.length / Math.max(referenceStd, MIN_STD);
}

interface Settings {
  epsilon: number;
  thresholds: DriftThresholds;
  distanceThresholds: DriftThresholds;
  minRows: number;
}

function compare(
  values: readonly (number | null | undefined)[],
  ref: ReferenceDistribution,
  s: Settings,
): DistributionDrift {
  const binned = binShares(values, ref.cutPoints);
  const value = binned.present === 0 ? null : psi(ref.frequencies, binned.shares, s.epsilon);
  const distance =
    binned.present === 0 || ref.quantiles === undefined
      ? null
      : normalizedWasserstein(ref.quantiles, ref.std ?? 0, sortedPresent(values));
  const level =
    binned.present < s.minRows
      ? 'insufficient_data'
      : worseLevel(driftLevel(value, s.thresholds), driftLevel(distance, s.distanceThresholds));
  return {
    psi: value,
    wasserstein: distance,
    missingShare: binned.missingShare,
    referenceMissingShare: ref.missingShare,
    count: binned.count,
    present: binned.present,
    level,
  };
}

/**
 * Drift per feature and for the score against the reference. Row features are in `featureNames` order; every name
 * must have a reference distribution. `featureRows` gives a feature other rows than `rows` (the monitor's whole
 * periods of a calendar feature). The missing shares are reported beside the levels, not in them.
 */
export function computeDrift(
  reference: DriftReference,
  rows: readonly DriftRow[],
  featureNames: readonly string[],
  options: DriftOptions & { featureRows?: Readonly<Record<string, readonly DriftRow[]>> } = {},
): DriftReport {
  const settings: Settings = {
    epsilon: options.epsilon ?? DEFAULT_EPSILON,
    thresholds: options.thresholds ?? DEFAULT_THRESHOLDS,
    distanceThresholds: options.distanceThresholds ?? DEFAULT_DISTANCE_THRESHOLDS,
    minRows: options.minRows ?? DEFAULT_MIN_ROWS,
  };
  const features: Record<string, DistributionDrift> = {};
  let level: DriftLevel = 'insufficient_data';
  featureNames.forEach((name, index) => {
    const ref = reference.features[name];
    if (!ref) throw new Error(`drift: feature ${name} has no reference distribution`);
    const own = options.featureRows?.[name] ?? rows;
    const drift = compare(
      own.map((r) => r.features[index]),
      ref,
      settings,
    );
    features[name] = drift;
    level = worseLevel(level, drift.level);
  });
  const score = compare(
    rows.map((r) => r.probability),
    reference.score,
    settings,
  );
  level = worseLevel(level, score.level);
  return {
    rows: rows.length,
    features,
    score,
    level,
    thresholds: { ...settings.thresholds },
    distanceThresholds: { ...settings.distanceThresholds },
    minRows: settings.minRows,
  };
}

/** The name used for the score wherever features and the score are listed together. */
export const SCORE = 'score';

/** Features (and SCORE) at exactly `level`, in report order, the score last. */
export function namesAtLevel(report: Pick<DriftReport, 'features' | 'score'>, level: DriftLevel): string[] {
  const names = Object.entries(report.features)
    .filter(([, d]) => d.level === level)
    .map(([name]) => name);
  return report.score.level === level ? [...names, SCORE] : names;
}
