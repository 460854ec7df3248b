// After a restart the server-side state lives only in storage: the feature history (customer windows, terminal
// counts and risk, labels with the times they became known) and the label statistics behind false_positive_rate and model_accuracy_daily. This rebuilds
// both from the stored scored transactions, so the first score after a restart sees the same history as the last
// one before it.
import { applyLabel, EMPTY_LABEL_STATS, type LabelStats } from '../metrics/labels.js';
import { listAll, type Storage } from '../storage/index.js';
import type { MemoryHistoryStore } from '@fraudscore/sdk';

export interface RestoreInput {
  storage: Storage;
  /** The process's own history (a shared one is not restored: it outlives the process). */
  history: MemoryHistoryStore;
  /**
   * Where the restored window ends (epoch ms): transactions newer than it minus history.retentionMs are restored.
   * Default: the newest stored transaction's time, so the window follows the data's time, not the wall clock (a store
   * back-filled with 2018 history restores 2018's last weeks).
   */
  now?: number;
}

export interface RestoredState {
  /** Transactions added to the history. */
  transactions: number;
  /** Labels restored into the history. */
  labels: number;
  /**
   * Label statistics folded in label order from the restored window's labels (what the metrics would hold had the
   * process run through that window).
   */
  labelStats: LabelStats;
}

export async function restoreState({ storage, history, now }: RestoreInput): Promise<RestoredState> {
  const end = now ?? (await storage.list({ limit: 1 })).items[0]?.transaction.timestamp;
  if (end === undefined) return { transactions: 0, labels: 0, labelStats: EMPTY_LABEL_STATS };
  // Oldest first, so the history appends instead of inserting.
  const records = (await listAll(storage, { from: end - history.retentionMs })).reverse();
  let transactions = 0;
  let labels = 0;
  for (const record of records) {
    if (await history.add(record.transaction)) transactions += 1;
    // The stored decision time is the label's known-at time, as when it was first set.
    if (
      record.label &&
      (await history.setLabel(record.id, record.label.label === 'fraud' ? 1 : 0, Date.parse(record.label.at)))
    )
      labels += 1;
  }
  const labelled = records
    .filter((r) => r.label !== null)
    .sort((a, b) => Date.parse(a.label!.at) - Date.parse(b.label!.at));
  const labelStats = labelled.reduce(
    (stats, r) =>
      applyLabel(
        stats,
        { label: r.label!.label, probability: r.probability, threshold: r.threshold, blocked: r.shouldBlock },
        Date.parse(r.label!.at),
      ),
    EMPTY_LABEL_STATS,
  );
  return { transactions, labels, labelStats };
}
