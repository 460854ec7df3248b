// The threshold preview: what a candidate threshold would have done to recent transactions (blocked when
// probability ≥ threshold, as the scorer decides), and among the labelled ones precision and recall for fraud.
export interface PreviewRow {
  probability: number;
  label: 'fraud' | 'legitimate' | null;
}

export interface Preview {
  total: number;
  blocked: number;
  labelled: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** null when nothing labelled would be blocked (or nothing labelled is fraud, for recall). */
  precision: number | null;
  recall: number | null;
}

export function previewThreshold(rows: readonly PreviewRow[], threshold: number): Preview {
  let blocked = 0;
  let labelled = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const row of rows) {
    const block = row.probability >= threshold;
    if (block) blocked += 1;
    if (row.label === null) continue;
    labelled += 1;
    if (block && row.label === 'fraud') tp += 1;
    else if (block) fp += 1;
    else if (row.label === 'fraud') fn += 1;
  }
  return {
    total: rows.length,
    blocked,
    labelled,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: tp + fp > 0 ? tp / (tp + fp) : null,
    recall: tp + fn > 0 ? tp / (tp + fn) : null,
  };
}
