// GET /v1/models and GET /health.
import { z } from './zod.js';

const modelSource = z.union([
  z.object({ kind: z.literal('bundle'), location: z.string() }),
  z.object({
    kind: z.literal('registry'),
    name: z.string(),
    version: z.string(),
    alias: z.string(),
    runId: z.string().nullable(),
  }),
]);

export const modelStatus = z.object({
  source: modelSource,
  state: z.enum(['ok', 'degraded']),
  reasons: z.array(z.string()).meta({ description: 'Why it is degraded, newest first.' }),
  checkedAt: z.string().nullable(),
});

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
  status: modelStatus
    .optional()
    .meta({ description: 'Provenance and registry-following state (when the server follows a registry).' }),
});

export const health = z.object({
  status: z.enum(['ok', 'degraded']).meta({
    description:
      "degraded: still serving, but the registry could not be followed or the stream's batches keep failing (see reasons).",
  }),
  model: z.object({ name: z.string(), version: z.string() }),
  source: modelSource.optional(),
  reasons: z
    .array(z.string())
    .optional()
    .meta({ description: 'Why it is degraded (present when the server follows a registry or something is wrong).' }),
  registryCheckedAt: z.string().nullable().optional(),
  time: z.string(),
});
