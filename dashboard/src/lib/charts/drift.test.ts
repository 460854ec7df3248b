// Drift chart arithmetic: the 0.1 and 0.3 lines sit at the y the scale gives those PSI values; bins are right-closed
// like the reference's.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { driftLevel } from '@fraudscore/edge/psi';
import type { DriftSnapshot } from '../types.js';
import { binLabels, PSI_FRAME, psiDomain, psiSeries, psiY } from './drift.js';
import PsiChart from './PsiChart.svelte';

function snapshot(at: string, psi: Record<string, number>): DriftSnapshot {
  const entry = (v: number) => ({
    psi: v,
    wasserstein: null,
    missingShare: 0,
    referenceMissingShare: 0,
    count: 100,
    present: 100,
    level: driftLevel(v),
  });
  return {
    rows: 100,
    level: 'ok',
    computedAt: at,
    thresholds: { warn: 0.1, alert: 0.3 },
    distanceThresholds: { warn: 0.15, alert: 0.2 },
    minRows: 100,
    window: { from: at, to: at },
    baseline: { source: 'bundle', modelVersion: '1.0.0', window: null, rows: null, setBy: null, setAt: null },
    features: Object.fromEntries(Object.entries(psi).map(([k, v]) => [k, entry(v)])),
    score: entry(0.05),
  };
}

describe('PSI chart', () => {
  const snapshots = [
    snapshot('2026-01-01T10:00:00Z', { A: 0.02, B: 0.5 }),
    snapshot('2026-01-01T11:00:00Z', { A: 0.2, B: 0.9 }),
  ];

  it('maps PSI to y linearly: 0 at the bottom, 0.1 and 0.3 in proportion', () => {
    const domain = psiDomain([psiSeries(snapshots, 'A'), psiSeries(snapshots, 'B')]);
    expect(domain).toEqual([0, 0.9]);
    const bottom = PSI_FRAME.height - PSI_FRAME.margin.bottom;
    expect(psiY(domain, 0)).toBe(bottom);
    expect(psiY(domain, 0.9)).toBeCloseTo(PSI_FRAME.margin.top, 9);
    expect(bottom - psiY(domain, 0.3)).toBeCloseTo(3 * (bottom - psiY(domain, 0.1)), 9);
    // Both lines are always in view, even when every PSI is tiny.
    expect(psiDomain([[{ at: 0, psi: 0.01 }]])[1]).toBeGreaterThan(0.3);
  });

  it('draws the 0.1 and 0.3 lines at those y values', () => {
    const { body } = render(PsiChart, { props: { snapshots, features: ['A', 'B'], selected: 'A' } });
    const domain = psiDomain([psiSeries(snapshots, 'A')]); // scaled to the chosen feature
    expect(domain).toEqual([0, 0.375]);
    const y = (id: string): number => Number(new RegExp(`data-testid="${id}"[^>]*?y1="([^"]+)"`).exec(body)![1]);
    expect(y('psi-warn')).toBeCloseTo(psiY(domain, 0.1), 9);
    expect(y('psi-alert')).toBeCloseTo(psiY(domain, 0.3), 9);
    expect(body).toContain('Population stability index per feature over time');
    expect(body).toContain('PSI (unitless)');
    expect(body).toMatch(/<desc[^>]*>2 snapshots\. A: /);
  });

  it('orders series by time and skips missing PSI', () => {
    expect(psiSeries([snapshots[1]!, snapshots[0]!], 'A').map((p) => p.psi)).toEqual([0.02, 0.2]);
    expect(psiSeries(snapshots, 'C')).toEqual([]);
  });
});

describe('histograms', () => {
  it('labels right-closed bins between cut points like reference.json', () => {
    expect(binLabels([0, 1], String)).toEqual(['≤ 0', '0–1', '> 1']);
  });
});
