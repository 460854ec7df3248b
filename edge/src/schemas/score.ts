// POST /v1/score and /v1/score/batch (and the legacy /predict pair, which take the same bodies).
import { errorObject, queryFlag } from './common.js';
import { scoredTransaction, transactionInput } from './transaction.js';
import type { RefusalStatus } from './validate.js';
import { z } from './zod.js';

export const MAX_BATCH = 1000;

const backfill = queryFlag(
  false,
  "A back-fill of past transactions: the timestamp window around the server's clock is not applied (timestamps must still be from 1970 to 9999). Needs the admin scope when the API has keys.",
);

export const scoreQuery = z.object({
  explain: queryFlag(true, 'SHAP top factors and values (default true); false is faster.'),
  backfill,
});

/** The original /predict routes: no explain flag (always explained), the same back-fill opt-out. */
export const legacyScoreQuery = z.object({ backfill });

/** One transaction; a body that is not an object is refused on `transaction`. */
export const scoreBody = transactionInput;

const BATCH_SIZE = `must hold 1 to ${MAX_BATCH} transactions`;
/** The batch envelope around a transaction schema (each item is checked by the service, naming transactions[i]). */
export const scoreBatchSchema = <T extends z.ZodType>(transaction: T) =>
  z.object(
    {
      transactions: z
        .array(transaction, { error: 'must be an array of transactions' })
        .min(1, { error: BATCH_SIZE })
        .max(MAX_BATCH, {
          error: (issue) => `must hold at most ${MAX_BATCH} transactions, got ${(issue.input as unknown[]).length}`,
        })
        .meta({ description: `1..${MAX_BATCH} transactions, scored in order: each sees the ones before it.` }),
    },
    { error: 'must be an object { transactions: [...] }' },
  );

/** As published (/openapi.json): the envelope of Transactions. */
export const scoreBatchBody = scoreBatchSchema(transactionInput);
/** What the batch routes check before the service checks each transaction (once, with the clock). */
export const scoreBatchEnvelope = scoreBatchSchema(z.unknown());

/**
 * The batch's own shape is a bad request (400, named `transactions` when the body is not an object), too many
 * transactions 413, a bad transaction inside it 422 as for a single score.
 */
export function batchIssueStatus(issue: z.core.$ZodIssue): RefusalStatus {
  if (issue.path.length > 1) return 422;
  return issue.code === 'too_big' ? 413 : 400;
}

/** A batch item that was not scored: the id as sent (when it was an id) and the error, as any error of the API. */
export const batchItemError = z
  .object({
    id: z.string().optional().meta({ description: 'The transaction id (absent when the item had no valid id).' }),
    error: errorObject,
  })
  .meta({
    description:
      'An item of a batch that was not scored (409 conflict: the id was already scored with different content, or appears earlier in the batch with different content). The other items are scored.',
  });

export const scoreBatchResponse = z.object({
  results: z.array(z.union([scoredTransaction, batchItemError])).meta({
    description:
      'In request order: a ScoredTransaction per item, or { id, error } for an item that was not scored (a conflicting duplicate). A batch with an invalid item is refused whole (422) before anything is scored.',
  }),
});
