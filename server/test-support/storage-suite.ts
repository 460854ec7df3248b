// The SQL stores (PGlite, PostgreSQL) against the storage contract every store passes (@fraudscore/edge's
// storage-contract, which the memory store runs too), plus what a database adds: idempotent migrations, labels'
// decision times read back by the restored history and, where connections really run at once, concurrent saves
// through several of them. Used by pglite.test.ts and postgres.test.ts.
import { restoreState } from '@fraudscore/edge';
import { saveOne, scoredRecord, storageContract } from '@fraudscore/edge/storage-contract';
import { computeFeaturesSync, MemoryHistoryStore } from '@fraudscore/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { allKindsSpec, allKindsVectors, labelledStream } from '../../sdk/test/history-store-suite.js';
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

  describe(`${name}: labels' decision times`, () => {
    const opened: OpenedStorage[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close().catch(() => {})));
    });

    it("keeps each label's decision time: a restored history reads labels as known at scoring time", async () => {
      // The all-kinds conformance stream up to `now`, stored unlabelled, then labelled with the vectors' known-at times
      // as decision times (many after `now`). The history restored from storage must compute what a history given the
      // same labels directly computes for the transactions after `now`: a label counts in windows over labels as
      // known at scoring time only from its decision time on.
      const s = await backend().fresh();
      opened.push(s);
      const spec = allKindsSpec;
      const stream = labelledStream(spec, allKindsVectors).slice(0, 600);
      const [past, next] = [stream.slice(0, 400), stream.slice(400)];
      const now = next[0]!.timestamp;
      const direct = new MemoryHistoryStore(spec, { clock: () => now });
      let labelled = 0;
      for (const { label, labelKnownAt, ...tx } of past) {
        await saveOne(s, { ...scoredRecord(tx.id, tx.timestamp), transaction: tx });
        const known = label != null && typeof labelKnownAt === 'number';
        direct.add({ ...tx, label: known ? label : null, labelKnownAt: known ? labelKnownAt : null });
        if (!known) continue;
        const at = new Date(labelKnownAt).toISOString();
        await s.setLabel(tx.id, { label: label === 1 ? 'fraud' : 'legitimate', analyst: 'ana', at });
        labelled += 1;
      }
      const restored = new MemoryHistoryStore(spec, { clock: () => now });
      expect(await restoreState({ storage: s, history: restored, now })).toMatchObject({
        transactions: past.length,
        labels: labelled,
      });
      const knownWindows = spec.features.flatMap((f, j) => (f.kind === 'window' && f.labels === 'known' ? [j] : []));
      let readKnown = 0;
      for (const { label: _label, labelKnownAt: _knownAt, ...tx } of next) {
        const want = computeFeaturesSync(spec, tx, direct);
        const got = computeFeaturesSync(spec, tx, restored);
        expect(Array.from(got)).toEqual(Array.from(want));
        readKnown += knownWindows.filter((j) => want[j]! > 0).length;
        direct.add(tx);
        restored.add(tx);
      }
      expect(labelled).toBeGreaterThan(0);
      expect(readKnown).toBeGreaterThan(0); // the windows over known labels did read some
    });
  });
}
