// POST /v1/transactions/{id}/label (analyst feedback) and /acknowledge (alert triage).
import { contractText, whoText } from './contract.js';
import { z } from './zod.js';

const analyst = whoText(200).meta({ description: 'Who decided (trimmed; 1..200 characters, no control characters).' });
const at = z
  .string({ error: 'must be an ISO 8601 date-time' })
  .regex(/^\d{4}-\d{2}-\d{2}T/, { error: 'must be an ISO 8601 date-time' })
  .refine((text) => Number.isFinite(Date.parse(text)), { error: 'must be an ISO 8601 date-time' })
  .optional()
  .meta({ description: 'When the analyst decided (ISO 8601 date-time); default now.' });

export const labelBody = z.object(
  {
    label: z.enum(['fraud', 'legitimate'], { error: "must be 'fraud' or 'legitimate'" }),
    analyst,
    at,
  },
  { error: 'must be an object { label, analyst, at? }' },
);

export const acknowledgeBody = z.object({ analyst, at }, { error: 'must be an object { analyst, at? }' });

/** POST /v1/labels accepts at most this many labels per request. */
export const MAX_BULK_LABELS = 10_000;

export const bulkLabelBody = z.object(
  {
    labels: z
      .array(
        z.object(
          {
            id: contractText().meta({ description: "The scored transaction's id." }),
            label: z.enum(['fraud', 'legitimate'], { error: "must be 'fraud' or 'legitimate'" }),
            analyst,
            at,
          },
          { error: 'must be an object { id, label, analyst, at? }' },
        ),
        { error: 'must be a list of labels' },
      )
      .min(1, { error: 'must hold at least one label' })
      .max(MAX_BULK_LABELS, { error: `must hold at most ${MAX_BULK_LABELS} labels; split the file` }),
  },
  { error: 'must be an object { labels: [...] }' },
);
