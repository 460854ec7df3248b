// The server-side feature history as the scoring service uses it: one batch at a time. In one process it is the
// SDK's MemoryHistoryStore itself (memoryHistory below: synchronous, copy-free). Replicas, stream processors and
// worker processes share one store instead (the server's Redis store): it hands each batch a synchronous snapshot
// holding every entry the batch's windows can read, and adds the batch's transactions in the same step, so each
// batch is scored against the history exactly as the store had it when the batch arrived there.
import type { HistoryEntry, MemoryHistoryStore, NormalizedTransaction, SyncFeatureHistory } from '@fraudscore/sdk';

/** What one scoring call reads and records into, synchronously (the scorer records each transaction in order). */
export interface HistoryView extends SyncFeatureHistory {
  /** Records a scored transaction; false if its id is already there. */
  add(tx: NormalizedTransaction): boolean;
  /** The entry with this id as the history keeps it (the spec's fields, ids as text), if the view holds it. */
  get(id: string): HistoryEntry | undefined;
}

export interface HistoryBatch {
  view: HistoryView;
  /** The ids this batch put into the history: taken out again (remove) when the batch fails after all. */
  added: readonly string[];
}

export interface ServerHistory {
  /** How far back entries are kept: the spec's longest look-back plus a margin. */
  readonly retentionMs: number;
  /**
   * Opens the history for scoring `txs` in this order (each sees the ones before it). Idempotent by id: a transaction
   * already stored with the same content is not added again, and its windows stop just before it as they did.
   */
  open(txs: readonly NormalizedTransaction[]): Promise<HistoryBatch>;
  /** Takes transactions out again (a batch that failed after open); ids not stored are ignored. */
  remove(ids: readonly string[]): Promise<void>;
  /** Puts `tx` in place of whatever is stored under its id (another request stored other content first). */
  replace(tx: NormalizedTransaction): Promise<void>;
  /** Sets the label of a stored transaction (labels arrive late); false if the id is not stored. */
  setLabel(id: string, label: 0 | 1 | null): Promise<boolean>;
}

/** The history of one process: the MemoryHistoryStore the scorer reads, used directly as every batch's view. */
export function memoryHistory(store: MemoryHistoryStore): ServerHistory {
  return {
    retentionMs: store.retentionMs,
    open(txs) {
      // The scorer adds them to the store as it scores; these are the ones it will add.
      const added = new Set<string>();
      for (const tx of txs) if (store.get(tx.id) === undefined) added.add(tx.id);
      return Promise.resolve({ view: store, added: [...added] });
    },
    remove(ids) {
      for (const id of ids) store.remove(id);
      return Promise.resolve();
    },
    replace(tx) {
      store.remove(tx.id);
      store.add(tx);
      return Promise.resolve();
    },
    setLabel(id, label) {
      return Promise.resolve(store.setLabel(id, label));
    },
  };
}
