// Analyst triage on one transaction:
//   POST /v1/transactions/{id}/label        { label: 'fraud' | 'legitimate', analyst, at? } — feedback for the model
//   POST /v1/transactions/{id}/acknowledge  { analyst, at? } — the alert is taken (shared by the whole queue)
// and, mounted at /v1/labels (bulkLabelRoutes):
//   POST /v1/labels  { labels: [{ id, label, analyst, at? }, ...] } — up to 10,000 at once (back-fills, CSV imports);
//                    all checked before any is written; idempotent when `at` is given
import { Hono } from 'hono';
import { readJson } from '../../http.js';
import { idParam, validateParams } from '../../schemas/index.js';
import type { ScoringService } from '../../service/index.js';

export interface LabelRoutesOptions {
  service: ScoringService;
}

export function labelRoutes({ service }: LabelRoutesOptions): Hono {
  const app = new Hono();
  app.post('/:id/label', async (c) => {
    const { id } = validateParams(c, idParam);
    // The service checks the body against labelBody (the schema /openapi.json publishes).
    return c.json(await service.label(id, await readJson(c)));
  });
  app.post('/:id/acknowledge', async (c) => {
    const { id } = validateParams(c, idParam);
    return c.json(await service.acknowledge(id, await readJson(c)));
  });
  return app;
}

export function bulkLabelRoutes({ service }: LabelRoutesOptions): Hono {
  const app = new Hono();
  app.post('/', async (c) => c.json(await service.labelMany(await readJson(c))));
  return app;
}
