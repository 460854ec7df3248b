// The feature spec interpreter: compile a spec, validate a transaction, compute its features against a history.
export { compileSpec, durationMs, timeZoneOffsetMs, SPEC_FORMAT } from './spec.js';
export type {
  Aggregate,
  CalendarFeature,
  CompiledFeature,
  CompiledSpec,
  EntityWindows,
  FeatureType,
  FieldType,
  RatioFeature,
  SourceFeature,
  WindowFeature,
} from './spec.js';
export { canonicalJson, specHash } from './canonical-json.js';
export { normalizeTransaction, parseTimestamp, type NormalizeOptions } from './validate.js';
export { computeFeatures, computeFeaturesSync, noHistory, upperBound } from './compute.js';
export type { FeatureHistory, HistoryEntry, HistorySlice, KnownFeatures, SyncFeatureHistory } from './compute.js';
