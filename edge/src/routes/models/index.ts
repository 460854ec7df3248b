// GET /v1/models: the active model (name, version, threshold in force, features, ensemble weights).
import { Hono } from 'hono';
import type { ScoringService } from '../../service/index.js';

export interface ModelRoutesOptions {
  service: ScoringService;
}

export function modelRoutes({ service }: ModelRoutesOptions): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const { name, version, threshold, features, weights, createdAt } = service.currentModel().model;
    return c.json({
      active: { name, version, threshold: service.threshold(), bundleThreshold: threshold, features, weights, createdAt },
    });
  });
  return app;
}
