// Drift chart arithmetic: PSI over time per feature, the 0.1 (watch) and 0.3 (act) lines, and histograms of current
// values binned exactly like the reference (right-closed bins between cut points).
import type { DriftSnapshot, ReferenceHistogram } from '../types.js';

export interface PsiPoint {
  at: number;
  psi: number;
}

export function psiSeries(snapshots: readonly DriftSnapshot[], feature: string): PsiPoint[] {
  const points: PsiPoint[] = [];
  for (const s of snapshots) {
    const entry = feature === '(score)' ? s.score : s.features[feature];
    if (entry && entry.psi !== null && Number.isFinite(entry.psi)) points.push({ at: Date.parse(s.computedAt), psi: entry.psi });
  }
  return points.sort((a, b) => a.at - b.at);
}

/** The y domain always shows both threshold lines, whatever the data. */
export function psiDomain(series: readonly PsiPoint[][], thresholds = { warn: 0.1, alert: 0.3 }): [number, number] {
  let hi = thresholds.alert * 1.25;
  for (const s of series) for (const p of s) hi = Math.max(hi, p.psi);
  return [0, hi];
}

/** Index of the right-closed bin: bin i holds (cut[i-1], cut[i]]; the last bin everything above the last cut. */
export function binIndex(cutPoints: readonly number[], value: number): number {
  let lo = 0;
  let hi = cutPoints.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= cutPoints[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface Binned {
  shares: number[];
  missingShare: number;
  count: number;
}

/** Shares of non-missing values per reference bin, and the share missing. */
export function binLike(reference: Pick<ReferenceHistogram, 'cutPoints'>, values: readonly (number | null | undefined)[]): Binned {
  const counts = new Array<number>(reference.cutPoints.length + 1).fill(0);
  let missing = 0;
  for (const v of values) {
    if (v === null || v === undefined || Number.isNaN(v)) missing += 1;
    else counts[binIndex(reference.cutPoints, v)]! += 1;
  }
  const present = values.length - missing;
  return { shares: counts.map((c) => (present > 0 ? c / present : 0)), missingShare: values.length ? missing / values.length : 0, count: values.length };
}

/** Human labels for right-closed bins: ≤ a, (a, b], > z. */
export function binLabels(cutPoints: readonly number[], format: (n: number) => string): string[] {
  const labels: string[] = [];
  for (let i = 0; i <= cutPoints.length; i++) {
    if (i === 0) labels.push(`≤ ${format(cutPoints[0] ?? 0)}`);
    else if (i === cutPoints.length) labels.push(`> ${format(cutPoints[i - 1]!)}`);
    else labels.push(`${format(cutPoints[i - 1]!)}–${format(cutPoints[i]!)}`);
  }
  return labels;
}

/** Shares of probabilities in [edges[i], edges[i+1]) (the last bin closed). */
export function histogram(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(Math.max(0, edges.length - 1)).fill(0);
  for (const v of values) {
    for (let i = 0; i < counts.length; i++) {
      if (v >= edges[i]! && (v < edges[i + 1]! || (i === counts.length - 1 && v <= edges[i + 1]!))) {
        counts[i]! += 1;
        break;
      }
    }
  }
  return counts.map((c) => (values.length ? c / values.length : 0));
}

/** The PSI chart's frame, shared by the component and its tests. */
export const PSI_FRAME = { width: 860, height: 300, margin: { top: 10, right: 120, bottom: 40, left: 56 } } as const;

/** PSI → y pixel: 0 at the bottom of the plot, the domain's top at its top. */
export function psiY(domain: readonly [number, number], psi: number): number {
  const { height, margin } = PSI_FRAME;
  const [lo, hi] = domain;
  const bottom = height - margin.bottom;
  return bottom - ((psi - lo) / (hi - lo)) * (bottom - margin.top);
}
