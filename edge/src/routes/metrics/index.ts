// GET /metrics: the Prometheus text exposition (format 0.0.4) of the registry. Mounted at /metrics.
import { Hono } from 'hono';
import { CONTENT_TYPE, type Registry } from '../../metrics/index.js';

export interface MetricsRoutesOptions {
  registry: Registry;
}

export function metricsRoutes({ registry }: MetricsRoutesOptions): Hono {
  const app = new Hono();
  app.get('/', (c) => c.body(registry.render(), 200, { 'Content-Type': CONTENT_TYPE, 'Cache-Control': 'no-store' }));
  return app;
}
