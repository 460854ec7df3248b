// The original service's routes (snake_case): POST /threshold and the responses existing clients parse.
import { errorObject, riskLevel } from './common.js';
import { whoText } from './contract.js';
import { z } from './zod.js';

export const thresholdBody = z.object(
  {
    threshold: z
      .number({ error: 'must be a number strictly between 0 and 1' })
      .gt(0, { error: 'must be a number strictly between 0 and 1' })
      .lt(1, { error: 'must be a number strictly between 0 and 1' })
      .meta({ description: 'The new block threshold; applies from the next request on.' }),
    changed_by: whoText(200)
      .optional()
      .meta({ description: "Who changed it, for the audit (trimmed); default 'api'." }),
  },
  { error: 'must be an object { threshold, changed_by? }' },
);

export const legacyPrediction = z.object({
  transaction_id: z.string(),
  fraud_probability: z.number(),
  fraud_score: z.int().min(0).max(100).meta({ description: 'round(probability × 100).' }),
  risk_level: riskLevel,
  should_block: z.boolean(),
  top_risk_factors: z.array(
    z.object({
      feature: z.string(),
      value: z.number().nullable(),
      contribution: z.number(),
      direction: z.enum(['increases_risk', 'decreases_risk']),
    }),
  ),
  shap_values: z
    .record(z.string(), z.number())
    .meta({ description: 'Feature → SHAP value (log-odds); empty when scored without explanations.' }),
  model_version: z.string(),
});

export const legacyBatchResponse = z.object({
  predictions: z.array(
    z.union([
      legacyPrediction,
      z
        .object({ transaction_id: z.string().optional(), error: errorObject })
        .meta({ description: 'A conflicting duplicate: not scored (the others are).' }),
    ]),
  ),
});

export const thresholdState = z.object({
  threshold: z.number(),
  bundle_threshold: z.number(),
  source: z.enum(['bundle', 'runtime']),
});
