// GET /v1/alerts: scored transactions at HIGH or CRITICAL, with the transaction list's filters and paging.
import { Hono } from 'hono';
import { alertListQuery, validateQuery } from '../../schemas/index.js';
import type { Storage } from '../../storage/index.js';

export interface AlertRoutesOptions {
  storage: Storage;
}

export function alertRoutes({ storage }: AlertRoutesOptions): Hono {
  const app = new Hono();
  app.get('/', async (c) => c.json(await storage.list(validateQuery(c, alertListQuery))));
  return app;
}
