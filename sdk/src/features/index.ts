// The feature spec interpreter: compile a spec, validate a transaction, compute its features against a history.
export { compileSpec, durationMs, knownAtField, timeZoneOffsetMs, SPEC_FORMAT, SPEC_FORMAT_1 } from './spec.js';
export type {
  Aggregate,
  CalendarFeature,
  CompiledFeature,
  CompiledSpec,
  DifferenceFeature,
  EntityWindows,
  FeatureType,
  FieldType,
  LabelTimes,
  RatioFeature,
  SourceFeature,
  WindowFeature,
} from './spec.js';
export { describeFeatures, LANGS, type FeatureWords, type Lang, type ValueKind } from './words.js';
export { canonicalJson, specHash } from './canonical-json.js';
export { normalizeTransaction, parseTimestamp, type NormalizeOptions } from './validate.js';
export { computeFeatures, computeFeaturesSync, noHistory, upperBound } from './compute.js';
export type { FeatureHistory, HistoryEntry, HistorySlice, KnownFeatures, SyncFeatureHistory } from './compute.js';
