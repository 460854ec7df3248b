// A transaction to score, as the edge accepts it: the envelope the scoring service checks (id, optional device
// pre-score) plus the SDK's rules for the core fields (normalizeTransaction in sdk/src/features/validate.ts), which
// the SDK applies again when scoring. Fields the model's feature spec declares beyond these pass through to it.
// Also the stored, scored transaction every scoring and listing route answers with.
import { riskLevel } from './common.js';
import { z } from './zod.js';

const ID_RULE = 'must be a non-empty string (at most 256 characters) or an integer';
const ENTITY_RULE = 'must be a non-empty string or a finite number';
/** The ECMAScript Date range, as the SDK allows for epoch milliseconds. */
const MAX_EPOCH_MS = 8.64e15;
/** The SDK's ISO 8601 grammar: date, optional time with fraction, optional zone (Z or ±hh[:mm]); zone-less is UTC. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const TIMESTAMP_RULE = 'must be ISO 8601 text like "2018-04-01T00:08:01Z" or epoch milliseconds';

const entityId = (description: string) =>
  z.union([z.string().min(1), z.number()], { error: ENTITY_RULE }).meta({ description });

export const timestamp = z
  .union([z.string().regex(ISO_8601), z.int().min(-MAX_EPOCH_MS).max(MAX_EPOCH_MS)], { error: TIMESTAMP_RULE })
  .meta({
    description:
      'ISO 8601 text (with a zone, else read as UTC; a date alone is midnight UTC; the date must exist) or integer epoch milliseconds.',
    examples: ['2026-03-20T10:00:00Z', 1774000800000],
  });

export const preScore = z
  .object(
    {
      probability: z
        .number({ error: 'must be a number in [0, 1]' })
        .min(0, { error: 'must be a number in [0, 1]' })
        .max(1, { error: 'must be a number in [0, 1]' }),
      riskLevel,
    },
    { error: 'must be an object { probability, riskLevel }' },
  )
  .meta({
    description: "The device's own score (SDK on the device), kept beside the authoritative one to measure agreement.",
  });

export const transactionInput = z
  .looseObject(
    {
      id: z.union([z.string().min(1).max(256), z.int()], { error: ID_RULE }).meta({
        description: 'Transaction id; scoring is idempotent per id (a repeated id returns the stored result).',
      }),
      customerId: entityId('Card or customer id.'),
      terminalId: entityId('Terminal or merchant id.'),
      amount: z
        .number({ error: 'must be a finite number >= 0' })
        .min(0, { error: 'must be a finite number >= 0' })
        .meta({ description: 'Transaction amount (finite, >= 0).' }),
      timestamp,
      preScore: preScore.nullish(),
      label: z
        .unknown()
        .optional()
        .meta({ description: 'Ignored: labels arrive through POST /v1/transactions/{id}/label only.' }),
    },
    { error: 'must be an object with id, customerId, terminalId, amount and timestamp' },
  )
  .meta({
    description:
      "A transaction to score. Further fields the model's feature spec declares are passed to it and checked there.",
  });

const topFactor = z.object({
  feature: z.string(),
  value: z.number().nullable().meta({ description: "The feature's value; null when missing." }),
  contribution: z.number().meta({ description: 'SHAP contribution in log-odds.' }),
  direction: z.enum(['increases_risk', 'decreases_risk']),
});

const label = z.object({
  label: z.enum(['fraud', 'legitimate']),
  analyst: z.string(),
  at: z.string().meta({ description: 'When the analyst decided (ISO 8601).' }),
});

export const scoredTransaction = z
  .object({
    id: z.string(),
    transaction: z
      .looseObject({
        id: z.string(),
        customerId: z.string(),
        terminalId: z.string(),
        amount: z.number(),
        timestamp: z.number().meta({ description: 'Epoch milliseconds.' }),
      })
      .meta({ description: 'The transaction as validated: ids as strings, timestamp in epoch ms, no label.' }),
    probability: z.number().min(0).max(1),
    riskLevel,
    shouldBlock: z.boolean(),
    threshold: z.number().meta({ description: 'The threshold the tier and block were decided with.' }),
    topFactors: z.array(topFactor).meta({ description: 'Largest SHAP contributions; empty with explain=false.' }),
    shap: z
      .object({ baseValue: z.number(), values: z.array(z.number()) })
      .nullable()
      .meta({ description: "SHAP values (log-odds) in the model's feature order; null with explain=false." }),
    features: z.record(z.string(), z.number().nullable()),
    margins: z
      .record(z.string(), z.number())
      .optional()
      .meta({ description: "Each ensemble member's log-odds before weighting." }),
    modelVersion: z.string(),
    scoredAt: z.string().meta({ description: 'When the edge scored it (ISO 8601).' }),
    deviceScore: z.object({ probability: z.number(), riskLevel }).nullable(),
    agreement: z
      .object({
        sameTier: z.boolean(),
        delta: z.number().meta({ description: "Authoritative probability minus the device's." }),
      })
      .nullable(),
    label: label.nullable(),
    acknowledged: z
      .object({ analyst: z.string(), at: z.string().meta({ description: 'When (ISO 8601).' }) })
      .nullable()
      .meta({
        description:
          'The analyst who took the alert (POST /v1/transactions/{id}/acknowledge), shared by the whole queue.',
      }),
  })
  .meta({ description: 'A scored transaction as stored: GET /v1/transactions/{id} returns the same.' });
