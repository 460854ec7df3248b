import { describe, expect, it } from 'vitest';
import { decide } from './gate.js';
import { aucRoc, averagePrecision, type Labelled } from './metrics.js';

const labels = [0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1] as const;
const scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.05, 0.4, 0.4, 0.2, 0.7, 0.65];
const rows: Labelled[] = labels.map((label, i) => ({ label, score: scores[i]! }));

describe('gate metrics', () => {
  it("equal scikit-learn's roc_auc_score and average_precision_score, ties included", () => {
    // models/.venv/bin/python -c "from sklearn.metrics import *; y=[0,0,1,1,0,1,0,0,1,0,0,1];
    //   s=[0.1,0.4,0.35,0.8,0.4,0.9,0.05,0.4,0.4,0.2,0.7,0.65]; print(roc_auc_score(y,s), average_precision_score(y,s))"
    expect(aucRoc(rows)).toBeCloseTo(0.7857142857142858, 15);
    expect(averagePrecision(rows)).toBeCloseTo(0.7611111111111111, 15);
  });

  it('are 1 for a perfect ranking and undefined without both classes', () => {
    const perfect: Labelled[] = [
      { label: 0, score: 0.1 },
      { label: 1, score: 0.9 },
      { label: 0, score: 0.2 },
    ];
    expect(aucRoc(perfect)).toBe(1);
    expect(averagePrecision(perfect)).toBe(1);
    expect(aucRoc([{ label: 1, score: 1 }])).toBeNaN();
    expect(averagePrecision([{ label: 0, score: 1 }])).toBeNaN();
  });
});

describe('promotion gate', () => {
  const champion = { averagePrecision: 0.7, aucRoc: 0.87 };
  it('promotes within the AP tolerance when AUC does not fall', () => {
    expect(decide({ challenger: { averagePrecision: 0.695, aucRoc: 0.87 }, champion, apTolerance: 0.01 }).promote).toBe(
      true,
    );
    expect(
      decide({ challenger: { averagePrecision: 0.5, aucRoc: 0.5 }, champion: undefined, apTolerance: 0 }),
    ).toMatchObject({ promote: true, reason: expect.stringMatching(/no champion/) });
  });
  it('refuses an AP fall beyond the tolerance, or any AUC fall, and says why', () => {
    expect(decide({ challenger: { averagePrecision: 0.68, aucRoc: 0.9 }, champion, apTolerance: 0.01 })).toMatchObject({
      promote: false,
      reason: expect.stringMatching(/Average Precision falls by 0.0200/),
    });
    expect(
      decide({ challenger: { averagePrecision: 0.75, aucRoc: 0.869 }, champion, apTolerance: 0.01 }),
    ).toMatchObject({ promote: false, reason: expect.stringMatching(/AUC ROC falls/) });
  });
});
