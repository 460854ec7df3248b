// GET /v1/drift?window=6h — PSI per feature and for the score over the window ending now, against the baseline.
// GET /v1/drift/history?from&to — the kept snapshots, oldest first, for charts.
// GET /v1/drift/baseline — the baseline in force (the bundle's reference.json, or a window an admin chose).
// Mounted at /v1/drift.
import { Hono } from 'hono';
import type { DriftHistory, DriftMonitor } from '../../drift/index.js';
import { driftHistoryQuery, driftQuery, driftWindow, validate, validateQuery } from '../../schemas/index.js';

export interface DriftRoutesOptions {
  monitor: DriftMonitor;
  history: DriftHistory;
  /** The window when none is asked for; default 6 h. */
  defaultWindow?: string;
}

/** `<integer><m|h|d>` (30m, 6h, 1d, 7d) → milliseconds, 1 minute .. 30 days; anything else → 400 on `window`. */
export const parseWindow = (text: string): number => validate(driftWindow, text, { field: 'window', status: 400 });

export function driftRoutes({ monitor, history, defaultWindow = '6h' }: DriftRoutesOptions): Hono {
  const defaultMs = parseWindow(defaultWindow);
  const app = new Hono();

  app.get('/', async (c) => {
    const window = c.req.query('window') ?? defaultWindow;
    const ms = validateQuery(c, driftQuery).window ?? defaultMs;
    const snapshot = await monitor.snapshot(ms);
    return c.json({ ...snapshot, window: { ...snapshot.window, length: window } });
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
