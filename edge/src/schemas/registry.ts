// The MLflow bridge's queries (/mlflow/*) and the lifecycle bodies (/v1/models/promote, /rollback).
import { z } from './zod.js';

const LIMIT = 'must be an integer from 1 to 1000';
const limit = z
  .string()
  .regex(/^\d{1,4}$/, { error: LIMIT })
  .transform(Number)
  .refine((n) => n >= 1 && n <= 1000, { error: LIMIT });

export const mlflowRunsQuery = z.object({
  experiment_id: z.string().min(1).max(64).optional().meta({ description: 'Only this experiment (default: all).' }),
  limit: limit.optional().meta({ description: 'At most this many runs, newest first (default 100).' }),
});

export const mlflowRunParam = z.object({
  run_id: z.string().regex(/^[0-9a-zA-Z_-]{1,64}$/, { error: 'must be an MLflow run id' }),
});

export const mlflowCompareQuery = z.object({
  run_ids: z
    .string()
    .optional()
    .transform((text) =>
      text
        ?.split(',')
        .map((id) => id.trim())
        .filter((id) => id.length > 0),
    )
    .refine(
      (ids) =>
        ids === undefined ||
        (ids.length >= 1 && ids.length <= 50 && ids.every((id) => /^[0-9a-zA-Z_-]{1,64}$/.test(id))),
      { error: 'must be 1 to 50 comma-separated run ids' },
    )
    .meta({ description: 'Runs to compare, comma-separated.' }),
  limit: limit.optional().meta({ description: 'Or the newest N runs (default 10).' }),
});

export const lifecycleBody = z.object(
  {
    changed_by: z
      .string({ error: 'must be a non-empty string of at most 200 characters' })
      .max(200)
      .regex(/\S/, { error: 'must be a non-empty string of at most 200 characters' })
      .optional()
      .meta({ description: "Who asked, recorded on the registry version (default 'api')." }),
  },
  { error: 'must be an object { changed_by? }' },
);
