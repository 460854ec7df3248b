// Drift chart arithmetic: PSI over time per feature with the 0.1 (watch) and 0.3 (act) lines, and labels for the
// reference's right-closed bins. Binning current values is the edge's own (binShares), so the histograms an analyst
// sees are binned exactly as the PSI the server computes.
import { DEFAULT_THRESHOLDS } from '@fraudscore/edge/psi';
import type { DriftSnapshot } from '../types.js';

export interface PsiPoint {
  at: number;
  psi: number;
}

export function psiSeries(snapshots: readonly DriftSnapshot[], feature: string): PsiPoint[] {
  const points: PsiPoint[] = [];
  for (const s of snapshots) {
    const entry = feature === '(score)' ? s.score : s.features[feature];
    if (entry && entry.psi !== null && Number.isFinite(entry.psi))
      points.push({ at: Date.parse(s.computedAt), psi: entry.psi });
  }
  return points.sort((a, b) => a.at - b.at);
}

/** The y domain always shows both threshold lines, whatever the data. */
export function psiDomain(series: readonly PsiPoint[][], thresholds = DEFAULT_THRESHOLDS): [number, number] {
  let hi = thresholds.alert * 1.25;
  for (const s of series) for (const p of s) hi = Math.max(hi, p.psi);
  return [0, hi];
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

/** The PSI chart's frame, shared by the component and its tests. */
export const PSI_FRAME = { width: 860, height: 300, margin: { top: 10, right: 120, bottom: 40, left: 56 } } as const;

/** PSI → y pixel: 0 at the bottom of the plot, the domain's top at its top. */
export function psiY(domain: readonly [number, number], psi: number): number {
  const { height, margin } = PSI_FRAME;
  const [lo, hi] = domain;
  const bottom = height - margin.bottom;
  return bottom - ((psi - lo) / (hi - lo)) * (bottom - margin.top);
}
