// GET /health: liveness, with the active model's version.
import { Hono } from 'hono';
import type { ScoringService } from '../../service/index.js';

export interface HealthRoutesOptions {
  service: ScoringService;
  clock: () => number;
}

export function healthRoutes({ service, clock }: HealthRoutesOptions): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const { name, version } = service.currentModel().model;
    return c.json({ status: 'ok', model: { name, version }, time: new Date(clock()).toISOString() });
  });
  return app;
}
