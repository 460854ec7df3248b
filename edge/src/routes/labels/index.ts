// POST /v1/transactions/{id}/label: { label: 'fraud' | 'legitimate', analyst, at? } — analyst feedback.
import { Hono } from 'hono';
import { pathId, readJson } from '../../http.js';
import type { ScoringService } from '../../service/index.js';

export interface LabelRoutesOptions {
  service: ScoringService;
}

export function labelRoutes({ service }: LabelRoutesOptions): Hono {
  const app = new Hono();
  app.post('/:id/label', async (c) => {
    const id = pathId(c);
    return c.json(await service.label(id, await readJson(c)));
  });
  return app;
}
