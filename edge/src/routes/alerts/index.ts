// GET /v1/alerts: scored transactions at HIGH or CRITICAL, with the transaction list's filters and paging.
import { Hono } from 'hono';
import { listQuery } from '../../http.js';
import { ALERT_LEVELS, type Storage } from '../../storage/index.js';

export interface AlertRoutesOptions {
  storage: Storage;
}

export function alertRoutes({ storage }: AlertRoutesOptions): Hono {
  const app = new Hono();
  app.get('/', async (c) => c.json(await storage.list(listQuery(c, ALERT_LEVELS))));
  return app;
}
