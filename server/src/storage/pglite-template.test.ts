import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pgliteAsDatabase } from './index.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { createInMemoryPGlite, pgliteTemplatePath } from './pglite-template.js';

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
