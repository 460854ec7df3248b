// POST /v1/transactions/{id}/label: { label: 'fraud' | 'legitimate', analyst, at? } — analyst feedback.
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
  return app;
}
