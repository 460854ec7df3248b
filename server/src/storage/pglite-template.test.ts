import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { types } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { pgliteAsDatabase } from './index.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { createInMemoryPGlite, jsonbAsBinary, openPGlite, pgliteTemplatePath } from './pglite-template.js';

const dir = mkdtempSync(join(tmpdir(), 'fraudscore-pglite-template-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tables = async (db: Awaited<ReturnType<typeof createInMemoryPGlite>>): Promise<string[]> =>
  (
    await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    )
  ).rows.map((r) => r.table_name);

describe('createInMemoryPGlite', () => {
  it('names the template after the PGlite version, in FRAUDSCORE_CACHE', () => {
    expect(pgliteTemplatePath('/cache')).toMatch(/^\/cache\/pglite-\d+\.\d+\.\d+[^/]*-empty-cluster\.tar$/);
  });

  it('writes an empty cluster once, then starts from it: empty, independent, migrated as usual', async () => {
    const template = join(dir, 'cache', 'pglite-empty-cluster.tar');
    const first = await createInMemoryPGlite(template);
    expect(existsSync(template)).toBe(true);
    const written = statSync(template).mtimeMs;
    await first.query('CREATE TABLE only_in_the_first (x int)');
    await first.close();

    const second = await createInMemoryPGlite(template);
    expect(statSync(template).mtimeMs).toBe(written); // read, not rewritten
    expect(await tables(second)).toEqual([]); // the first database's table is not in the template
    expect(await migrate(pgliteAsDatabase(second))).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await tables(second)).toContain('scored_transactions');
    await second.close();
  });

  it('replaces a damaged template and still opens', async () => {
    const template = join(dir, 'damaged.tar');
    writeFileSync(template, 'not a tar archive');
    const db = await createInMemoryPGlite(template);
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await db.close();
    expect(statSync(template).size).toBeGreaterThan(1_000_000);
  });
});

describe('bulk-insert settings of the embedded database', () => {
  it('sends jsonb as binary; does not zero-fill WAL segments in memory (with a data directory the default stays)', async () => {
    const setting = async (db: Awaited<ReturnType<typeof openPGlite>>) =>
      (await db.query<{ wal_init_zero: string }>('SHOW wal_init_zero')).rows[0]!.wal_init_zero;
    const inMemory = await createInMemoryPGlite(join(dir, 'settings.tar')); // writes the template
    const fromTemplate = await createInMemoryPGlite(join(dir, 'settings.tar')); // starts from it
    const onDisk = await openPGlite(join(dir, 'data'));
    expect([await setting(inMemory), await setting(fromTemplate), await setting(onDisk)]).toEqual(['off', 'off', 'on']);
    for (const db of [inMemory, fromTemplate, onDisk]) expect(db.serializers[types.JSONB]).toBe(jsonbAsBinary);
    await Promise.all([inMemory.close(), fromTemplate.close(), onDisk.close()]);
  });

  it('sends jsonb parameters as binary (version 1, then UTF-8) and reads back exactly what was sent', async () => {
    expect([...(jsonbAsBinary('{"a":"é"}') as unknown as Uint8Array)]).toEqual([
      1,
      ...new TextEncoder().encode('{"a":"é"}'),
    ]);
    expect([...(jsonbAsBinary({ a: 1, n: 2n }) as unknown as Uint8Array)]).toEqual([
      1,
      ...new TextEncoder().encode('{"a":1,"n":"2"}'), // PGlite's text form: bigints as strings
    ]);
    const value = {
      city: 'Алматы 🏦',
      quote: 'a "b" \\ c\n',
      amounts: [0.1, 1e-300, 123456789.12345679, -0.5, 2 ** 53 + 2],
      nested: { empty: [], none: null, yes: true },
    };
    const big = Array.from({ length: 2_000 }, (_, i) => ({ ...value, i })); // a batch-sized parameter, ~0.3 MB
    const db = await createInMemoryPGlite(join(dir, 'settings.tar'));
    const roundTrip = async (param: unknown) =>
      (await db.query<{ v: unknown }>('SELECT $1::jsonb AS v', [param])).rows[0]!.v;
    expect(await roundTrip(JSON.stringify(value))).toEqual(value);
    expect(await roundTrip(value)).toEqual(value); // objects are serialised first
    expect(await roundTrip(JSON.stringify(big))).toEqual(big);
    await expect(roundTrip('{"not json')).rejects.toMatchObject({ code: '22P02' }); // refused as before, no crash
    expect(await roundTrip(JSON.stringify(value))).toEqual(value); // and the database goes on
    await db.close();
  });
});
