// Rows drawn from a reference distribution (deterministic for a seed): for tests, demos and sanity checks.
import type { DriftReference, DriftRow, ReferenceDistribution } from './psi.js';

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A value in a bin picked by the reference frequencies (missing with the reference missing share). With quantiles, one
 * of the reference's quantiles inside that bin (or the bin's upper cut, a point mass's own value, when none is), so
 * both PSI and the Wasserstein distance see the reference's own distribution; else a value spread over the bin.
 */
export function sampleValue(ref: ReferenceDistribution, random: () => number): number | null {
  if (random() < ref.missingShare) return null;
  const cuts = ref.cutPoints;
  let u = random();
  let bin = ref.frequencies.length - 1;
  for (let i = 0; i < ref.frequencies.length; i++) {
    u -= ref.frequencies[i]!;
    if (u < 0) {
      bin = i;
      break;
    }
  }
  const first = cuts[0] ?? 0;
  const last = cuts[cuts.length - 1] ?? 0;
  if (ref.quantiles) {
    const lo = bin === 0 ? -Infinity : cuts[bin - 1]!;
    const hi = bin >= cuts.length ? Infinity : cuts[bin]!;
    const inside = ref.quantiles.filter((q) => q > lo && q <= hi);
    if (inside.length > 0) return inside[Math.floor(random() * inside.length)]!;
    if (Number.isFinite(hi)) return hi;
  }
  if (bin === 0) return first; // (-inf, c0]: c0 itself is in it
  if (bin >= cuts.length) return last + 1 + random(); // (c_last, +inf)
  const lo = cuts[bin - 1]!;
  const hi = cuts[bin]!;
  return hi - (hi - lo) * random() * 0.999; // in (lo, hi]
}

export function sampleRows(
  reference: DriftReference,
  featureNames: readonly string[],
  n: number,
  seed = 1,
): DriftRow[] {
  const random = seededRandom(seed);
  const rows: DriftRow[] = [];
  for (let r = 0; r < n; r++) {
    const features = featureNames.map((name) => {
      const ref = reference.features[name];
      if (!ref) throw new Error(`no reference for ${name}`);
      return sampleValue(ref, random);
    });
    rows.push({ features, probability: sampleValue(reference.score, random) });
  }
  return rows;
}
