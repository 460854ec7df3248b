// POST /v1/score (one transaction) and POST /v1/score/batch ({ transactions: [...] }, 1..1000); ?explain=false skips SHAP.
import { Hono } from 'hono';
import { badRequest, tooLarge } from '../../errors.js';
import { flag, readJson } from '../../http.js';
import type { ScoringService } from '../../service/index.js';

export interface ScoreRoutesOptions {
  service: ScoringService;
  maxBatch?: number;
}

export function scoreRoutes({ service, maxBatch = 1000 }: ScoreRoutesOptions): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const explain = flag(c, 'explain', true);
    return c.json(await service.score(await readJson(c), { explain }));
  });
  app.post('/batch', async (c) => {
    const explain = flag(c, 'explain', true);
    const body = await readJson(c);
    const transactions = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['transactions'] : undefined;
    if (!Array.isArray(transactions)) throw badRequest('must be an array of transactions', 'transactions');
    if (transactions.length === 0) throw badRequest(`must hold 1 to ${maxBatch} transactions`, 'transactions');
    if (transactions.length > maxBatch) throw tooLarge(`must hold at most ${maxBatch} transactions, got ${transactions.length}`, 'transactions');
    return c.json({ results: await service.scoreBatch(transactions, { explain }) });
  });
  return app;
}
