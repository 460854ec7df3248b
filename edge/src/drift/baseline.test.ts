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
    // Bit for bit: the same quantile interpolation, binning and division order as numpy.
    expect(got.features).toEqual(want.features);
    expect(got.score).toEqual(want.score);
    expect(() => parseReference(JSON.parse(JSON.stringify(got)))).not.toThrow();
  });

  it('handles one value, ties and all-missing columns', () => {
    expect(referenceDistribution([5])).toEqual({ cutPoints: [5], frequencies: [1, 0], missingShare: 0, count: 1 });
    expect(referenceDistribution([0, 0, 0, 1])).toMatchObject({
      cutPoints: [0, 0.10000000000000009, 0.40000000000000036, 0.7000000000000002],
      frequencies: [0.75, 0, 0, 0, 0.25],
    });
    expect(referenceDistribution([null, Number.NaN])).toEqual({
      cutPoints: [],
      frequencies: [0],
      missingShare: 1,
      count: 2,
    });
  });
});
