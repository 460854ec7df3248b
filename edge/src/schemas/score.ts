// POST /v1/score and /v1/score/batch (and the legacy /predict pair, which take the same bodies).
import { queryFlag } from './common.js';
import { scoredTransaction, transactionInput } from './transaction.js';
import type { RefusalStatus } from './validate.js';
import { z } from './zod.js';

export const MAX_BATCH = 1000;

export const scoreQuery = z.object({
  explain: queryFlag(true, 'SHAP top factors and values (default true); false is faster.'),
});

/** One transaction; a body that is not an object is refused on `transaction`. */
export const scoreBody = transactionInput;

const BATCH_SIZE = `must hold 1 to ${MAX_BATCH} transactions`;
export const scoreBatchBody = z.object(
  {
    transactions: z
      .array(transactionInput, { error: 'must be an array of transactions' })
      .min(1, { error: BATCH_SIZE })
      .max(MAX_BATCH, {
        error: (issue) => `must hold at most ${MAX_BATCH} transactions, got ${(issue.input as unknown[]).length}`,
      })
      .meta({ description: `1..${MAX_BATCH} transactions, scored in order: each sees the ones before it.` }),
  },
  { error: 'must be an object { transactions: [...] }' },
);

/**
 * The batch's own shape is a bad request (400, named `transactions` when the body is not an object), too many
 * transactions 413, a bad transaction inside it 422 as for a single score.
 */
export function batchIssueStatus(issue: z.core.$ZodIssue): RefusalStatus {
  if (issue.path.length > 1) return 422;
  return issue.code === 'too_big' ? 413 : 400;
}

export const scoreBatchResponse = z.object({
  results: z.array(scoredTransaction).meta({ description: 'In request order.' }),
});
