// GET /v1/transactions/{id}/explanation.
import { LANGS, type Lang } from '../explain/index.js';
import { z } from './zod.js';

export const explanationQuery = z.object({
  lang: z
    .enum(LANGS as [Lang, ...Lang[]], { error: `must be one of ${LANGS.join(', ')}` })
    .default('en')
    .meta({ description: 'Language of the narrative.' }),
});

export const explanationResponse = z.object({
  transactionId: z.string(),
  lang: z.enum(LANGS as [Lang, ...Lang[]]),
  source: z
    .enum(['llm', 'template'])
    .meta({ description: "The LLM's narrative when configured and answering, else the deterministic template." }),
  model: z.string().optional().meta({ description: 'The LLM model, when source is llm.' }),
  text: z.string(),
  cached: z.boolean(),
});
