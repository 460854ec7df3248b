// JSON the API answers with, typed from the response schemas that /openapi.json documents, so clients (the
// dashboard) import these instead of restating them. Routes whose answers are plain edge types (ScoredTransaction,
// Page, DriftSnapshot, PromotionOutcome, ...) are imported as those.
import type { explanationResponse, modelInfo } from './schemas/index.js';
import type { z } from './schemas/zod.js';

/** GET /v1/models */
export type ModelsResponse = z.output<typeof modelInfo>;
/** The model serving now, as GET /v1/models describes it. */
export type ActiveModel = ModelsResponse['active'];
/** GET /v1/transactions/{id}/explanation */
export type ExplanationResponse = z.output<typeof explanationResponse>;
