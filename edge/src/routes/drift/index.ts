// GET /v1/drift?window=6h — PSI per feature and for the score over the window ending now, against reference.json.
// GET /v1/drift/history?from&to — the snapshots the scheduler kept, oldest first, for charts.
// Mounted at /v1/drift.
import { Hono } from 'hono';
import { takeSnapshot, type DriftHistory, type DriftOptions, type DriftReference, type DriftRowsSource } from '../../drift/index.js';
import { driftHistoryQuery, driftQuery, driftWindow, validate, validateQuery } from '../../schemas/index.js';

export interface DriftRoutesOptions {
  reference: DriftReference;
  featureNames: readonly string[];
  rows: DriftRowsSource;
  history: DriftHistory;
  clock: () => number;
  drift?: DriftOptions;
  /** The window when none is asked for; default 6 h. */
  defaultWindow?: string;
}

/** `<integer><m|h|d>` (30m, 6h, 1d, 7d) → milliseconds, 1 minute .. 30 days; anything else → 400 on `window`. */
export const parseWindow = (text: string): number => validate(driftWindow, text, { field: 'window', status: 400 });

export function driftRoutes(options: DriftRoutesOptions): Hono {
  const { reference, featureNames, rows, history, clock } = options;
  const defaultWindow = options.defaultWindow ?? '6h';
  const defaultMs = parseWindow(defaultWindow);
  const app = new Hono();

  app.get('/', async (c) => {
    const ms = validateQuery(c, driftQuery).window ?? defaultMs;
    const window = c.req.query('window') ?? defaultWindow;
    const snapshot = await takeSnapshot({ reference, featureNames, rows, ...(options.drift ? { options: options.drift } : {}) }, clock(), ms);
    return c.json({ ...snapshot, window: { ...snapshot.window, length: window } });
  });

  app.get('/history', async (c) => {
    const { from, to } = validateQuery(c, driftHistoryQuery);
    const snapshots = await history.list({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
    return c.json({ snapshots });
  });

  return app;
}
