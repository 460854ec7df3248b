// The API's shapes the dashboard reads (see GET /openapi.json on a running server).
export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export const RISK_LEVELS: readonly RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
export type Label = 'fraud' | 'legitimate';

export interface Factor {
  feature: string;
  value: number | null;
  contribution: number;
  direction: 'increases_risk' | 'decreases_risk';
}

export interface ScoredTransaction {
  id: string;
  transaction: { id: string; amount: number; timestamp: number; customerId: string; terminalId: string; [key: string]: unknown };
  probability: number;
  riskLevel: RiskLevel;
  shouldBlock: boolean;
  threshold: number;
  topFactors: Factor[];
  /** Log-odds contributions in the model's feature order. */
  shap: { baseValue: number; values: number[] } | null;
  features: Record<string, number | null>;
  modelVersion: string;
  scoredAt: string;
  /** The device's own score (SDK on the device), kept beside the authoritative one. */
  deviceScore: { probability: number; riskLevel: RiskLevel } | null;
  /** delta: authoritative probability minus the device's. */
  agreement: { sameTier: boolean; delta: number } | null;
  label: { label: Label; analyst: string; at: string } | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type ModelSource =
  | { kind: 'bundle'; location: string }
  | { kind: 'registry'; name: string; version: string; alias: string; runId: string | null };

export interface ModelStatus {
  source: ModelSource;
  state: 'ok' | 'degraded';
  reasons: string[];
  checkedAt: string | null;
}

export interface ActiveModel {
  name: string;
  version: string;
  threshold: number;
  bundleThreshold: number;
  features: string[];
  weights?: Record<string, number>;
  createdAt?: string;
}

export interface ModelInfo {
  model_name: string;
  model_version: string;
  threshold: number;
  bundle_threshold: number;
  features: string[];
  risk_tiers: { level: RiskLevel; starts_at: number }[];
  created_at?: string;
}

export interface Explanation {
  transactionId: string;
  lang: 'en' | 'ru' | 'kk';
  source: 'llm' | 'template';
  model?: string;
  text: string;
  cached: boolean;
}

export interface DriftEntry {
  psi: number | null;
  missingShare: number;
  referenceMissingShare: number;
  count: number;
  level: 'ok' | 'warn' | 'alert' | string;
}

export interface DriftSnapshot {
  rows: number;
  level: string;
  features: Record<string, DriftEntry>;
  score: DriftEntry;
  thresholds: { warn: number; alert: number };
  window: { from: string; to: string; length?: string };
  computedAt: string;
  baseline: { source: 'bundle' | 'window'; modelVersion: string; setBy: string | null; setAt: string | null };
}

export interface ReferenceHistogram {
  cutPoints: number[];
  frequencies: number[];
  missingShare: number;
  count: number;
}

export interface Reference {
  format: string;
  window: { from: string; to: string; rows: number };
  features: Record<string, ReferenceHistogram>;
  score: ReferenceHistogram & { histogram?: { edges: number[]; frequencies?: number[]; counts?: number[] } };
}

export interface RegistryVersion {
  version: string;
  run_id: string | null;
  bundle_version?: string | null;
  stage?: string | null;
  aliases: string[];
  tags: Record<string, string>;
  /** Epoch ms (MLflow's creation_timestamp) or ISO text. */
  created_at?: number | string | null;
  metrics: { auc_roc?: number; average_precision?: number; card_precision_at_100?: number; [name: string]: number | undefined };
}

export interface RegistryModel {
  name: string;
  aliases: Record<string, string>;
  versions: RegistryVersion[];
}

export interface PromotionOutcome {
  decision: 'promoted' | 'rejected';
  reason: string;
  challenger: { version: string; average_precision: number; auc_roc: number };
  champion: { version: string; average_precision: number; auc_roc: number } | null;
  labels: number;
  frauds?: number;
  active?: { name: string; version: string };
}

export interface RollbackOutcome {
  champion: { version: string };
  previous: { version: string };
  active?: { name: string; version: string };
}

export interface CompareResult {
  metrics: Record<string, { values: Record<string, number>; best_run?: string; average?: number }>;
  best_run?: string;
}
