// The two metrics the promotion gate compares, with scikit-learn's definitions (training reports the same ones):
//  - AUC ROC: the probability that a random fraud scores above a random legitimate transaction, ties counting half
//    (Mann-Whitney U over average ranks) = sklearn.metrics.roc_auc_score;
//  - Average Precision: Σ over distinct score thresholds, high to low, of (recall_k − recall_k−1) · precision_k
//    = sklearn.metrics.average_precision_score.

export interface Labelled {
  /** 1 fraud, 0 legitimate. */
  label: 0 | 1;
  score: number;
}

function counts(rows: readonly Labelled[]): { positives: number; negatives: number } {
  const positives = rows.reduce((n, r) => n + r.label, 0);
  return { positives, negatives: rows.length - positives };
}

/** NaN when either class is absent (undefined, as in scikit-learn). */
export function aucRoc(rows: readonly Labelled[]): number {
  const { positives, negatives } = counts(rows);
  if (positives === 0 || negatives === 0) return Number.NaN;
  const sorted = [...rows].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    // Ranks i+1 … j share their average.
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (sorted[k]!.label === 1) rankSum += averageRank;
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** NaN without any fraud. */
export function averagePrecision(rows: readonly Labelled[]): number {
  const { positives } = counts(rows);
  if (positives === 0) return Number.NaN;
  const sorted = [...rows].sort((a, b) => b.score - a.score);
  let truePositives = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) truePositives += sorted[j++]!.label;
    const recall = truePositives / positives;
    ap += (recall - previousRecall) * (truePositives / j);
    previousRecall = recall;
    i = j;
  }
  return ap;
}
