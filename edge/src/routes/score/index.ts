// POST /v1/score (one transaction) and POST /v1/score/batch ({ transactions: [...] }, 1..1000); ?explain=false skips SHAP.
// Bodies are checked against the schemas /openapi.json publishes; the service and SDK then check them again.
import { Hono } from 'hono';
import { readJson } from '../../http.js';
import { batchIssueStatus, scoreBatchBody, scoreBody, scoreQuery, validate, validateQuery } from '../../schemas/index.js';
import type { ScoringService } from '../../service/index.js';

export interface ScoreRoutesOptions {
  service: ScoringService;
}

export function scoreRoutes({ service }: ScoreRoutesOptions): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const { explain } = validateQuery(c, scoreQuery);
    const body = await readJson(c);
    validate(scoreBody, body, { field: 'transaction' });
    // The raw body goes on: fields the model's spec declares beyond the schema's reach the SDK untouched.
    return c.json(await service.score(body, { explain }));
  });
  app.post('/batch', async (c) => {
    const { explain } = validateQuery(c, scoreQuery);
    const body = await readJson(c);
    validate(scoreBatchBody, body, { field: 'transactions', status: batchIssueStatus });
    const { transactions } = body as { transactions: unknown[] };
    return c.json({ results: await service.scoreBatch(transactions, { explain }) });
  });
  return app;
}
