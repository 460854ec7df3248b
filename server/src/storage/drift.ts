// Drift snapshots kept in the database, so the drift charts' history survives restarts (the edge's DriftHistory).
import type { DriftHistory, DriftSnapshot } from '@fraudscore/edge';
import type { Queryable } from './sql.js';

export class SqlDriftHistory implements DriftHistory {
  constructor(private readonly db: Queryable) {}

  async append(snapshot: DriftSnapshot): Promise<void> {
    await this.db.query('INSERT INTO drift_snapshots (computed_at, body) VALUES ($1, $2::jsonb)', [snapshot.computedAt, JSON.stringify(snapshot)]);
  }

  async list(range: { from?: number; to?: number } = {}): Promise<DriftSnapshot[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (range.from !== undefined) where.push(`computed_at >= $${params.push(new Date(range.from).toISOString())}`);
    if (range.to !== undefined) where.push(`computed_at <= $${params.push(new Date(range.to).toISOString())}`);
    const { rows } = await this.db.query<{ body: unknown }>(
      `SELECT body FROM drift_snapshots ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY computed_at, seq`,
      params,
    );
    return rows.map((r) => (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as DriftSnapshot);
  }
}
