// POST /v1/score (one transaction) and POST /v1/score/batch ({ transactions: [...] }, 1..1000); ?explain=false skips SHAP.
// Bodies are checked against the schemas /openapi.json publishes (the batch envelope here, each transaction in the
// service); the SDK then checks the fields of the model's feature spec.
import { Hono } from 'hono';
import { readJson } from '../../http.js';
import { batchIssueStatus, scoreBatchBody, scoreQuery, validate, validateQuery } from '../../schemas/index.js';
import type { ScoringService } from '../../service/index.js';

export interface ScoreRoutesOptions {
  service: ScoringService;
}

export function scoreRoutes({ service }: ScoreRoutesOptions): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const { explain } = validateQuery(c, scoreQuery);
    // The service checks the body against transactionInput (= scoreBody, the schema /openapi.json publishes); the raw
    // body goes on, so fields the model's spec declares beyond the schema reach the SDK untouched.
    return c.json(await service.score(await readJson(c), { explain }));
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
