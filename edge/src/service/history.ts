// The server-side feature history as the scoring service uses it: one batch at a time. In one process it is the
// SDK's MemoryHistoryStore itself (memoryHistory below: synchronous, copy-free). Replicas, stream processors and
// worker processes share one store instead (the server's Redis store): it hands each batch a synchronous snapshot
// holding every entry the batch's windows can read, and adds the batch's transactions in the same step, so each
// batch is scored against the history exactly as the store had it when the batch arrived there.
//
// An id is held by the first content to arrive under it (never replaced by a later batch's other content, as storage
// keeps the first record); which content stands is storage's decision, and the service brings the history to it
// (replace) once a batch is stored.
import {
  contentFingerprint,
  type HistoryEntry,
  type MemoryHistoryStore,
  type NormalizedTransaction,
  type SyncFeatureHistory,
} from '@fraudscore/sdk';

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
  /** Ids of the batch the history already held with other content (kept; the batch's own are not added). */
  held: readonly string[];
}

export interface ServerHistory {
  /** How far back entries are kept: the spec's longest look-back plus a margin. */
  readonly retentionMs: number;
  /**
   * Opens the history for scoring `txs` in this order (each sees the ones before it). Idempotent by id: a transaction
   * already stored with the same content is not added again, and its windows stop just before it as they did; one
   * stored with other content is not added either (`held`).
   */
  open(txs: readonly NormalizedTransaction[]): Promise<HistoryBatch>;
  /**
   * Takes transactions out again (a batch that failed after open), each only while the history holds its content
   * (another request may have replaced it meanwhile); ids not stored are ignored.
   */
  remove(txs: readonly NormalizedTransaction[]): Promise<void>;
  /**
   * Makes the history hold `tx` under its id (what storage holds: another request put other content there first);
   * nothing changes when it already holds the same content.
   */
  replace(tx: NormalizedTransaction): Promise<void>;
  /**
   * Sets the label of a stored transaction (labels arrive late) with the epoch ms it became known (the analyst's
   * decision time), which windows over labels as known at scoring time read; false if the id is not stored.
   */
  setLabel(id: string, label: 0 | 1 | null, knownAt: number): Promise<boolean>;
}

/**
 * A stored record as the history keeps it: its transaction with the label as a bit and the decision time as the
 * label's known-at time (the service's replace, a restore, loading a shared history from storage).
 */
export function historyTransaction(record: {
  transaction: NormalizedTransaction;
  label: { label: 'fraud' | 'legitimate'; at: string } | null;
}): NormalizedTransaction {
  if (record.label === null) return { ...record.transaction, label: null, labelKnownAt: null };
  return {
    ...record.transaction,
    label: record.label.label === 'fraud' ? 1 : 0,
    labelKnownAt: Date.parse(record.label.at),
  };
}

/** The history of one process: the MemoryHistoryStore the scorer reads, used directly as every batch's view. */
export function memoryHistory(store: MemoryHistoryStore): ServerHistory {
  return {
    retentionMs: store.retentionMs,
    open(txs) {
      // The scorer adds them to the store as it scores; these are the ones it will add.
      const added = new Set<string>();
      const held: string[] = [];
      for (const tx of txs) {
        const stored = store.get(tx.id);
        if (stored === undefined) added.add(tx.id);
        else if (!added.has(tx.id) && !sameContent(stored, tx)) held.push(tx.id);
      }
      return Promise.resolve({ view: store, added: [...added], held });
    },
    remove(txs) {
      for (const tx of txs) {
        const stored = store.get(tx.id);
        if (stored !== undefined && sameContent(stored, tx)) store.remove(tx.id);
      }
      return Promise.resolve();
    },
    replace(tx) {
      const stored = store.get(tx.id);
      if (stored !== undefined && sameContent(stored, tx)) {
        const knownAt = knownAtOf(tx);
        if ((stored.label ?? null) !== (tx.label ?? null) || (stored.labelKnownAt ?? null) !== (knownAt ?? null))
          store.setLabel(tx.id, tx.label ?? null, knownAt);
      } else {
        store.remove(tx.id);
        store.add(tx);
      }
      return Promise.resolve();
    },
    setLabel(id, label, knownAt) {
      return Promise.resolve(store.setLabel(id, label, knownAt));
    },
  };
}

/** A transaction's label known-at time (epoch ms), when it carries one. */
export const knownAtOf = (tx: Readonly<NormalizedTransaction>): number | undefined => {
  const knownAt = tx['labelKnownAt'];
  return typeof knownAt === 'number' && Number.isFinite(knownAt) ? knownAt : undefined;
};

/** Same content as idempotency compares it (the label is not content). */
const sameContent = (a: Readonly<NormalizedTransaction>, b: Readonly<NormalizedTransaction>): boolean =>
  contentFingerprint(a) === contentFingerprint(b);
