// GET /v1/transactions (risk, from, to, customerId, limit, cursor) and GET /v1/transactions/{id}.
import { Hono } from 'hono';
import { notFound } from '../../errors.js';
import { idParam, transactionListQuery, validateParams, validateQuery } from '../../schemas/index.js';
import type { Storage } from '../../storage/index.js';

export interface TransactionRoutesOptions {
  storage: Storage;
}

export function transactionRoutes({ storage }: TransactionRoutesOptions): Hono {
  const app = new Hono();
  app.get('/', async (c) => c.json(await storage.list(validateQuery(c, transactionListQuery))));
  app.get('/:id', async (c) => {
    const record = await storage.get(validateParams(c, idParam).id);
    if (!record) throw notFound('transaction', 'id');
    return c.json(record);
  });
  return app;
}
