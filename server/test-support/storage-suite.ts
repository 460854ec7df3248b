// The SQL stores (PGlite, PostgreSQL) against the storage contract every store passes (@fraudscore/edge's
// storage-contract, which the memory store runs too), plus what a database adds: idempotent migrations and, where
// connections really run at once, concurrent saves through several of them. Used by pglite.test.ts and
// postgres.test.ts.
import { saveOne, scoredRecord, storageContract } from '@fraudscore/edge/storage-contract';
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenedStorage } from '../src/storage/index.js';

export { saveOne, scoredRecord as record } from '@fraudscore/edge/storage-contract';

export interface Backend {
  /** A store on an empty database. */
  fresh(): Promise<OpenedStorage>;
  /** Another store on the same database as `of` (to open twice / start concurrently). */
  reopen(of: OpenedStorage): Promise<OpenedStorage>;
  /** Whether several connections really run at once (PostgreSQL) or one at a time (PGlite). */
  parallel: boolean;
}

export function storageBehaviour(name: string, backend: () => Backend): void {
  storageContract<OpenedStorage>(name, () => ({
    fresh: () => backend().fresh(),
    close: (store) => store.close(),
    others: async (store) => (backend().parallel ? [await backend().reopen(store), await backend().reopen(store)] : []),
    driftHistory: (store) => store.driftHistory,
  }));

  describe(`${name}: migrations`, () => {
    const opened: OpenedStorage[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close().catch(() => {})));
    });

    it('applies migrations idempotently: opening the same database again changes nothing', async () => {
      const s = await backend().fresh();
      opened.push(s);
      await saveOne(s, scoredRecord('kept', 1));
      const again = await backend().reopen(s);
      opened.push(again);
      expect(await again.get('kept')).toEqual(scoredRecord('kept', 1));
      const { rows } = await again.db.query<{ version: number; n: string | number }>(
        'SELECT version, count(*) AS n FROM schema_migrations GROUP BY version',
      );
      expect(rows.map((r) => Number(r.n))).toEqual(rows.map(() => 1));
      expect(rows.length).toBeGreaterThan(0);
    });
  });
}
