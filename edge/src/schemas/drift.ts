// GET /v1/drift (window), GET /v1/drift/history (time range), and the original POST /drift/check and
// POST /drift/set-baseline.
import { DURATION_UNITS, durationPattern, parseDuration } from '@fraudscore/sdk';
import { fromNotAfterTo, timeRange } from './common.js';
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

export const driftQuery = z.object({
  window: driftWindow.optional().meta({
    description: 'The window ending now: <integer><m|h|d>, 1 minute to 30 days (default 6h).',
    examples: ['30m', '6h', '7d'],
  }),
});

export const driftHistoryQuery = timeRange.superRefine(fromNotAfterTo);

const changedBy = whoText(200);

export const driftCheckBody = z.object(
  {
    window: driftWindow.optional().meta({ description: 'The window ending now (default 6h).', examples: ['6h', '1d'] }),
  },
  { error: 'must be an object { window? }' },
);

export const setBaselineBody = z.object(
  {
    window: driftWindow.optional().meta({
      description: 'Scored transactions of this window ending now become the baseline (default 7d).',
      examples: ['7d'],
    }),
    reset: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .meta({ description: "true: go back to the model bundle's reference.json (window is then ignored)." }),
    changed_by: changedBy.optional().meta({ description: "Who changed it, for the audit (trimmed); default 'api'." }),
  },
  { error: 'must be an object { window?, reset?, changed_by? }' },
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
