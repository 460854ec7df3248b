// Drift snapshots and baseline changes kept in the database, so the drift charts' history and the baseline an admin
// chose survive restarts (the edge's DriftHistory).
import type { DriftBaseline, DriftHistory, DriftSnapshot } from '@fraudscore/edge';
import type { Queryable } from './sql.js';

/** jsonb arrives parsed from pg and PGlite; text would be parsed here. */
const parse = <T>(body: unknown): T => (typeof body === 'string' ? JSON.parse(body) : body) as T;

export class SqlDriftHistory implements DriftHistory {
  constructor(private readonly db: Queryable) {}

  async append(snapshot: DriftSnapshot): Promise<void> {
    await this.db.query('INSERT INTO drift_snapshots (computed_at, body) VALUES ($1, $2::jsonb)', [
      snapshot.computedAt,
      JSON.stringify(snapshot),
    ]);
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
    return rows.map((r) => parse<DriftSnapshot>(r.body));
  }

  async appendBaseline(baseline: DriftBaseline): Promise<void> {
    await this.db.query('INSERT INTO drift_baselines (set_at, body) VALUES ($1, $2::jsonb)', [
      baseline.setAt ?? new Date().toISOString(),
      JSON.stringify(baseline),
    ]);
  }

  async latestBaseline(): Promise<DriftBaseline | undefined> {
    const { rows } = await this.db.query<{ body: unknown }>(
      'SELECT body FROM drift_baselines ORDER BY seq DESC LIMIT 1',
    );
    return rows[0] && parse<DriftBaseline>(rows[0].body);
  }
}
