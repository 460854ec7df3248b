// GET /v1/drift (window, or a past period from/until), GET /v1/drift/history (time range), and the original
// POST /drift/check and POST /drift/set-baseline.
import { DURATION_UNITS, durationPattern, parseDuration } from '@fraudscore/sdk';
import { fromNotAfterTo, queryTime, timeRange } from './common.js';
import { whoText } from './contract.js';
import { z } from './zod.js';

const WINDOW_UNITS = ['m', 'h', 'd'] as const;
export const MAX_WINDOW_MS = 30 * DURATION_UNITS.d;

/** `<integer><m|h|d>` (30m, 6h, 1d, 7d) → milliseconds, 1 minute .. 30 days. */
export const driftWindow = z
  .string()
  .regex(durationPattern(WINDOW_UNITS), { error: 'must be a positive duration such as 30m, 6h, 1d or 7d' })
  .transform((text) => parseDuration(text, WINDOW_UNITS)!)
  .refine((ms) => ms > 0, { error: 'must be a positive duration such as 30m, 6h, 1d or 7d' })
  .refine((ms) => ms <= MAX_WINDOW_MS, { error: 'must be at most 30d' });

/** A drift period: `window` ending at `until` (default now), or `from`..`until`; not both window and from. */
const period = {
  window: driftWindow.optional().meta({
    description:
      'The window ending at until (default now): <integer><m|h|d>, 1 minute to 30 days (default DRIFT_WINDOW).',
    examples: ['30m', '1d', '7d'],
  }),
  from: queryTime.optional().meta({
    description:
      'Start of a past period (inclusive, transaction time); with until, instead of window; at most 30 days.',
  }),
  until: queryTime.optional().meta({ description: 'End of the period (exclusive, transaction time); default now.' }),
};

function windowOrFrom(p: { window?: number | undefined; from?: number | undefined }, ctx: z.RefinementCtx): void {
  if (p.window !== undefined && p.from !== undefined)
    ctx.addIssue({ code: 'custom', message: 'give window or from, not both', path: ['from'], input: p.from });
}

export const driftQuery = z.object(period).superRefine(windowOrFrom);

export interface DriftPeriodRequest {
  window?: number | undefined;
  from?: number | undefined;
  until?: number | undefined;
}

/**
 * The period [from, until) a drift request asks for, or the message and field of why it cannot be compared:
 * until defaults to now and from to until − window (default `defaultMs`); the period is 1 minute to 30 days.
 */
export function driftPeriod(
  request: DriftPeriodRequest,
  now: number,
  defaultMs: number,
): { from: number; until: number } | { error: string; field: 'from' | 'until' } {
  const until = request.until ?? now;
  const from = request.from ?? until - (request.window ?? defaultMs);
  if (!(from < until)) return { error: 'must be before until', field: 'from' };
  if (until - from > MAX_WINDOW_MS) return { error: 'the period from..until must be at most 30d', field: 'from' };
  return { from, until };
}

export const driftHistoryQuery = timeRange.superRefine(fromNotAfterTo);

const changedBy = whoText(200);

export const driftCheckBody = z
  .object(period, { error: 'must be an object { window?, from?, until? }' })
  .superRefine(windowOrFrom);

export const setBaselineBody = z.object(
  {
    window: driftWindow.optional().meta({
      description: 'Scored transactions of this window ending at until (default now) become the baseline (default 7d).',
      examples: ['7d'],
    }),
    until: queryTime.optional().meta({
      description:
        'End of the baseline window (exclusive, transaction time); default now. A past period, e.g. of back-filled history.',
    }),
    reset: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .meta({ description: "true: go back to the model bundle's reference.json (window is then ignored)." }),
    changed_by: changedBy.optional().meta({ description: "Who changed it, for the audit (trimmed); default 'api'." }),
  },
  { error: 'must be an object { window?, until?, reset?, changed_by? }' },
);

const nullableDate = z.string().nullable();
export const baselineInfo = z.object({
  source: z
    .enum(['bundle', 'window'])
    .meta({ description: "bundle: the model's reference.json; window: live traffic an admin chose." }),
  modelVersion: z.string(),
  window: z.object({ from: z.string(), to: z.string() }).nullable(),
  rows: z.int().nullable(),
  setBy: z.string().nullable(),
  setAt: nullableDate,
});
