// numpy's quantile arithmetic, shared by the reference builder and the live side of the drift comparison so both
// read the same quantiles bit for bit (models/fraudmodels/reference.py is the Python side).

/** numpy.linspace(start, stop, num): start + i·step, the last one exactly stop. */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

/** numpy.quantile(sorted, q, method="linear"): virtual index (n - 1)·q, then numpy's interpolation. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
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

/**
 * The probability levels reference.json keeps quantiles at for the Wasserstein distance: the midpoints of 100 equal
 * slices, (i + 0.5) / 100, so the mean of |Q_ref − Q_live| over them is the midpoint rule for ∫₀¹ |Q_ref(p) − Q_live(p)| dp.
 */
export const DISTANCE_LEVELS: readonly number[] = Array.from({ length: 100 }, (_, i) => (i + 0.5) / 100);

export const isMissing = (v: number | null | undefined): v is null | undefined =>
  v === null || v === undefined || Number.isNaN(v);

/** The non-missing values, sorted ascending. */
export function sortedPresent(values: readonly (number | null | undefined)[]): Float64Array {
  return Float64Array.from(values.filter((v): v is number => !isMissing(v))).sort();
}
