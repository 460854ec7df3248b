// Bundle caching behind a small interface (match / put / delete). IndexedDB is one implementation; where it is
// missing or fails (private browsing, storage disabled) the SDK degrades to no cache with one warning.
import { openDB, type IDBPDatabase } from 'idb';
import { env } from '../env.js';

/** A bundle's files by name. */
export type BundleFiles = Record<string, Uint8Array>;

export interface BundleCache {
  match(key: string): Promise<BundleFiles | undefined>;
  put(key: string, files: BundleFiles): Promise<void>;
  delete(key: string): Promise<void>;
}

export const noCache: BundleCache = {
  match: async () => undefined,
  put: async () => undefined,
  delete: async () => undefined,
};

export class MemoryBundleCache implements BundleCache {
  readonly #entries = new Map<string, BundleFiles>();
  async match(key: string): Promise<BundleFiles | undefined> {
    return this.#entries.get(key);
  }
  async put(key: string, files: BundleFiles): Promise<void> {
    this.#entries.set(key, files);
  }
  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }
}

const DATABASE = 'fraudscore-bundles';
const STORE = 'bundles';

/** IndexedDB cache; every failure turns it into no cache after one warning (the caller keeps working). */
export class IndexedDbBundleCache implements BundleCache {
  #db: Promise<IDBPDatabase | undefined> | undefined;
  readonly #warn: (message: string) => void;
  #warned = false;

  constructor(warn: (message: string) => void = (m) => console.warn(m)) {
    this.#warn = warn;
  }

  async match(key: string): Promise<BundleFiles | undefined> {
    return this.#use((db) => db.get(STORE, key) as Promise<BundleFiles | undefined>);
  }
  async put(key: string, files: BundleFiles): Promise<void> {
    await this.#use((db) => db.put(STORE, files, key));
  }
  async delete(key: string): Promise<void> {
    await this.#use((db) => db.delete(STORE, key));
  }

  async #use<T>(action: (db: IDBPDatabase) => Promise<T>): Promise<T | undefined> {
    // openDB can throw synchronously (SecurityError in some private modes), hence the async wrapper.
    this.#db ??= (async () => openDB(DATABASE, 1, { upgrade: (db) => void db.createObjectStore(STORE) }))().catch(
      (error: unknown) => {
        this.#degrade(error);
        return undefined;
      },
    );
    const db = await this.#db;
    if (!db) return undefined;
    try {
      return await action(db);
    } catch (error) {
      this.#degrade(error);
      return undefined;
    }
  }

  #degrade(error: unknown): void {
    this.#db = Promise.resolve(undefined);
    if (!this.#warned) {
      this.#warned = true;
      this.#warn(
        `fraudscore: IndexedDB is unavailable (${String(error)}); model bundles will not be cached, so scoring offline needs a page that stays open`,
      );
    }
  }
}

/** The default cache for this runtime: IndexedDB where it exists, otherwise none. */
export function defaultBundleCache(warn?: (message: string) => void): BundleCache {
  return env.hasIndexedDB ? new IndexedDbBundleCache(warn) : noCache;
}
