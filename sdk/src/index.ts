// @fraudscore/sdk: on-device fraud scoring with the platform's model bundle.
export { createScorer } from './scorer.js';
export type {
  Backend,
  CallHistory,
  CheckOptions,
  ExplainOption,
  ModelInfo,
  ScoreOptions,
  ScoreResult,
  Scorer,
  ScorerOptions,
  TopFactor,
} from './scorer.js';
export { createScorerWorker, type WorkerScorerOptions } from './worker-client.js';
export { FraudScoreError, InferenceError, IntegrityError, ModelLoadError, ValidationError } from './errors.js';
export { ALERT_LEVELS, isAlert, riskLevel, shouldBlock, RISK_LEVELS, type RiskLevel, type RiskTier } from './risk.js';
export type { Transaction, NormalizedTransaction } from './transaction.js';
export { DURATION_UNITS, durationPattern, parseDuration, type DurationUnit } from './duration.js';
export {
  amountProblem,
  contentFingerprint,
  DEFAULT_LIMITS,
  DEFAULT_MAX_AMOUNT,
  DEFAULT_TIME_WINDOW,
  differingFields,
  EARLIEST_TIMESTAMP,
  formatDuration,
  formatNumber,
  ID_PATTERN,
  idProblem,
  LATEST_TIMESTAMP,
  MAX_AMOUNT_CEILING,
  MAX_ID_LENGTH,
  MAX_INTEGER_ID,
  resolveLimits,
  RULES,
  textProblem,
  timestampProblem,
  type InputLimits,
  type TimeWindow,
} from './contract.js';
export {
  compileSpec,
  computeFeatures,
  computeFeaturesSync,
  normalizeTransaction,
  parseTimestamp,
  specHash,
  type CompiledSpec,
  type FeatureHistory,
  type HistoryEntry,
  type HistorySlice,
  type KnownFeatures,
  type NormalizeOptions,
  type SyncFeatureHistory,
} from './features/index.js';
export {
  DEVICE_ENTITIES,
  IndexedDbHistoryStore,
  MemoryHistoryStore,
  openHistoryStore,
  type HistoryStore,
  type MemoryHistoryStoreOptions,
} from './history/index.js';
export {
  IndexedDbBundleCache,
  MemoryBundleCache,
  noCache,
  type BundleCache,
  type BundleFiles,
} from './bundle/cache.js';
export { loadBundleFiles, type BundleReader, type BundleSource, type VerifiedBundle } from './bundle/load.js';
export type { Manifest } from './bundle/manifest.js';
export { env } from './env.js';
