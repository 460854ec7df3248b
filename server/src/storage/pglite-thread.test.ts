// The embedded store's thread: statements, transactions (commit, rollback, statements from outside waiting for them)
// and PostgreSQL's error fields across the thread. The storage contract itself runs on it in pglite.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteThreadDatabase } from './pglite-thread.js';
import type { Database } from './sql.js';

let db: Database;
beforeAll(async () => {
  db = await pgliteThreadDatabase();
  await db.query('CREATE TABLE t (id int PRIMARY KEY, body jsonb)');
}, 120_000);
afterAll(async () => db.close());

const ids = async (): Promise<number[]> =>
  (await db.query<{ id: number }>('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id);

describe('pgliteThreadDatabase', () => {
  it('runs parameterised statements and returns rows with JSONB as objects', async () => {
    await db.query('INSERT INTO t VALUES ($1, $2::jsonb)', [1, JSON.stringify({ a: [1.5, 'x'] })]);
    const { rows } = await db.query<{ body: unknown }>('SELECT body FROM t WHERE id = $1', [1]);
    expect(rows).toEqual([{ body: { a: [1.5, 'x'] } }]);
  });

  it("keeps PostgreSQL's error fields (code, constraint) across the thread", async () => {
    const error = (await db.query('INSERT INTO t VALUES (1, NULL)').catch((e: unknown) => e)) as Record<
      string,
      unknown
    >;
    expect(error).toBeInstanceOf(Error);
    expect(error['code']).toBe('23505');
    expect(error['constraint']).toBe('t_pkey');
  });

  it('commits a transaction, and rolls back one whose callback throws', async () => {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (2, NULL)');
      await tx.query('INSERT INTO t VALUES (3, NULL)');
    });
    const failure = new Error('stop');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (4, NULL)');
        throw failure;
      }),
    ).rejects.toBe(failure);
    // A failing statement inside rolls back the whole transaction too.
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (5, NULL)');
        await tx.query('INSERT INTO t VALUES (1, NULL)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await ids()).toEqual([1, 2, 3]);
  });

  it('runs a statement sent from outside a transaction after the transaction, not inside it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const transaction = db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (6, NULL)');
      await gate;
      await tx.query('DELETE FROM t WHERE id = 6');
    });
    // Sent while the transaction is open: it waits for it, so it never sees the row 6 that is deleted before COMMIT.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE id = 6');
    release();
    await transaction;
    expect((await outside).rows[0]!.n).toBe(0);
  });
});
