// The original service's drift routes, in its snake_case, over the edge's DriftMonitor (mounted at '/', admin):
//   POST /drift/check         { window? = DRIFT_WINDOW, from?, until? } → a snapshot of the window ending now (or of
//                             a past period), kept in the history (charts, metrics)
//   POST /drift/set-baseline  { window? = 7d, until? = now, reset?, changed_by? } → that window of scored transactions
//                             becomes the baseline (or reset: the bundle's reference.json); recorded with who and when
import { Hono } from 'hono';
import {
  BaselineTooSmallError,
  namesAtLevel,
  type BaselineInfo,
  type DriftMonitor,
  type DriftSnapshot,
} from '../../drift/index.js';
import { ApiError } from '../../errors.js';
import { readJson } from '../../http.js';
import { driftCheckBody, setBaselineBody, validate } from '../../schemas/index.js';
import { requestedPeriod } from '../drift/index.js';

export interface LegacyDriftRoutesOptions {
  monitor: DriftMonitor;
  /** Default window of a check (1d) and of a new baseline (7d). */
  checkWindowMs?: number;
  baselineWindowMs?: number;
  /** Epoch ms now. */
  clock?: () => number;
}

const psiOf = (d: { psi: number | null }) => d.psi;

function legacyBaseline(b: BaselineInfo) {
  return {
    source: b.source,
    model_version: b.modelVersion,
    window: b.window,
    n_samples: b.rows,
    set_by: b.setBy,
    set_at: b.setAt,
  };
}

/** The lists name features and, as "score", the score: its drift counts like any feature's. */
export function legacyCheck(s: DriftSnapshot) {
  return {
    drift_detected: s.level === 'warn' || s.level === 'alert',
    drift_level: s.level,
    score_drift: psiOf(s.score),
    score_distance: s.score.wasserstein,
    feature_drift: Object.fromEntries(Object.entries(s.features).map(([name, d]) => [name, psiOf(d)])),
    feature_distance: Object.fromEntries(Object.entries(s.features).map(([name, d]) => [name, d.wasserstein])),
    missing_share: Object.fromEntries(Object.entries(s.features).map(([name, d]) => [name, d.missingShare])),
    alert_features: namesAtLevel(s, 'alert'),
    warn_features: namesAtLevel(s, 'warn'),
    insufficient_data: namesAtLevel(s, 'insufficient_data'),
    thresholds: s.thresholds,
    distance_thresholds: s.distanceThresholds,
    min_rows: s.minRows,
    n_samples: s.rows,
    window: s.window,
    baseline: legacyBaseline(s.baseline),
    checked_at: s.computedAt,
  };
}

export function legacyDriftRoutes({
  monitor,
  checkWindowMs = 86_400_000,
  baselineWindowMs = 7 * 86_400_000,
  clock = Date.now,
}: LegacyDriftRoutesOptions): Hono {
  const app = new Hono();

  app.post('/drift/check', async (c) => {
    const body = validate(driftCheckBody, await readJson(c, { optional: true }));
    const { from, until } = requestedPeriod(body, clock(), checkWindowMs, 422);
    return c.json(legacyCheck(await monitor.check(until - from, until)));
  });

  app.post('/drift/set-baseline', async (c) => {
    const { window, until, reset, changed_by: by } = validate(setBaselineBody, await readJson(c, { optional: true }));
    const who = by?.trim() ?? 'api';
    if (reset) return c.json({ status: 'baseline reset', baseline: legacyBaseline(await monitor.resetBaseline(who)) });
    try {
      return c.json({
        status: 'baseline set',
        baseline: legacyBaseline(await monitor.setBaseline(window ?? baselineWindowMs, who, until)),
      });
    } catch (error) {
      if (error instanceof BaselineTooSmallError)
        throw new ApiError(422, 'validation_error', `${error.message}; choose a longer window`, 'window');
      throw error;
    }
  });

  return app;
}
