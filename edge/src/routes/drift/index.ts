// GET /v1/drift?window=1d — drift per feature and for the score over the window ending now (default DRIFT_WINDOW),
//   or over a past period (?from&until, or ?window&until), against the baseline; not kept.
// GET /v1/drift/history?from&to — the kept snapshots, oldest first, for charts.
// GET /v1/drift/baseline — the baseline in force (the bundle's reference.json, or a window an admin chose).
// Mounted at /v1/drift.
import { formatDuration } from '@fraudscore/sdk';
import { Hono } from 'hono';
import type { DriftHistory, DriftMonitor } from '../../drift/index.js';
import { ApiError } from '../../errors.js';
import {
  driftHistoryQuery,
  driftPeriod,
  driftQuery,
  driftWindow,
  validate,
  validateQuery,
  type DriftPeriodRequest,
} from '../../schemas/index.js';

export interface DriftRoutesOptions {
  monitor: DriftMonitor;
  history: DriftHistory;
  /** The window when none is asked for (the host's DRIFT_WINDOW); default 1 day. */
  defaultWindowMs?: number;
  /** Epoch ms now (the end of a window when no until is given). */
  clock?: () => number;
}

/** [from, until) of a drift request, or `status` (400 for a query, 422 for a body, as their validation) naming the field. */
export function requestedPeriod(
  request: DriftPeriodRequest,
  now: number,
  defaultMs: number,
  status: 400 | 422 = 400,
): { from: number; until: number } {
  const period = driftPeriod(request, now, defaultMs);
  if ('error' in period) {
    const code = status === 400 ? 'bad_request' : 'validation_error';
    throw new ApiError(status, code, `${period.field}: ${period.error}`, period.field);
  }
  return period;
}

/** `<integer><m|h|d>` (30m, 6h, 1d, 7d) → milliseconds, 1 minute .. 30 days; anything else → 400 on `window`. */
export const parseWindow = (text: string): number => validate(driftWindow, text, { field: 'window', status: 400 });

export function driftRoutes({
  monitor,
  history,
  defaultWindowMs = 86_400_000,
  clock = Date.now,
}: DriftRoutesOptions): Hono {
  const app = new Hono();

  app.get('/', async (c) => {
    const query = validateQuery(c, driftQuery);
    const { from, until } = requestedPeriod(query, clock(), defaultWindowMs);
    const snapshot = await monitor.snapshot(until - from, until);
    return c.json({ ...snapshot, window: { ...snapshot.window, length: formatDuration(until - from) } });
  });

  app.get('/history', async (c) => {
    const { from, to } = validateQuery(c, driftHistoryQuery);
    const snapshots = await history.list({
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    });
    return c.json({ snapshots });
  });

  app.get('/baseline', (c) => c.json(monitor.info()));

  return app;
}
