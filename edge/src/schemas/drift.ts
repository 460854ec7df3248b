// GET /v1/drift (window) and GET /v1/drift/history (time range).
import { fromNotAfterTo, timeRange } from './common.js';
import { z } from './zod.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const MAX_WINDOW_MS = 30 * UNIT_MS.d;
const WINDOW = /^(\d{1,6})([mhd])$/;

/** `<integer><m|h|d>` (30m, 6h, 1d, 7d) → milliseconds, 1 minute .. 30 days. */
export const driftWindow = z.string()
  .regex(WINDOW, { error: 'must be a positive duration such as 30m, 6h, 1d or 7d' })
  .transform((text) => {
    const [, count, unit] = WINDOW.exec(text)!;
    return Number(count) * UNIT_MS[unit as keyof typeof UNIT_MS];
  })
  .refine((ms) => ms > 0, { error: 'must be a positive duration such as 30m, 6h, 1d or 7d' })
  .refine((ms) => ms <= MAX_WINDOW_MS, { error: 'must be at most 30d' });

export const driftQuery = z.object({
  window: driftWindow.optional().meta({
    description: 'The window ending now: <integer><m|h|d>, 1 minute to 30 days (default 6h).',
    examples: ['30m', '6h', '7d'],
  }),
});

export const driftHistoryQuery = timeRange.superRefine(fromNotAfterTo);
