// GET /v1/models: the active model (name, version, threshold in force, features, ensemble weights) and, when the
// host follows a registry, where it came from and whether following it works.
import { Hono } from 'hono';
import type { ModelStatus } from '../../registry/index.js';
import type { ScoringService } from '../../service/index.js';

export interface ModelRoutesOptions {
  service: ScoringService;
  status?: () => ModelStatus;
}

export function modelRoutes({ service, status }: ModelRoutesOptions): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const { name, version, threshold, features, weights, createdAt } = service.currentModel().model;
    return c.json({
      active: {
        name,
        version,
        threshold: service.threshold(),
        bundleThreshold: threshold,
        features,
        weights,
        createdAt,
      },
      ...(status ? { status: status() } : {}),
    });
  });
  return app;
}
