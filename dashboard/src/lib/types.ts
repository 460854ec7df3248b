// The API's shapes, imported from the packages that define them: the edge serves them (its response schemas and
// stored types), the SDK owns the risk tiers. Only RISK_LEVELS is a value; the rest is erased at build time.
export { RISK_LEVELS, type RiskLevel } from '@fraudscore/sdk/risk';
export type {
  ActiveModel,
  DriftSnapshot,
  ExplanationResponse,
  LabelValue,
  ModelStatus,
  PromotionOutcome,
  RegistryModel,
  RollbackOutcome,
  RunComparison,
  ScoredTransaction,
} from '@fraudscore/edge';
export type { DriftReference, ReferenceDistribution } from '@fraudscore/edge/psi';
