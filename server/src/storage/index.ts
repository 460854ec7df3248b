// openStorage: PostgreSQL when a database URL is given, else embedded PGlite (in memory, or persisted in dataDir),
// with the schema migrations applied.
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { DriftHistory, Storage } from '@fraudscore/edge';
import { SqlDriftHistory } from './drift.js';
import { migrate } from './migrations.js';
import { openPGlite } from './pglite-template.js';
import { pgliteThreadDatabase } from './pglite-thread.js';
import { SqlStorage, type Database, type Queryable } from './sql.js';
import { lockDataDir } from './data-dir-lock.js';

export { MIGRATIONS, migrate, type Migration } from './migrations.js';
export { SqlStorage, type Database, type Queryable } from './sql.js';
export { SqlDriftHistory } from './drift.js';
export { pgliteThreadDatabase } from './pglite-thread.js';
export { DataDirHeldError, lockDataDir } from './data-dir-lock.js';

export interface OpenStorageOptions {
  /** postgres://… — PostgreSQL through a pg Pool. */
  databaseUrl?: string | undefined;
  /** PGlite's data directory when databaseUrl is not set; in memory when absent. */
  dataDir?: string | undefined;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number | undefined;
  /** PGlite on a worker thread of its own (default true), off the thread that scores; false: on the caller's. */
  pgliteThread?: boolean | undefined;
}

export interface OpenedStorage extends Storage {
  readonly kind: 'postgres' | 'pglite';
  /** The database underneath (for health checks and tests). */
  readonly db: Database;
  /** Drift snapshots in the same database. */
  readonly driftHistory: DriftHistory;
  close(): Promise<void>;
}

export function postgresDatabase(databaseUrl: string, poolSize = 10): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle client's error (e.g. the server restarting) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    query: async <R>(text: string, params?: readonly unknown[]) => {
      const result = await pool.query(text, params ? [...params] : undefined);
      return { rows: result.rows as R[] };
    },
    transaction: async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          query: async <R>(text: string, params?: readonly unknown[]) => ({
            rows: (await client.query(text, params ? [...params] : undefined)).rows as R[],
          }),
        };
        const value = await fn(tx);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export async function pgliteDatabase(dataDir?: string): Promise<Database> {
  return pgliteAsDatabase(await openPGlite(dataDir));
}

/** A PGlite instance as the storage's Database. */
export function pgliteAsDatabase(db: PGlite): Database {
  return {
    kind: 'pglite',
    query: async <R>(text: string, params?: readonly unknown[]) => ({
      rows: (await db.query<R>(text, params ? [...params] : undefined)).rows,
    }),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
      db.transaction((tx) =>
        fn({
          query: async <R>(text: string, params?: readonly unknown[]) => ({
            rows: (await tx.query<R>(text, params ? [...params] : undefined)).rows,
          }),
        }),
      ),
    close: () => db.close(),
  };
}

/**
 * Opens the store and applies pending migrations. A DATA_DIR is held by this process until close: another process
 * (a CLI beside a running server) is refused with DataDirHeldError instead of losing its writes (./data-dir-lock.ts).
 */
export async function openStorage(options: OpenStorageOptions = {}): Promise<OpenedStorage> {
  const release =
    !options.databaseUrl && options.dataDir !== undefined ? lockDataDir(options.dataDir) : () => undefined;
  let db: Database | undefined;
  try {
    db = options.databaseUrl
      ? postgresDatabase(options.databaseUrl, options.poolSize)
      : options.pgliteThread === false
        ? await pgliteDatabase(options.dataDir)
        : await pgliteThreadDatabase(options.dataDir);
    await migrate(db);
  } catch (error) {
    await db?.close().catch(() => {});
    release();
    throw error;
  }
  const opened = db;
  return asOpenedStorage(opened, async () => {
    try {
      await opened.close();
    } finally {
      release();
    }
  });
}

/** The edge Storage over an already migrated database, with the database's close (or the one given). */
export function asOpenedStorage(db: Database, close: () => Promise<void> = () => db.close()): OpenedStorage {
  const storage = new SqlStorage(db);
  return {
    kind: db.kind,
    db,
    driftHistory: new SqlDriftHistory(db),
    saveMany: (records) => storage.saveMany(records),
    get: (id) => storage.get(id),
    getMany: (ids) => storage.getMany(ids),
    list: (query) => storage.list(query),
    setLabel: (id, label) => storage.setLabel(id, label),
    setLabels: (labels) => storage.setLabels(labels),
    acknowledge: (id, acknowledgement) => storage.acknowledge(id, acknowledgement),
    recordThresholdChange: (change) => storage.recordThresholdChange(change),
    thresholdChanges: () => storage.thresholdChanges(),
    close,
  };
}
