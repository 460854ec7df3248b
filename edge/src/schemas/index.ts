// Request and response schemas of the edge API (zod 4): the routes validate with them, /openapi.json is built from them.
export { bundlePath } from './bundle.js';
export { errorBody, errorObject, idParam, riskLevel } from './common.js';
export { contractText, fromProblem, idField } from './contract.js';
export {
  baselineInfo,
  driftCheckBody,
  driftHistoryQuery,
  driftPeriod,
  driftQuery,
  driftWindow,
  MAX_WINDOW_MS,
  setBaselineBody,
  type DriftPeriodRequest,
} from './drift.js';
export { explanationQuery, explanationResponse } from './explanation.js';
export { inferBody, inferResponse, KSERVE_INPUT, KSERVE_OUTPUTS, kserveError, kserveModelPath } from './kserve.js';
export { acknowledgeBody, bulkLabelBody, labelBody, MAX_BULK_LABELS } from './labels.js';
export { legacyBatchResponse, legacyPrediction, thresholdBody, thresholdState } from './legacy.js';
export { alertListQuery, DEFAULT_PAGE, MAX_PAGE, streamQuery, transactionListQuery, transactionPage } from './lists.js';
export { health, modelInfo, modelStatus } from './models.js';
export {
  batchIssueStatus,
  batchItemError,
  legacyScoreQuery,
  MAX_BATCH,
  scoreBatchBody,
  scoreBatchEnvelope,
  scoreBatchResponse,
  scoreBatchSchema,
  scoreBody,
  scoreQuery,
} from './score.js';
export {
  preScore,
  scoredTransaction,
  timestampField,
  transactionInput,
  transactionSchema,
  type TransactionSchemaOptions,
} from './transaction.js';
export {
  fieldOf,
  validate,
  validateParams,
  validateQuery,
  type RefusalStatus,
  type ValidateOptions,
} from './validate.js';
export { z } from './zod.js';
export { lifecycleBody, mlflowCompareQuery, mlflowRunParam, mlflowRunsQuery } from './registry.js';
