// GET /v1/drift?window=6h — PSI per feature and for the score over the window ending now, against reference.json.
// GET /v1/drift/history?from&to — the snapshots the scheduler kept, oldest first, for charts.
// Mounted at /v1/drift.
import { Hono } from 'hono';
import { queryTime } from '../../http.js';
import { takeSnapshot, type DriftHistory, type DriftOptions, type DriftReference, type DriftRowsSource } from '../../drift/index.js';
import { badRequest } from '../../errors.js';

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

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const MAX_WINDOW_MS = 30 * UNIT_MS.d;

/** `<integer><m|h|d>` (30m, 6h, 1d, 7d) → milliseconds, 1 minute .. 30 days; anything else → 400 on `window`. */
export function parseWindow(text: string): number {
  const match = /^(\d{1,6})([mhd])$/.exec(text);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : NaN;
  if (!match || !(ms > 0)) throw badRequest('must be a positive duration such as 30m, 6h, 1d or 7d', 'window');
  if (ms > MAX_WINDOW_MS) throw badRequest('must be at most 30d', 'window');
  return ms;
}


export function driftRoutes(options: DriftRoutesOptions): Hono {
  const { reference, featureNames, rows, history, clock } = options;
  const defaultWindow = options.defaultWindow ?? '6h';
  parseWindow(defaultWindow);
  const app = new Hono();

  app.get('/', async (c) => {
    const window = c.req.query('window') ?? defaultWindow;
    const ms = parseWindow(window);
    const snapshot = await takeSnapshot({ reference, featureNames, rows, ...(options.drift ? { options: options.drift } : {}) }, clock(), ms);
    return c.json({ ...snapshot, window: { ...snapshot.window, length: window } });
  });

  app.get('/history', async (c) => {
    const from = queryTime(c.req.query('from'), 'from');
    const to = queryTime(c.req.query('to'), 'to');
    if (from !== undefined && to !== undefined && from > to) throw badRequest('must not be after to', 'from');
    const snapshots = await history.list({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
    return c.json({ snapshots });
  });

  return app;
}
