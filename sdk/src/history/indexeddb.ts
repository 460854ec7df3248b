// The device's history in IndexedDB: the customer's own payments survive reloads. Like transformers.js's cache, it
// is one implementation of a small interface, and openHistoryStore falls back to memory (with one warning) where
// IndexedDB is missing or refuses to open (private browsing, disabled storage).
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { CompiledSpec } from '../features/spec.js';
import type { NormalizedTransaction } from '../transaction.js';
import { checkLabel, MemoryHistoryStore } from './memory.js';
import { copyForStorage, retentionOf, type StoredEntry } from './retention.js';
import { DAY_MS, type HistoryEntry, type HistoryStore, type HistoryStoreOptions } from './store.js';

/** A device sees only its own customer's payments: the customer windows are complete, the terminal's are not. */
export const DEVICE_ENTITIES: readonly string[] = ['customerId'];
export const DEFAULT_DB_NAME = 'fraudscore-history';
const STORE = 'transactions';

/** A stored transaction plus its arrival number: IndexedDB orders index ties by id, the windows need arrival. */
type StoredTransaction = StoredEntry & { seq: number };

interface HistorySchema extends DBSchema {
  transactions: {
    key: string;
    value: StoredTransaction;
    indexes: { customerId_timestamp: [string, number]; timestamp: number };
  };
}

export interface IndexedDbHistoryStoreOptions extends HistoryStoreOptions {
  /** Database name (default "fraudscore-history"); one per app origin is enough. */
  dbName?: string;
}

export class IndexedDbHistoryStore implements HistoryStore {
  readonly coveredEntities: ReadonlySet<string> = new Set(DEVICE_ENTITIES);
  readonly retentionMs: number;
  private readonly marginMs: number;
  private readonly clock: () => number;
  private nextPruneAt = -Infinity;
  private lastSeq = 0;

  private constructor(
    private readonly db: IDBPDatabase<HistorySchema>,
    private readonly spec: CompiledSpec,
    options: HistoryStoreOptions,
  ) {
    this.marginMs = options.marginMs ?? DAY_MS;
    this.retentionMs = retentionOf(spec, this.coveredEntities, this.marginMs);
    this.clock = options.clock ?? Date.now;
  }

  /** Opens (creating on first use) the database; rejects where IndexedDB is unavailable or refuses. */
  static async open(spec: CompiledSpec, options: IndexedDbHistoryStoreOptions = {}): Promise<IndexedDbHistoryStore> {
    if (typeof indexedDB === 'undefined' || indexedDB === null)
      throw new Error('indexedDB is not defined in this runtime');
    const db = await openDB<HistorySchema>(options.dbName ?? DEFAULT_DB_NAME, 1, {
      upgrade(database) {
        const store = database.createObjectStore(STORE, { keyPath: 'id' });
        store.createIndex('customerId_timestamp', ['customerId', 'timestamp']);
        store.createIndex('timestamp', 'timestamp'); // for retention pruning
      },
    });
    return new IndexedDbHistoryStore(db, spec, options);
  }

  async add(tx: NormalizedTransaction): Promise<boolean> {
    const record: StoredTransaction = { ...copyForStorage(this.spec, tx), seq: this.nextSeq() };
    // One readwrite transaction: a concurrent add of the same id (another tab) waits and then sees it.
    const transaction = this.db.transaction(STORE, 'readwrite');
    const exists = (await transaction.store.getKey(tx.id)) !== undefined;
    if (!exists) await transaction.store.add(record);
    await transaction.done;
    await this.pruneNowAndThen();
    return !exists;
  }

  async query(
    entity: string,
    value: string,
    fromExclusive: number,
    toInclusive: number,
  ): Promise<readonly HistoryEntry[]> {
    if (!this.coveredEntities.has(entity) || !(fromExclusive < toInclusive)) return [];
    const range = IDBKeyRange.bound([value, fromExclusive], [value, toInclusive], true, false);
    const rows = await this.db.getAllFromIndex(STORE, 'customerId_timestamp', range);
    return rows.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
  }

  async setLabel(id: string, label: 0 | 1 | null, knownAt: number = this.clock()): Promise<boolean> {
    checkLabel(label, knownAt);
    const transaction = this.db.transaction(STORE, 'readwrite');
    const row = await transaction.store.get(id);
    if (row !== undefined)
      await transaction.store.put({ ...row, label, labelKnownAt: label === null ? null : knownAt });
    await transaction.done;
    return row !== undefined;
  }

  async prune(now: number = this.clock()): Promise<number> {
    const transaction = this.db.transaction(STORE, 'readwrite');
    let cursor = await transaction.store.index('timestamp').openCursor(IDBKeyRange.upperBound(now - this.retentionMs));
    let removed = 0;
    while (cursor) {
      await cursor.delete();
      removed++;
      cursor = await cursor.continue();
    }
    await transaction.done;
    return removed;
  }

  async clear(): Promise<void> {
    await this.db.clear(STORE);
  }

  close(): void {
    this.db.close();
  }

  /** Increasing across the session and, through the wall clock, across sessions. */
  private nextSeq(): number {
    this.lastSeq = Math.max(Date.now() * 1000, this.lastSeq + 1);
    return this.lastSeq;
  }

  private async pruneNowAndThen(): Promise<void> {
    const now = this.clock();
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + this.marginMs;
    await this.prune(now);
  }
}

export interface OpenHistoryStoreOptions extends IndexedDbHistoryStoreOptions {
  /** Receives the warning when IndexedDB cannot be used; default console.warn, at most once per page. */
  warn?: (message: string) => void;
}

let warnedOnConsole = false;

/**
 * The device's history: IndexedDB where it works, else an in-memory store covering the same entity (the customer),
 * with one warning, so that scoring goes on with a history that only lasts for the session.
 */
export async function openHistoryStore(
  spec: CompiledSpec,
  options: OpenHistoryStoreOptions = {},
): Promise<HistoryStore> {
  try {
    return await IndexedDbHistoryStore.open(spec, options);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const message = `fraudscore: IndexedDB is unavailable (${reason}); the customer's history is kept in memory for this session only`;
    if (options.warn) options.warn(message);
    else if (!warnedOnConsole) {
      warnedOnConsole = true;
      console.warn(message);
    }
    const memoryOptions = { entities: DEVICE_ENTITIES, ...pick(options) };
    return new MemoryHistoryStore(spec, memoryOptions);
  }
}

function pick(options: HistoryStoreOptions): HistoryStoreOptions {
  const out: HistoryStoreOptions = {};
  if (options.marginMs !== undefined) out.marginMs = options.marginMs;
  if (options.clock !== undefined) out.clock = options.clock;
  return out;
}
