// JSON the API answers with, typed from the response schemas that /openapi.json documents, so clients (the
// dashboard) import these instead of restating them. Routes whose answers are plain edge types (ScoredTransaction,
// Page, DriftSnapshot, PromotionOutcome, ...) are imported as those.
import type { batchItemError, explanationResponse, modelInfo, scoreBatchResponse } from './schemas/index.js';
import type { z } from './schemas/zod.js';

/** GET /v1/models */
export type ModelsResponse = z.output<typeof modelInfo>;
/** The model serving now, as GET /v1/models describes it. */
export type ActiveModel = ModelsResponse['active'];
/** GET /v1/transactions/{id}/explanation */
export type ExplanationResponse = z.output<typeof explanationResponse>;
/** POST /v1/score/batch: per item a ScoredTransaction or, for a conflicting duplicate, a BatchItemError. */
export type ScoreBatchResponse = z.output<typeof scoreBatchResponse>;
/** A batch item that was not scored: { id, error: { code: 'conflict', message, field, id } }. */
export type BatchItemError = z.output<typeof batchItemError>;
