// The in-memory history (Node, the edge, and the fallback on devices without IndexedDB): per entity value, an array
// sorted by (timestamp, arrival) that windows binary-search; retention keeps it bounded to what the spec can read.
import { ValidationError } from '../errors.js';
import { upperBound, type HistorySlice, type SyncFeatureHistory } from '../features/compute.js';
import type { CompiledSpec } from '../features/spec.js';
import type { NormalizedTransaction } from '../transaction.js';
import { copyForStorage, retentionOf } from './retention.js';
import { DAY_MS, type HistoryEntry, type HistoryStore, type HistoryStoreOptions } from './store.js';

export interface MemoryHistoryStoreOptions extends HistoryStoreOptions {
  /**
   * The entity fields to index and answer windows for; default every entity the spec windows on (a server that sees
   * all traffic). A device passes DEVICE_ENTITIES: its own payments say nothing reliable about a terminal.
   */
  entities?: readonly string[];
  /**
   * Prune on its own, at most once per margin of clock time (default true). false: only prune() removes entries, for
   * a short-lived copy such as a server's per-batch snapshot of a shared store, which must keep what it was given.
   */
  autoPrune?: boolean;
}

const EMPTY: HistorySlice = { entries: [], start: 0, end: 0 };

/** setLabel's arguments, checked the same way by every store. */
export function checkLabel(label: unknown, knownAt: unknown): void {
  if (label !== 0 && label !== 1 && label !== null) throw new ValidationError('label', 'must be 0, 1 or null');
  if (typeof knownAt !== 'number' || !Number.isFinite(knownAt))
    throw new ValidationError('knownAt', 'must be epoch milliseconds');
}
type Entry = { -readonly [K in keyof HistoryEntry]: HistoryEntry[K] };

export class MemoryHistoryStore implements HistoryStore, SyncFeatureHistory {
  readonly coveredEntities: ReadonlySet<string>;
  readonly retentionMs: number;
  private readonly byId = new Map<string, Entry>();
  /** entity field → entity value → entries sorted by timestamp, ties in arrival order. */
  private readonly timelines = new Map<string, Map<string, Entry[]>>();
  private readonly marginMs: number;
  private readonly clock: () => number;
  private nextPruneAt = -Infinity;
  private readonly autoPrune: boolean;

  constructor(
    private readonly spec: CompiledSpec,
    options: MemoryHistoryStoreOptions = {},
  ) {
    const entities = options.entities ?? spec.entities.map((e) => e.entity);
    this.coveredEntities = new Set(entities);
    for (const entity of entities) this.timelines.set(entity, new Map());
    this.marginMs = options.marginMs ?? DAY_MS;
    this.retentionMs = retentionOf(spec, this.coveredEntities, this.marginMs);
    this.clock = options.clock ?? Date.now;
    this.autoPrune = options.autoPrune ?? true;
  }

  /** How many transactions are stored. */
  get size(): number {
    return this.byId.size;
  }

  add(tx: NormalizedTransaction): boolean {
    if (this.byId.has(tx.id)) return false;
    const entry = copyForStorage(this.spec, tx) as Entry;
    for (const [entity, timeline] of this.timelines) {
      const value = entry[entity];
      if (typeof value !== 'string')
        throw new ValidationError(entity, 'must be a string id (normalize the transaction first)');
      let entries = timeline.get(value);
      if (entries === undefined) timeline.set(value, (entries = []));
      const last = entries[entries.length - 1];
      // Arrivals are nearly always in time order: append; a late one goes after every entry with its timestamp.
      if (last === undefined || last.timestamp <= entry.timestamp) entries.push(entry);
      else entries.splice(upperBound(entries, 0, entries.length, entry.timestamp), 0, entry);
    }
    this.byId.set(entry.id, entry);
    if (this.autoPrune) this.pruneNowAndThen();
    return true;
  }

  /**
   * Takes one entity value's timeline as a shared store returned it: sorted by timestamp, ties in arrival order, each
   * entry already in storage form (an entry seen in several timelines is the same object). For a per-batch snapshot
   * of a shared store; replaces what this value held, and the array becomes the store's.
   */
  seed(entity: string, value: string, entries: readonly HistoryEntry[]): void {
    const timeline = this.timelines.get(entity);
    if (timeline === undefined) throw new ValidationError('entity', `${entity} is not covered by this store`);
    timeline.set(value, entries as Entry[]);
    for (const entry of entries) this.byId.set(entry.id, entry as Entry);
  }

  select(entity: string, value: string, fromExclusive: number, toInclusive: number): HistorySlice {
    const entries = this.timelines.get(entity)?.get(value);
    if (entries === undefined) return EMPTY;
    const start = upperBound(entries, 0, entries.length, fromExclusive);
    return { entries, start, end: upperBound(entries, start, entries.length, toInclusive) };
  }

  query(entity: string, value: string, fromExclusive: number, toInclusive: number): readonly HistoryEntry[] {
    const { entries, start, end } = this.select(entity, value, fromExclusive, toInclusive);
    return entries.slice(start, end);
  }

  /** The stored transaction with this id, if any. */
  get(id: string): HistoryEntry | undefined {
    return this.byId.get(id);
  }

  /**
   * Takes a stored transaction out again (from every entity's timeline); false if it is not stored. For a server
   * whose scoring failed after the scorer recorded the transaction: a payment that was not accepted teaches nothing.
   */
  remove(id: string): boolean {
    const entry = this.byId.get(id);
    if (entry === undefined) return false;
    this.byId.delete(id);
    for (const [entity, timeline] of this.timelines) {
      const entries = timeline.get(entry[entity] as string);
      const at = entries?.indexOf(entry) ?? -1;
      if (at < 0) continue;
      entries!.splice(at, 1);
      if (entries!.length === 0) timeline.delete(entry[entity] as string);
    }
    return true;
  }

  setLabel(id: string, label: 0 | 1 | null, knownAt: number = this.clock()): boolean {
    checkLabel(label, knownAt);
    const entry = this.byId.get(id);
    if (entry === undefined) return false;
    entry.label = label; // the entry is shared by every entity's timeline
    entry.labelKnownAt = label === null ? null : knownAt;
    return true;
  }

  prune(now: number = this.clock()): number {
    const cutoff = now - this.retentionMs;
    let removed = 0;
    for (const [id, entry] of this.byId) {
      if (entry.timestamp <= cutoff) {
        this.byId.delete(id);
        removed++;
      }
    }
    for (const timeline of this.timelines.values()) {
      for (const [value, entries] of timeline) {
        const keep = upperBound(entries, 0, entries.length, cutoff);
        if (keep === entries.length) timeline.delete(value);
        else if (keep > 0) entries.splice(0, keep);
      }
    }
    return removed;
  }

  clear(): void {
    this.byId.clear();
    for (const timeline of this.timelines.values()) timeline.clear();
  }

  close(): void {
    this.clear();
  }

  /** Pruning walks every entry, so it runs at most once per margin of clock time: memory stays bounded, adds stay O(log n). */
  private pruneNowAndThen(): void {
    const now = this.clock();
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + this.marginMs;
    this.prune(now);
  }
}
