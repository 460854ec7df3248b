// POST /v1/transactions/{id}/label (analyst feedback) and /acknowledge (alert triage).
import { whoText } from './contract.js';
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
