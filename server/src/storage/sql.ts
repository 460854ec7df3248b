// One SQL implementation of the edge's Storage, over a tiny query interface, so the same statements run on
// PostgreSQL (pg Pool) and on PGlite (embedded Postgres in WASM).
// Columns hold what is filtered and sorted; the rest of the record is JSONB (numbers round-trip exactly: JSONB
// keeps them as exact decimals and JSON.parse reads back the same double).
import { decodeCursor, encodeCursor } from '@fraudscore/edge';
import type { ListQuery, Page, ScoredTransaction, Storage, ThresholdChange, TransactionLabel } from '@fraudscore/edge';

/** The least a database client must offer: one parameterised statement at a time. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
}

/** A database handle: statements, a transaction on one connection, and close. */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn inside BEGIN … COMMIT on one connection (ROLLBACK when it throws). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

interface Row {
  body: unknown;
  label: string | null;
  label_analyst: string | null;
  label_at: string | null;
}

const COLUMNS = 'body, label, label_analyst, label_at';

/** The body as stored: the record without its label (the label lives in columns). */
const bodyOf = (record: ScoredTransaction): string => {
  const { label: _label, ...rest } = record;
  return JSON.stringify(rest);
};

const parseBody = (body: unknown): Omit<ScoredTransaction, 'label'> =>
  (typeof body === 'string' ? JSON.parse(body) : body) as Omit<ScoredTransaction, 'label'>;

const toRecord = (row: Row): ScoredTransaction => {
  const label: TransactionLabel | null = row.label === null
    ? null
    : { label: row.label as TransactionLabel['label'], analyst: row.label_analyst ?? '', at: row.label_at ?? '' };
  return { ...parseBody(row.body), label };
};

export class SqlStorage implements Storage {
  constructor(private readonly db: Queryable) {}

  async save(record: ScoredTransaction): Promise<{ record: ScoredTransaction; created: boolean }> {
    const inserted = await this.db.query<Row>(
      `INSERT INTO scored_transactions (id, customer_id, risk_level, tx_time, scored_at, body, label, label_analyst, label_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)
       ON CONFLICT (id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        record.id,
        record.transaction.customerId,
        record.riskLevel,
        record.transaction.timestamp,
        record.scoredAt,
        bodyOf(record),
        record.label?.label ?? null,
        record.label?.analyst ?? null,
        record.label?.at ?? null,
      ],
    );
    const created = inserted.rows[0];
    if (created) return { record: toRecord(created), created: true };
    const existing = await this.get(record.id);
    if (!existing) throw new Error(`scored transaction ${record.id} conflicted but cannot be read`);
    return { record: existing, created: false };
  }

  async get(id: string): Promise<ScoredTransaction | undefined> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM scored_transactions WHERE id = $1`, [id]);
    const row = rows[0];
    return row && toRecord(row);
  }

  async list(query: ListQuery): Promise<Page> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === undefined) throw new RangeError('invalid cursor');
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.riskLevels && query.riskLevels.length > 0) where.push(`risk_level IN (${query.riskLevels.map(param).join(', ')})`);
    if (query.from !== undefined) where.push(`tx_time >= ${param(query.from)}`);
    if (query.to !== undefined) where.push(`tx_time < ${param(query.to)}`);
    if (query.customerId !== undefined) where.push(`customer_id = ${param(query.customerId)}`);
    if (after !== undefined) where.push(`(tx_time, id) < (${param(after.timestamp)}::double precision, ${param(after.id)}::text COLLATE "C")`);
    const limit = Math.max(0, Math.floor(query.limit));
    const { rows } = await this.db.query<Row & { tx_time: number; id: string }>(
      `SELECT id, tx_time, ${COLUMNS} FROM scored_transactions
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY tx_time DESC, id DESC
       LIMIT ${param(limit + 1)}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > limit && last ? encodeCursor({ timestamp: Number(last.tx_time), id: last.id }) : null;
    return { items: page.map(toRecord), nextCursor };
  }

  async setLabel(id: string, label: TransactionLabel): Promise<ScoredTransaction | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE scored_transactions SET label = $2, label_analyst = $3, label_at = $4 WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, label.label, label.analyst, label.at],
    );
    const row = rows[0];
    return row && toRecord(row);
  }

  async recordThresholdChange(change: ThresholdChange): Promise<void> {
    await this.db.query(
      'INSERT INTO threshold_changes (from_value, to_value, changed_by, changed_at) VALUES ($1, $2, $3, $4)',
      [change.from, change.to, change.by, change.at],
    );
  }

  async thresholdChanges(): Promise<ThresholdChange[]> {
    const { rows } = await this.db.query<{ from_value: number; to_value: number; changed_by: string; changed_at: string }>(
      'SELECT from_value, to_value, changed_by, changed_at FROM threshold_changes ORDER BY seq',
    );
    return rows.map((r) => ({ from: Number(r.from_value), to: Number(r.to_value), by: r.changed_by, at: r.changed_at }));
  }
}
