// GET /health: liveness, the active model's version, and degraded (still serving) when the registry could not be
// followed (a refused bundle, MLflow unreachable) or the host says so (the stream's batches keep failing): status 200
// either way, so probes restart nothing that works; the reasons say what is wrong.
import { Hono } from 'hono';
import type { ModelStatus } from '../../registry/index.js';
import type { ScoringService } from '../../service/index.js';

export interface HealthRoutesOptions {
  service: ScoringService;
  clock: () => number;
  /** The model lifecycle's status (when the host follows a registry). */
  status?: () => ModelStatus;
  /** The host's other reasons to be degraded (none: empty). */
  degraded?: () => readonly string[];
}

export function healthRoutes({ service, clock, status, degraded }: HealthRoutesOptions): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const { name, version } = service.currentModel().model;
    const s = status?.();
    const host = degraded?.() ?? [];
    const reasons = [...(s?.reasons ?? []), ...host];
    return c.json({
      status: s?.state === 'degraded' || host.length > 0 ? 'degraded' : 'ok',
      model: { name, version },
      ...(s ? { source: s.source, registryCheckedAt: s.checkedAt } : {}),
      ...(s || reasons.length > 0 ? { reasons } : {}),
      time: new Date(clock()).toISOString(),
    });
  });
  return app;
}
