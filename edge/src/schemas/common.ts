// Pieces several route groups share: ids in paths, boolean flags and times in queries, risk levels, the error body.
import { RISK_LEVELS, RULES, type RiskLevel } from '@fraudscore/sdk';
import { contractText } from './contract.js';
import { z } from './zod.js';

export const riskLevel = z
  .enum(RISK_LEVELS as [RiskLevel, ...RiskLevel[]], { error: `must be one of ${RISK_LEVELS.join(', ')}` })
  .meta({ description: 'Risk tier, from the threshold in force.' });

/** A stored transaction's id in a path: an id under the input contract. */
export const idParam = z.object({
  id: contractText().meta({ description: `Transaction id: ${RULES.text}.` }),
});

/** A boolean query flag: true/false/1/0, else 400 naming it. */
export const queryFlag = (fallback: boolean, description: string) =>
  z
    .enum(['true', 'false', '1', '0'], {
      error: (issue) => `must be true or false, got ${JSON.stringify(String(issue.input).slice(0, 40))}`,
    })
    .default(fallback ? 'true' : 'false')
    .meta({ description })
    .transform((value) => value === 'true' || value === '1');

const ISO_DATE_START = /^\d{4}-\d{2}-\d{2}/;
const EPOCH_MS = /^\d{1,16}$/;
const TIME_MESSAGE = 'must be an ISO 8601 date-time or epoch milliseconds';

/** A time in a query: ISO 8601 date-time or epoch milliseconds → epoch ms. */
export const queryTime = z
  .string()
  .refine((text) => Number.isFinite(toEpochMs(text)), { error: TIME_MESSAGE })
  .meta({
    description: 'ISO 8601 date-time (2026-03-20T10:00:00Z) or epoch milliseconds.',
    examples: ['2026-03-20T10:00:00Z', '1774000800000'],
  })
  .transform(toEpochMs);

function toEpochMs(text: string): number {
  return ISO_DATE_START.test(text) ? Date.parse(text) : EPOCH_MS.test(text) ? Number(text) : NaN;
}

/** `from` and `to` (either optional); `from` after `to` → 400 on `from`. */
export const timeRange = z.object({
  from: queryTime.optional().meta({ description: 'Inclusive start of the transaction time range.' }),
  to: queryTime.optional().meta({ description: 'Exclusive end of the transaction time range.' }),
});

/** Applied to an object holding timeRange's fields: a reversed range is refused on `from`. */
export function fromNotAfterTo(
  range: { from?: number | undefined; to?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
    ctx.addIssue({ code: 'custom', message: 'must not be after to', path: ['from'], input: range.from });
  }
}

/** The error object of the one shape (also a batch item's `error`). */
export const errorObject = z.object({
  code: z.string().meta({
    description:
      'Stable machine-readable code: bad_request, validation_error, conflict, unauthorized, forbidden, not_found, payload_too_large, unsupported_media_type, rate_limited, internal_error, ...',
  }),
  message: z
    .string()
    .meta({ description: 'Human-readable: what is wrong and what is allowed; may change between versions.' }),
  field: z.string().optional().meta({
    description:
      'The input at fault: `body`, `content-type`, `limit`, `transactions[3].amount`, `preScore.riskLevel`, ...',
  }),
  id: z.string().optional().meta({ description: 'conflict: the transaction id concerned.' }),
  requestId: z.string().optional().meta({
    description:
      "internal_error: the request id in the server's logs (also the X-Request-Id header of every response).",
  }),
});

/** Every error of the API except KServe's: `{ "error": { "code", "message", "field" } }`. */
export const errorBody = z.object({ error: errorObject }).meta({ description: 'The one error shape.' });
