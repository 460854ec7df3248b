import { describe, expect, it } from 'vitest';
import { previewThreshold } from './threshold.js';

describe('threshold preview', () => {
  const rows = [
    { probability: 0.9, label: 'fraud' as const },
    { probability: 0.6, label: 'legitimate' as const },
    { probability: 0.5, label: null },
    { probability: 0.2, label: 'fraud' as const },
    { probability: 0.1, label: 'legitimate' as const },
  ];
  it('blocks at or above the threshold and scores the labelled ones', () => {
    const p = previewThreshold(rows, 0.5);
    expect(p).toMatchObject({
      total: 5,
      blocked: 3,
      labelled: 4,
      truePositives: 1,
      falsePositives: 1,
      falseNegatives: 1,
    });
    expect(p.precision).toBe(0.5);
    expect(p.recall).toBe(0.5);
    expect(previewThreshold(rows, 0.15)).toMatchObject({ blocked: 4, precision: 2 / 3, recall: 1 });
  });
  it('says null when there is nothing to divide by', () => {
    expect(previewThreshold(rows, 0.95)).toMatchObject({ blocked: 0, precision: null, recall: 0 });
    expect(previewThreshold([], 0.5)).toMatchObject({ precision: null, recall: null });
  });
});
