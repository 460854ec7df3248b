// Schema migrations: an ordered list of SQL steps, recorded in schema_migrations. Applied at start-up inside one
// transaction that first takes an advisory lock, so concurrent starters wait for each other and never apply a
// step twice (PGlite is single-connection, where the lock is harmless).
import type { Database, Queryable } from './sql.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'scored transactions and threshold audit',
    sql: `
      CREATE TABLE scored_transactions (
        id            text COLLATE "C" PRIMARY KEY,
        customer_id   text NOT NULL,
        risk_level    text NOT NULL,
        tx_time       double precision NOT NULL,
        scored_at     timestamptz NOT NULL,
        body          jsonb NOT NULL,
        label         text CHECK (label IN ('fraud', 'legitimate')),
        label_analyst text,
        label_at      text
      );
      CREATE INDEX scored_transactions_time ON scored_transactions (tx_time DESC, id DESC);
      CREATE INDEX scored_transactions_customer ON scored_transactions (customer_id, tx_time DESC, id DESC);
      CREATE INDEX scored_transactions_risk ON scored_transactions (risk_level, tx_time DESC, id DESC);
      CREATE TABLE threshold_changes (
        seq        bigserial PRIMARY KEY,
        from_value double precision NOT NULL,
        to_value   double precision NOT NULL,
        changed_by text NOT NULL,
        changed_at text NOT NULL
      );`,
  },
  {
    version: 2,
    name: 'labelled index, drift snapshots and baselines',
    sql: `
      CREATE INDEX scored_transactions_labelled ON scored_transactions (tx_time DESC, id DESC) WHERE label IS NOT NULL;
      CREATE TABLE drift_snapshots (
        seq         bigserial PRIMARY KEY,
        computed_at timestamptz NOT NULL,
        body        jsonb NOT NULL
      );
      CREATE INDEX drift_snapshots_time ON drift_snapshots (computed_at);
      CREATE TABLE drift_baselines (
        seq    bigserial PRIMARY KEY,
        set_at timestamptz NOT NULL,
        body   jsonb NOT NULL
      );`,
  },
  {
    version: 3,
    name: 'alert acknowledgements',
    sql: `
      ALTER TABLE scored_transactions ADD COLUMN ack_analyst text, ADD COLUMN ack_at text;`,
  },
  {
    version: 4,
    name: 'content fingerprints for idempotency',
    // NULL for rows stored before: the service then fingerprints the stored transaction itself (same definition).
    sql: `
      ALTER TABLE scored_transactions ADD COLUMN fingerprint text;`,
  },
];

/** Any constant shared by every starter: the key of the advisory lock that serialises migrations. */
const LOCK_KEY = 0x46_52_41_55; // "FRAU"

/** Splits a step into statements (the steps hold no semicolons inside literals or bodies). */
const statements = (sql: string): string[] =>
  sql
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** Applies the steps not yet recorded; returns the versions it applied. */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  return db.transaction(async (tx: Queryable) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const step of ordered) {
      if (done.has(step.version)) continue;
      for (const statement of statements(step.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [step.version, step.name]);
      applied.push(step.version);
    }
    return applied;
  });
}
