// GET /v1/models and GET /health.
import { z } from './zod.js';

export const modelInfo = z.object({
  active: z.object({
    name: z.string(),
    version: z.string(),
    threshold: z.number().meta({ description: 'The threshold in force (a runtime change, else the bundle’s).' }),
    bundleThreshold: z.number(),
    features: z.array(z.string()).meta({ description: "The model's features, in SHAP column order." }),
    weights: z.record(z.string(), z.number()).meta({ description: 'Ensemble weights by member.' }),
    createdAt: z.string(),
  }),
});

export const health = z.object({
  status: z.literal('ok'),
  model: z.object({ name: z.string(), version: z.string() }),
  time: z.string(),
});
