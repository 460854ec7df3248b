// GET /health: liveness, the active model's version, and degraded (still serving) when the registry could not be
// followed (a refused bundle, MLflow unreachable): status 200 either way, so probes restart nothing that works.
import { Hono } from 'hono';
import type { ModelStatus } from '../../registry/index.js';
import type { ScoringService } from '../../service/index.js';

export interface HealthRoutesOptions {
  service: ScoringService;
  clock: () => number;
  /** The model lifecycle's status (when the host follows a registry). */
  status?: () => ModelStatus;
}

export function healthRoutes({ service, clock, status }: HealthRoutesOptions): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const { name, version } = service.currentModel().model;
    const s = status?.();
    return c.json({
      status: s?.state ?? 'ok',
      model: { name, version },
      ...(s ? { source: s.source, reasons: s.reasons, registryCheckedAt: s.checkedAt } : {}),
      time: new Date(clock()).toISOString(),
    });
  });
  return app;
}
