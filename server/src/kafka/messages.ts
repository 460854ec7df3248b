// The pipeline's topics and message formats. Every message is JSON with `schemaVersion`, keyed by customer id so a
// customer's transactions stay in one partition, in order (the customer features depend on it).
import type { TopFactor } from '@fraudscore/sdk';

export const SCHEMA_VERSION = 1;

export const TOPICS = {
  raw: 'transactions_raw',
  scored: 'transactions_scored',
  alerts: 'fraud_alerts',
  predictions: 'model_predictions',
  dlq: 'transactions_dlq',
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Partitions and retention of each topic (created idempotently at start-up). */
export const TOPIC_SPECS: readonly { topic: string; partitions: number; retentionMs: number }[] = [
  { topic: TOPICS.raw, partitions: 12, retentionMs: 7 * DAY_MS },
  { topic: TOPICS.scored, partitions: 12, retentionMs: 30 * DAY_MS },
  { topic: TOPICS.alerts, partitions: 6, retentionMs: 90 * DAY_MS },
  { topic: TOPICS.predictions, partitions: 6, retentionMs: 30 * DAY_MS },
  { topic: TOPICS.dlq, partitions: 3, retentionMs: 30 * DAY_MS },
];

/** transactions_raw: a transaction as POST /v1/score takes it. */
export interface RawMessage {
  schemaVersion: typeof SCHEMA_VERSION;
  transaction: Record<string, unknown> & { id: string | number; customerId: string | number };
  /** A back-fill or replay: the timestamp window around the processor's clock is not applied (the replay command
   * sets it for --timestamps original and shift). */
  backfill?: boolean;
}

/** transactions_scored. */
export interface ScoredMessage {
  schemaVersion: typeof SCHEMA_VERSION;
  id: string;
  customerId: string;
  probability: number;
  riskLevel: string;
  shouldBlock: boolean;
  threshold: number;
  modelVersion: string;
  scoredAt: string;
}

/** fraud_alerts: HIGH and CRITICAL only. */
export interface AlertMessage {
  schemaVersion: typeof SCHEMA_VERSION;
  id: string;
  customerId: string;
  probability: number;
  riskLevel: string;
  shouldBlock: boolean;
  modelVersion: string;
  /** The three largest SHAP contributions (log-odds). */
  topFactors: TopFactor[];
}

/** model_predictions: for monitoring. */
export interface PredictionMessage {
  schemaVersion: typeof SCHEMA_VERSION;
  id: string;
  modelVersion: string;
  /** The ensemble's log-odds. */
  margin: number;
  /** Per-model margins (log-odds before weighting): present for alerts, which are re-scored for SHAP. */
  margins?: Record<string, number>;
  /** Scoring time per transaction (the batch's average), ms. */
  scoringMs: number;
  /** From the raw message's timestamp to scored, ms. */
  latencyMs: number;
}

/**
 * Why a message went to transactions_dlq:
 * - invalid_json: the value is not JSON (or not valid UTF-8);
 * - unsupported_schema_version: `schemaVersion` is there but not one this processor reads;
 * - schema_violation: anything else the input contract refuses (`field` names it; `message` says what is allowed);
 * - conflicting_duplicate: the transaction id was already scored (or comes earlier in the batch) with different
 *   content (`id` names it);
 * - processing_error: scoring it failed on its own (an exception isolated by splitting the batch), while the other
 *   messages were scored.
 */
export type DlqReason =
  'invalid_json' | 'unsupported_schema_version' | 'schema_violation' | 'conflicting_duplicate' | 'processing_error';

/** transactions_dlq: what could not be processed, with the reason; the stream goes on. */
export interface DlqMessage {
  schemaVersion: typeof SCHEMA_VERSION;
  reason: DlqReason;
  message: string;
  /** The field at fault, relative to the message (`schemaVersion`, `transaction`) or to the transaction (`amount`). */
  field?: string;
  /** The transaction id, when the message had a valid one. */
  id?: string;
  source: { topic: string; partition: number; offset: string };
  /** The original value, as text (null when it was not valid UTF-8: then valueBase64 holds its bytes). */
  value: string | null;
  valueBase64?: string;
}

export const rawMessage = (
  transaction: RawMessage['transaction'],
  options: { backfill?: boolean } = {},
): RawMessage => ({ schemaVersion: SCHEMA_VERSION, transaction, ...(options.backfill ? { backfill: true } : {}) });

/** The key of a raw message: the customer id as text. */
export const customerKey = (transaction: { customerId?: unknown }): string => String(transaction.customerId ?? '');
