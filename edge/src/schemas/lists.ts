// GET /v1/transactions and /v1/alerts (list filters and paging) and GET /v1/stream (risk filter).
import { RISK_LEVELS, type RiskLevel } from '@fraudscore/sdk';
import { ALERT_LEVELS } from '@fraudscore/sdk';
import { decodeCursor, type ListQuery } from '../storage/index.js';
import { fromNotAfterTo, timeRange } from './common.js';
import { contractText } from './contract.js';
import { scoredTransaction } from './transaction.js';
import { z } from './zod.js';

export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;

/** `HIGH,critical` → the levels, each one of `levels` (case and spaces forgiven). */
export const riskList = (levels: readonly RiskLevel[]) => {
  const split = (text: string): string[] => text.split(',').map((r) => r.trim().toUpperCase());
  return z
    .string()
    .refine((text) => split(text).every((r) => levels.includes(r as RiskLevel)), {
      error: `must be one or more of ${levels.join(', ')}`,
    })
    .meta({ description: `Comma-separated risk levels, any of ${levels.join(', ')}.`, examples: [levels.join(',')] })
    .transform((text) => split(text) as RiskLevel[]);
};

const listQuery = (levels: readonly RiskLevel[]) =>
  timeRange
    .extend({
      risk: riskList(levels).optional(),
      customerId: contractText().optional().meta({
        description: "Only this customer's transactions (an id: 1 to 256 characters, no control characters).",
      }),
      limit: z
        .string()
        .regex(/^\d{1,4}$/, { error: `must be an integer from 1 to ${MAX_PAGE}` })
        .refine((text) => Number(text) >= 1 && Number(text) <= MAX_PAGE, {
          error: `must be an integer from 1 to ${MAX_PAGE}`,
        })
        .meta({ description: `Page size, an integer from 1 to ${MAX_PAGE}.`, default: String(DEFAULT_PAGE) })
        .optional(),
      cursor: z
        .string()
        .refine((text) => decodeCursor(text) !== undefined, { error: 'is not a cursor this API returned' })
        .optional()
        .meta({ description: "The previous page's nextCursor." }),
    })
    .superRefine(fromNotAfterTo)
    .transform((q): ListQuery => ({
      limit: q.limit === undefined ? DEFAULT_PAGE : Number(q.limit),
      riskLevels: q.risk ?? levels,
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
      ...(q.customerId !== undefined ? { customerId: q.customerId } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    }));

export const transactionListQuery = listQuery(RISK_LEVELS);
export const alertListQuery = listQuery(ALERT_LEVELS);

export const streamQuery = z.object({ risk: riskList(RISK_LEVELS).optional() });

export const transactionPage = z.object({
  items: z.array(scoredTransaction).meta({ description: 'Newest transaction time first, ties by id descending.' }),
  nextCursor: z.string().nullable().meta({ description: 'Present when more items may follow: pass it as `cursor`.' }),
});
