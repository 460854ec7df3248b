import { describe, expect, it } from 'vitest';
import { buildReference, referenceDistribution } from './baseline.js';
import { parseReference } from './psi.js';
import { readConformanceJson } from '../../../test/fixtures.js';

const conformance = readConformanceJson;

describe('buildReference', () => {
  it("reproduces training's reference.json exactly on the conformance rows (NaNs and split edges included)", () => {
    const scores = conformance('scores.json');
    const want = conformance('reference.json');
    const rows = scores.rows.map((r: { features: (number | null)[]; probability: number }) => ({
      features: r.features,
      probability: r.probability,
    }));
    const got = buildReference(rows, scores.features);
    // Bit for bit: the same quantile interpolation, binning and division order as numpy; the standard deviation to
    // 1e-12 relative (numpy sums pairwise).
    const withoutStd = (d: { std?: number }) => ({ ...d, std: undefined });
    for (const name of scores.features as string[]) {
      expect(withoutStd(got.features[name]!), name).toEqual(withoutStd(want.features[name]));
      expect(got.features[name]!.std!, name).toBeCloseTo(want.features[name].std, 12);
    }
    expect(withoutStd(got.score)).toEqual(withoutStd(want.score));
    expect(got.score.std!).toBeCloseTo(want.score.std, 12);
    expect(() => parseReference(JSON.parse(JSON.stringify(got)))).not.toThrow();
  });

  it('handles one value, ties (point masses) and all-missing columns', () => {
    expect(referenceDistribution([5])).toEqual({
      cutPoints: [5],
      frequencies: [1, 0],
      missingShare: 0,
      count: 1,
      quantiles: new Array(100).fill(5),
      std: 0,
    });
    // 0 and 1 are both point masses: bins (-inf, 0], (0, 1], (1, inf).
    expect(referenceDistribution([0, 0, 0, 1])).toMatchObject({ cutPoints: [0, 1], frequencies: [0.75, 0.25, 0] });
    // A point mass among spread values: cut at it and at the largest value below it, so its bin holds it alone.
    const spread = [...Array.from({ length: 95 }, (_, i) => i + 0.5), ...new Array(5).fill(50)];
    const ref = referenceDistribution(spread);
    const at = ref.cutPoints.indexOf(50);
    expect(ref.cutPoints[at - 1]).toBe(49.5);
    expect(ref.frequencies[at]).toBe(0.05);
    expect(referenceDistribution([null, Number.NaN])).toEqual({
      cutPoints: [],
      frequencies: [0],
      missingShare: 1,
      count: 2,
    });
  });
});
