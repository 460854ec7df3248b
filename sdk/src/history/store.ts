// The history a scorer keeps: small enough for IndexedDB, memory or a server-side table to implement.
import type { FeatureHistory, HistoryEntry } from '../features/compute.js';
import type { NormalizedTransaction } from '../transaction.js';

/** A result now (memory) or later (IndexedDB); callers simply await it. */
export type Awaitable<T> = T | Promise<T>;

/**
 * A store answers `query` (FeatureHistory) with entries in (timestamp, arrival) order, each carrying `label` and
 * `labelKnownAt` (epoch ms; null when unknown) exactly as last set: the windows of every implementation (memory,
 * IndexedDB, a shared server-side store) must then be identical, which the feature interpreter alone computes.
 */
export interface HistoryStore extends FeatureHistory {
  /** How far back entries are kept: the spec's longest look-back on the covered entities plus a margin. */
  readonly retentionMs: number;
  /**
   * Stores a scored transaction; false (and nothing changes) when its id is already stored. A label it carries is
   * stored with `tx.labelKnownAt` when that is a number, else with no known-at time (windows over labels as known at
   * scoring time then skip it; windows over stored labels still read it).
   */
  add(tx: NormalizedTransaction): Awaitable<boolean>;
  /**
   * Sets the label of a stored transaction when it becomes known (labels arrive late), with the epoch ms at which it
   * became known: an analyst's decision time on a server, `knownAt` defaulting to the store's clock. Windows with
   * `labels: "known"` read the label only for transactions scored at or after that time; a later call replaces both
   * (a corrected label is known from its correction); null clears both. False if the id is not stored.
   */
  setLabel(id: string, label: 0 | 1 | null, knownAt?: number): Awaitable<boolean>;
  /** Drops entries with timestamp <= now - retentionMs (default now: the store's clock); returns how many. */
  prune(now?: number): Awaitable<number>;
  clear(): Awaitable<void>;
  /** Releases the underlying resources (an open database); the store is unusable afterwards. */
  close(): void;
}

export interface HistoryStoreOptions {
  /** Extra time kept beyond the longest look-back, and how often pruning runs on its own (default 1 day). */
  marginMs?: number;
  /** The current time in epoch ms for pruning (default Date.now; a replay passes its stream time). */
  clock?: () => number;
}

export type { HistoryEntry };
export const DAY_MS = 86_400_000;
