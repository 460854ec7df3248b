// A transaction to score, as the edge accepts it: the input contract (sdk/src/contract.ts: its limits, predicates
// and messages, which normalizeTransaction applies in the SDK too) as a zod schema, so /openapi.json shows the rules
// (pattern, maxLength, maximum, descriptions) and the service validates with the same object. Fields the model's
// feature spec declares beyond these pass through to the SDK. Also the stored, scored transaction every scoring and
// listing route answers with.
import {
  amountProblem,
  DEFAULT_LIMITS,
  formatDuration,
  formatNumber,
  MAX_ID_LENGTH,
  parseTimestamp,
  RULES,
  timestampProblem,
  ValidationError,
  type InputLimits,
  type TimeWindow,
} from '@fraudscore/sdk';
import { riskLevel } from './common.js';
import { fromProblem, idField } from './contract.js';
import { z } from './zod.js';

/** The SDK's ISO 8601 grammar: date, optional time with fraction, optional zone (Z or ±hh[:mm]); zone-less is UTC. */
const ISO_8601 =
  '^\\d{4}-\\d{2}-\\d{2}(?:[Tt ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?)?(?:[Zz]|[+-]\\d{2}(?::?\\d{2})?)?$';

/** The edge's input limits and clock: the schema checks the timestamp window against `clock()` at parse time. */
export interface TransactionSchemaOptions {
  limits?: Partial<InputLimits>;
  /** Epoch ms; absent: the window is described but only the 1970..9999 range is checked (documentation). */
  clock?: () => number;
}

function windowText(window: TimeWindow | false): string {
  return window === false
    ? 'No window around the clock is applied (back-fill).'
    : `Within ${formatDuration(window.pastMs)} before and ${formatDuration(window.futureMs)} after the server's clock (TIMESTAMP_MAX_AGE, TIMESTAMP_MAX_AHEAD); back-fills opt out with ?backfill=true (admin scope) or "backfill": true in a transactions_raw message.`;
}

export const timestampField = ({ limits = {}, clock }: TransactionSchemaOptions = {}) => {
  const window = limits.timeWindow === undefined ? DEFAULT_LIMITS.timeWindow : limits.timeWindow;
  return z
    .union(
      [z.string().meta({ pattern: ISO_8601 }), z.int({ error: `must be ${RULES.timestamp}` }).meta({ minimum: 0 })],
      { error: `must be ${RULES.timestamp}` },
    )
    .superRefine((value, ctx) => {
      let ms: number;
      try {
        ms = parseTimestamp(value);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message:
            error instanceof ValidationError ? error.message.replace(/^timestamp: /, '') : `must be ${RULES.timestamp}`,
          input: value,
        });
        return;
      }
      const message = timestampProblem(ms, window, clock?.());
      if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: value });
    })
    .meta({
      description: `ISO 8601 text (with a zone, else read as UTC; a date alone is midnight UTC; the date must exist) or whole epoch milliseconds, from 1970-01-01 to 9999-12-31. ${windowText(window)}`,
      examples: ['2026-03-20T10:00:00Z', 1774000800000],
    });
};

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

/**
 * A transaction to score under the input contract (sdk/src/contract.ts) with these limits: the schema /openapi.json
 * publishes and the scoring service validates with. `clock` makes it check the timestamp window too.
 */
export function transactionSchema(options: TransactionSchemaOptions = {}) {
  const maxAmount = options.limits?.maxAmount ?? DEFAULT_LIMITS.maxAmount;
  return z
    .looseObject(
      {
        id: idField(
          'Transaction id; scoring is idempotent per id: the same id with the same content returns the stored result, with different content it is a 409 conflict (see the Transaction schema).',
        ),
        customerId: idField('Card or customer id.'),
        terminalId: idField('Terminal or merchant id.'),
        amount: z
          .number({ error: `must be ${RULES.amount(maxAmount)}` })
          .meta({
            minimum: 0,
            maximum: maxAmount,
            description: `Transaction amount: ${RULES.amount(maxAmount)} (the ceiling is MAX_AMOUNT).`,
          })
          .superRefine(fromProblem((amount: number) => amountProblem(amount, maxAmount))),
        timestamp: timestampField(options),
        preScore: preScore.nullish(),
        label: z
          .unknown()
          .optional()
          .meta({ description: 'Ignored: labels arrive through POST /v1/transactions/{id}/label only.' }),
      },
      { error: 'must be an object with id, customerId, terminalId, amount and timestamp' },
    )
    .meta({
      description: [
        "A transaction to score. Further fields the model's feature spec declares are passed to it and checked there; other fields are ignored.",
        `Same content: two submissions of an id are the same transaction when they agree on every field the model reads once normalized (ids as text, so 17 and "17" agree; the timestamp as an instant, so "2026-03-20T11:00:00+01:00", "2026-03-20T10:00:00Z" and 1774000800000 agree; the amount as a number; the feature spec's declared fields). preScore, label and undeclared fields are not content.`,
        `Limits: amounts up to ${formatNumber(maxAmount)}; ids up to ${MAX_ID_LENGTH} characters.`,
      ].join(' '),
    });
}

/** With the default limits: the component schema of /openapi.json unless the app is configured otherwise. */
export const transactionInput = transactionSchema();

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
    fingerprint: z.string().optional().meta({
      description:
        "sha256 (hex) of the transaction's content, as idempotency compares it (see Transaction: same content); absent on records stored before it was kept.",
    }),
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
