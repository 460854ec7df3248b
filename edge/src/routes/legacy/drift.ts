// The original service's drift routes, in its snake_case, over the edge's DriftMonitor (mounted at '/', admin):
//   POST /drift/check         { window? = 6h } → a snapshot now, kept in the history (charts, metrics)
//   POST /drift/set-baseline  { window? = 7d, reset?, changed_by? } → that window of scored transactions becomes the
//                             baseline (or reset: the bundle's reference.json); recorded with who and when
import { Hono } from 'hono';
import { BaselineTooSmallError, type BaselineInfo, type DriftMonitor, type DriftSnapshot } from '../../drift/index.js';
import { ApiError } from '../../errors.js';
import { readJson } from '../../http.js';
import { driftCheckBody, setBaselineBody, validate } from '../../schemas/index.js';

export interface LegacyDriftRoutesOptions {
  monitor: DriftMonitor;
  /** Default window of a check (6h) and of a new baseline (7d). */
  checkWindowMs?: number;
  baselineWindowMs?: number;
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

export function legacyCheck(s: DriftSnapshot) {
  const names = (level: string) =>
    Object.entries(s.features)
      .filter(([, d]) => d.level === level)
      .map(([name]) => name);
  return {
    drift_detected: s.level !== 'ok',
    drift_level: s.level,
    score_drift: psiOf(s.score),
    feature_drift: Object.fromEntries(Object.entries(s.features).map(([name, d]) => [name, psiOf(d)])),
    missing_share: Object.fromEntries(Object.entries(s.features).map(([name, d]) => [name, d.missingShare])),
    alert_features: names('alert'),
    warn_features: names('warn'),
    thresholds: s.thresholds,
    n_samples: s.rows,
    window: s.window,
    baseline: legacyBaseline(s.baseline),
    checked_at: s.computedAt,
  };
}

export function legacyDriftRoutes({
  monitor,
  checkWindowMs = 6 * 3_600_000,
  baselineWindowMs = 7 * 86_400_000,
}: LegacyDriftRoutesOptions): Hono {
  const app = new Hono();

  app.post('/drift/check', async (c) => {
    const { window } = validate(driftCheckBody, await readJson(c, { optional: true }));
    return c.json(legacyCheck(await monitor.check(window ?? checkWindowMs)));
  });

  app.post('/drift/set-baseline', async (c) => {
    const { window, reset, changed_by: by } = validate(setBaselineBody, await readJson(c, { optional: true }));
    const who = by?.trim() ?? 'api';
    if (reset) return c.json({ status: 'baseline reset', baseline: legacyBaseline(await monitor.resetBaseline(who)) });
    try {
      return c.json({
        status: 'baseline set',
        baseline: legacyBaseline(await monitor.setBaseline(window ?? baselineWindowMs, who)),
      });
    } catch (error) {
      if (error instanceof BaselineTooSmallError)
        throw new ApiError(422, 'validation_error', `${error.message}; choose a longer window`, 'window');
      throw error;
    }
  });

  return app;
}
