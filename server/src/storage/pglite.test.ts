import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { record, saveOne, storageBehaviour } from '../../test-support/storage-suite.js';
import { asOpenedStorage, migrate, MIGRATIONS, openStorage } from './index.js';

// An in-memory PGlite database lives in one instance, so "reopen" hands out a second handle on the same
// instance and runs the migrations again through it (the data-directory test below reopens for real).

storageBehaviour('SqlStorage on PGlite (in memory)', () => ({
  parallel: false,
  fresh: async () => openStorage(),
  reopen: async (of) => {
    await migrate(of.db);
    return asOpenedStorage(of.db, async () => {}); // a second handle on the same instance
  },
}));

describe('openStorage with a PGlite data directory', () => {
  it('persists across close and reopen, migrating once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudscore-pglite-'));
    try {
      const first = await openStorage({ dataDir: dir });
      expect(first.kind).toBe('pglite');
      await saveOne(first, record('p', 42));
      await first.setLabel('p', { label: 'fraud', analyst: 'ana', at: '2026-01-02T00:00:00.000Z' });
      await first.close();
      const second = await openStorage({ dataDir: dir });
      try {
        expect((await second.get('p'))?.label?.analyst).toBe('ana');
        const { rows } = await second.db.query<{ n: number | string }>(
          'SELECT count(*)::int AS n FROM schema_migrations',
        );
        expect(Number(rows[0]?.n)).toBe(MIGRATIONS.length);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
