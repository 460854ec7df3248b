// The same behavioural suite against a real PostgreSQL server from Debian's packages (one server for this file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgres, startPostgres, type TestPostgres } from '../../test-support/postgres.js';
import { record, saveOne, storageBehaviour } from '../../test-support/storage-suite.js';
import { MIGRATIONS, openStorage, type OpenedStorage } from './index.js';

let server: TestPostgres;
const urls = new WeakMap<OpenedStorage, string>();
let databases = 0;

beforeAll(async () => {
  server = await startPostgres();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const openOn = async (url: string): Promise<OpenedStorage> => {
  const s = await openStorage({ databaseUrl: url });
  urls.set(s, url);
  return s;
};

storageBehaviour('SqlStorage on PostgreSQL', () => ({
  parallel: true,
  fresh: async () => openOn(await server.createDatabase(`t${++databases}`)),
  reopen: async (of) => openOn(urls.get(of)!),
}));

describe('PostgreSQL start-up', () => {
  it('says which package to install when the server binaries are missing', () => {
    expect(() => findPostgres('/nonexistent/postgresql')).toThrow(/apt-get install -y postgresql/);
  });

  it('runs a real server', async () => {
    const s = await openOn(server.url);
    try {
      expect(s.kind).toBe('postgres');
      const { rows } = await s.db.query<{ server_version: string }>('SHOW server_version');
      expect(rows[0]?.server_version.split('.')[0]).toBe(server.version);
      console.info(`PostgreSQL ${rows[0]?.server_version}`);
    } finally {
      await s.close();
    }
  });

  it('lets concurrent starters migrate the same empty database once', async () => {
    const url = await server.createDatabase(`t${++databases}`);
    const stores = await Promise.all(Array.from({ length: 8 }, () => openOn(url)));
    try {
      const { rows } = await stores[0]!.db.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      await Promise.all(stores.map((s, i) => saveOne(s, record(`s${i}`, i))));
      expect((await stores[7]!.list({ limit: 100 })).items).toHaveLength(8);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
