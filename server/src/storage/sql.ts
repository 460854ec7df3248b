// One SQL implementation of the edge's Storage, over a tiny query interface, so the same statements run on
// PostgreSQL (pg Pool) and on PGlite (embedded Postgres in WASM).
// Columns hold what is filtered and sorted; the rest of the record is JSONB (numbers round-trip exactly: JSONB
// keeps them as exact decimals and JSON.parse reads back the same double).
import { decodeCursor, encodeCursor } from '@fraudscore/edge';
import type {
  Acknowledgement,
  ListQuery,
  Page,
  SaveResult,
  ScoredTransaction,
  Storage,
  ThresholdChange,
  TransactionLabel,
} from '@fraudscore/edge';

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
  fingerprint: string | null;
  label: string | null;
  label_analyst: string | null;
  label_at: string | null;
  ack_analyst: string | null;
  ack_at: string | null;
}

/**
 * The label and the acknowledgement are columns (analysts change them), the content fingerprint too (what idempotency
 * compares; NULL on rows stored before migration 4); the rest of the record is the body.
 */
const COLUMNS = 'body, fingerprint, label, label_analyst, label_at, ack_analyst, ack_at';

type Body = Omit<ScoredTransaction, 'label' | 'acknowledged' | 'fingerprint'>;
const parseBody = (body: unknown): Body => (typeof body === 'string' ? JSON.parse(body) : body) as Body;

const toRecord = (row: Row): ScoredTransaction => {
  const label: TransactionLabel | null =
    row.label === null
      ? null
      : { label: row.label as TransactionLabel['label'], analyst: row.label_analyst ?? '', at: row.label_at ?? '' };
  const acknowledged: Acknowledgement | null =
    row.ack_at === null ? null : { analyst: row.ack_analyst ?? '', at: row.ack_at };
  return {
    ...parseBody(row.body),
    ...(row.fingerprint === null ? {} : { fingerprint: row.fingerprint }),
    label,
    acknowledged,
  };
};

export class SqlStorage implements Storage {
  constructor(private readonly db: Queryable) {}

  /**
   * One INSERT for all records. They travel as ONE jsonb parameter expanded by jsonb_to_recordset: no per-row
   * placeholders or array escaping, and each body is parsed once, by the database. Only conflicting ids are read back.
   */
  async saveMany(records: readonly ScoredTransaction[]): Promise<SaveResult[]> {
    if (records.length === 0) return [];
    const rowsJson = JSON.stringify(
      records.map((r) => {
        const { label, acknowledged, fingerprint, ...body } = r;
        return {
          id: r.id,
          customer_id: r.transaction.customerId,
          risk_level: r.riskLevel,
          tx_time: r.transaction.timestamp,
          scored_at: r.scoredAt,
          body,
          fingerprint: fingerprint ?? null,
          label: label?.label ?? null,
          label_analyst: label?.analyst ?? null,
          label_at: label?.at ?? null,
          ack_analyst: acknowledged?.analyst ?? null,
          ack_at: acknowledged?.at ?? null,
        };
      }),
    );
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO scored_transactions (id, customer_id, risk_level, tx_time, scored_at, body, fingerprint, label, label_analyst, label_at, ack_analyst, ack_at)
       SELECT id, customer_id, risk_level, tx_time, scored_at, body, fingerprint, label, label_analyst, label_at, ack_analyst, ack_at
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, customer_id text, risk_level text, tx_time double precision,
         scored_at timestamptz, body jsonb, fingerprint text, label text, label_analyst text, label_at text, ack_analyst text, ack_at text)
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [rowsJson],
    );
    const inserted = new Set(rows.map((r) => r.id));
    const firstIndex = new Map<string, number>();
    records.forEach((r, i) => {
      if (!firstIndex.has(r.id)) firstIndex.set(r.id, i);
    });
    const conflicting = [...firstIndex.keys()].filter((id) => !inserted.has(id));
    const existing = new Map<string, ScoredTransaction>();
    (await this.getMany(conflicting)).forEach((record, k) => {
      if (!record) throw new Error(`scored transaction ${conflicting[k]} conflicted but cannot be read`);
      existing.set(record.id, record);
    });
    return records.map((record, i) => {
      const created = inserted.has(record.id) && firstIndex.get(record.id) === i;
      if (created) return { record, created };
      return { record: existing.get(record.id) ?? records[firstIndex.get(record.id)!]!, created: false };
    });
  }

  async get(id: string): Promise<ScoredTransaction | undefined> {
    return (await this.getMany([id]))[0];
  }

  async getMany(ids: readonly string[]): Promise<(ScoredTransaction | undefined)[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<Row & { id: string }>(
      `SELECT id, ${COLUMNS} FROM scored_transactions WHERE id = ANY($1::text[])`,
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      return row && toRecord(row);
    });
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
    if (query.riskLevels && query.riskLevels.length > 0)
      where.push(`risk_level IN (${query.riskLevels.map(param).join(', ')})`);
    if (query.from !== undefined) where.push(`tx_time >= ${param(query.from)}`);
    if (query.to !== undefined) where.push(`tx_time < ${param(query.to)}`);
    if (query.customerId !== undefined) where.push(`customer_id = ${param(query.customerId)}`);
    if (query.labelled !== undefined) where.push(query.labelled ? 'label IS NOT NULL' : 'label IS NULL');
    if (after !== undefined)
      where.push(`(tx_time, id) < (${param(after.timestamp)}::double precision, ${param(after.id)}::text COLLATE "C")`);
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
    const nextCursor =
      rows.length > limit && last ? encodeCursor({ timestamp: Number(last.tx_time), id: last.id }) : null;
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

  async setLabels(
    labels: readonly { id: string; label: TransactionLabel }[],
  ): Promise<(ScoredTransaction | undefined)[]> {
    if (labels.length === 0) return [];
    // One statement for all (POST /v1/labels, back-fills); an id given twice takes its last label, as one at a time.
    const last = new Map(labels.map((l) => [l.id, l.label]));
    const { rows } = await this.db.query<Row & { id: string }>(
      `UPDATE scored_transactions AS t SET label = v.label, label_analyst = v.analyst, label_at = v.at
       FROM jsonb_to_recordset($1::jsonb) AS v(id text, label text, analyst text, at text)
       WHERE t.id = v.id
       RETURNING t.id, ${COLUMNS.split(',')
         .map((c) => `t.${c.trim()}`)
         .join(', ')}`,
      [JSON.stringify([...last].map(([id, l]) => ({ id, label: l.label, analyst: l.analyst, at: l.at })))],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return labels.map(({ id }) => {
      const row = byId.get(id);
      return row && toRecord(row);
    });
  }

  async acknowledge(id: string, acknowledgement: Acknowledgement): Promise<ScoredTransaction | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE scored_transactions SET ack_analyst = $2, ack_at = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, acknowledgement.analyst, acknowledgement.at],
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
    const { rows } = await this.db.query<{
      from_value: number;
      to_value: number;
      changed_by: string;
      changed_at: string;
    }>('SELECT from_value, to_value, changed_by, changed_at FROM threshold_changes ORDER BY seq');
    return rows.map((r) => ({
      from: Number(r.from_value),
      to: Number(r.to_value),
      by: r.changed_by,
      at: r.changed_at,
    }));
  }
}
