// What the edge keeps: scored transactions (with their analyst label) and the threshold-change audit.
// Small and async so PGlite / PostgreSQL implementations can follow MemoryStorage.
import type { NormalizedTransaction, RiskLevel, TopFactor } from '@fraudscore/sdk';

export type LabelValue = 'fraud' | 'legitimate';

export interface TransactionLabel {
  label: LabelValue;
  analyst: string;
  /** When the analyst decided (ISO 8601). */
  at: string;
}

/** An analyst has seen the alert and taken it (triage), whether or not it is labelled yet. */
export interface Acknowledgement {
  analyst: string;
  /** When (ISO 8601). */
  at: string;
}

export interface DeviceScore {
  probability: number;
  riskLevel: RiskLevel;
}

/** How the device's pre-score compares with the authoritative one. */
export interface Agreement {
  sameTier: boolean;
  /** Authoritative probability minus the device's. */
  delta: number;
}

export interface ScoredTransaction {
  id: string;
  /** The transaction as validated (timestamp in epoch ms, no label). */
  transaction: NormalizedTransaction;
  probability: number;
  riskLevel: RiskLevel;
  shouldBlock: boolean;
  /** The threshold the tier and block were decided with. */
  threshold: number;
  topFactors: TopFactor[];
  /** SHAP values in log-odds, in the model's feature order; null when explain=false. */
  shap: { baseValue: number; values: number[] } | null;
  features: Record<string, number | null>;
  /** Each ensemble member's log-odds before weighting (absent in records stored before it was kept). */
  margins?: Record<string, number>;
  modelVersion: string;
  /** When the edge scored it (ISO 8601, from the clock). */
  scoredAt: string;
  /** contentFingerprint of the transaction: what idempotency compares (absent in records stored before it was kept). */
  fingerprint?: string;
  deviceScore: DeviceScore | null;
  agreement: Agreement | null;
  label: TransactionLabel | null;
  /** Set by POST /v1/transactions/{id}/acknowledge; shared by every analyst working the alert queue. */
  acknowledged: Acknowledgement | null;
}

export interface ListQuery {
  /** Only these risk levels (any when absent or empty). */
  riskLevels?: readonly RiskLevel[];
  /** Transaction time range in epoch ms: from inclusive, to exclusive. */
  from?: number;
  to?: number;
  customerId?: string;
  /** true: only labelled transactions; false: only unlabelled; absent: both. */
  labelled?: boolean;
  /** Page size, 1..500. */
  limit: number;
  /** Opaque: the previous page's nextCursor. */
  cursor?: string;
}

export interface Page {
  /** Newest transaction time first, ties by id descending. */
  items: ScoredTransaction[];
  /** Present when more items may follow. */
  nextCursor: string | null;
}

export interface ThresholdChange {
  from: number;
  to: number;
  by: string;
  at: string;
}

export interface SaveResult {
  /** The stored record: the one given when created, else the one stored before. */
  record: ScoredTransaction;
  created: boolean;
}

export interface Storage {
  /**
   * Stores each scored transaction unless its id is already stored (a repeated id within the call counts as stored
   * by its first occurrence). One result per record, in order. Atomic per record, not per call.
   */
  saveMany(records: readonly ScoredTransaction[]): Promise<SaveResult[]>;
  get(id: string): Promise<ScoredTransaction | undefined>;
  /** One entry per id, in order; undefined for unknown ids. */
  getMany(ids: readonly string[]): Promise<(ScoredTransaction | undefined)[]>;
  list(query: ListQuery): Promise<Page>;
  /** Sets (or replaces) the analyst label; undefined when the id is unknown. */
  setLabel(id: string, label: TransactionLabel): Promise<ScoredTransaction | undefined>;
  /**
   * Sets (or replaces) many labels at once (one statement in SQL); one result per item, in order, undefined where the
   * id is unknown. An id given twice takes its last label.
   */
  setLabels(labels: readonly { id: string; label: TransactionLabel }[]): Promise<(ScoredTransaction | undefined)[]>;
  /** Sets (or replaces) the acknowledgement; undefined when the id is unknown. */
  acknowledge(id: string, acknowledgement: Acknowledgement): Promise<ScoredTransaction | undefined>;
  recordThresholdChange(change: ThresholdChange): Promise<void>;
  thresholdChanges(): Promise<ThresholdChange[]>;
}
