// @fraudscore/edge: the authoritative scoring API as a Hono app (web-standard APIs only).
export { createApp, createEdge, type AppDeps, type EdgeApp, type SecurityOptions } from './app.js';
export { restoreState, type RestoreInput, type RestoredState } from './service/restore.js';
export {
  historyTransaction,
  knownAtOf,
  memoryHistory,
  type HistoryBatch,
  type HistoryView,
  type ServerHistory,
} from './service/history.js';
export {
  atIndex,
  createScoringService,
  type EdgeChange,
  type EdgeConfig,
  type ItemOutcome,
  type LabelInput,
  type ModelProvider,
  type ScoreCallOptions,
  type ScoreEachOptions,
  type ScoringService,
  type ScoringServiceDeps,
} from './service/index.js';
export * from './storage/index.js';
export {
  createInProcessEventBus,
  type EdgeEvent,
  type EdgeEventType,
  type EventBus,
  type InProcessEventBusOptions,
  type Listener,
} from './bus/index.js';
export { ApiError, badRequest, conflict, notFound, toErrorResponse, type ErrorBody } from './errors.js';
export { isJsonContentType } from './http.js';
export * from './middleware/index.js';
export {
  createLlmExplainer,
  memoryCache,
  templateExplainer,
  templateNarrative,
  type Explainer,
  type Explanation,
  type LlmExplainerOptions,
} from './explain/index.js';
export {
  CONTENT_TYPE,
  createFraudMetrics,
  EMPTY_LABEL_STATS,
  labelCounts,
  memoryLabelStats,
  Registry,
  utcDay,
  type FraudMetrics,
  type LabelOutcome,
  type LabelStats,
  type LabelStatsStore,
} from './metrics/index.js';
export {
  buildReference,
  computeDrift,
  ALARM_LEVELS,
  DEFAULT_MIN_ROWS,
  DriftMonitor,
  DriftScheduler,
  MemoryDriftHistory,
  namesAtLevel,
  parseReference,
  psi,
  SCORE,
  storedDriftRows,
  wholePeriods,
  type DistributionDrift,
  type DriftLevel,
  type DriftOptions,
  type BaselineInfo,
  type DriftBaseline,
  type DriftHistory,
  type DriftReference,
  type DriftRow,
  type DriftSnapshot,
} from './drift/index.js';
export type { ServedBundle } from './routes/bundle/index.js';
export { buildOpenApiDocument, type OpenApiDocument, type OpenApiOptions } from './openapi/index.js';
export type {
  GateScores,
  ModelLifecycle,
  ModelSource,
  ModelStatus,
  PromotionOutcome,
  RegistryBridge,
  RegistryModel,
  RegistryModelVersion,
  ReloadOutcome,
  RollbackOutcome,
  RunComparison,
} from './registry/index.js';
export type {
  ActiveModel,
  BatchItemError,
  ExplanationResponse,
  ModelsResponse,
  ScoreBatchResponse,
} from './api-types.js';
