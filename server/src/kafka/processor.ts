// The stream processor: a batch of transactions_raw messages → the scoring service's scoreBatch (validation,
// server-side history, features, score, idempotent persistence by id) → transactions_scored, fraud_alerts (HIGH and
// CRITICAL, with their top SHAP factors), model_predictions, and transactions_dlq for poison messages. The outputs
// of a batch are returned to the transport, which writes them together with the batch's offsets.
//
// SHAP only where needed: the batch is scored with explain='alerts', so the service computes (and stores) SHAP for
// the HIGH and CRITICAL transactions only, in the same pass, on exactly the row it scored.
import { isAlert, type Registry, type ScoredTransaction, type ScoringService } from '@fraudscore/edge';

type Counter = ReturnType<Registry['counter']>;
type Gauge = ReturnType<Registry['gauge']>;
import {
  SCHEMA_VERSION,
  TOPICS,
  type AlertMessage,
  type DlqMessage,
  type PredictionMessage,
  type ScoredMessage,
} from './messages.js';
import type { BatchHandler, ConsumedMessage, ProducedMessage } from './transport.js';

export interface ProcessorOptions {
  service: ScoringService;
  /** Prometheus registry (edge.metrics.registry) for the processor's counters. */
  registry?: Registry | undefined;
  clock?: (() => number) | undefined;
  /** SHAP for `alerts` only (default) or `all` transactions. */
  explain?: 'alerts' | 'all' | undefined;
  /** SHAP factors per alert (default 3). */
  topFactors?: number;
}

export interface ProcessorStats {
  batches: number;
  consumed: number;
  scored: number;
  alerts: number;
  dlq: number;
}

export interface Processor {
  handle: BatchHandler;
  readonly stats: Readonly<ProcessorStats>;
}

interface Parsed {
  message: ConsumedMessage;
  tx: Record<string, unknown>;
}

/** The field an ApiError / SDK ValidationError names, if any. */
function errorField(error: unknown): string | undefined {
  const field = (error as { field?: unknown } | null)?.field;
  return typeof field === 'string' ? field : undefined;
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export interface ProcessorMetrics {
  messages: Counter;
  alerts: Counter;
  aborted: Counter;
  lag: Gauge;
}

const registered = new WeakMap<Registry, ProcessorMetrics>();
function createMetrics(registry: Registry): ProcessorMetrics {
  return {
    messages: registry.counter({
      name: 'kafka_processor_messages_total',
      help: 'Messages consumed from transactions_raw by outcome (scored, dlq).',
      labelNames: ['outcome'],
    }),
    alerts: registry.counter({ name: 'kafka_processor_alerts_total', help: 'Alerts produced to fraud_alerts.' }),
    aborted: registry.counter({
      name: 'kafka_processor_aborted_batches_total',
      help: 'Batches rolled back and consumed again.',
    }),
    lag: registry.gauge({
      name: 'kafka_consumer_lag',
      help: 'Messages behind the log end, per consumed partition.',
      labelNames: ['topic', 'partition'],
    }),
  };
}
/** The processor's metrics on a registry (registered once per registry). */
export function processorMetrics(registry: Registry): ProcessorMetrics {
  let metrics = registered.get(registry);
  if (!metrics) registered.set(registry, (metrics = createMetrics(registry)));
  return metrics;
}

export function createProcessor(options: ProcessorOptions): Processor {
  const { service } = options;
  const clock = options.clock ?? Date.now;
  const top = options.topFactors ?? 3;
  const metrics = options.registry ? processorMetrics(options.registry) : undefined;
  const stats: ProcessorStats = { batches: 0, consumed: 0, scored: 0, alerts: 0, dlq: 0 };

  function dlq(message: ConsumedMessage, reason: DlqMessage['reason'], text: string, field?: string): ProducedMessage {
    const body: DlqMessage = {
      schemaVersion: SCHEMA_VERSION,
      reason,
      message: text,
      ...(field !== undefined ? { field } : {}),
      source: { topic: message.topic, partition: message.partition, offset: message.offset },
      value: message.value,
    };
    return { topic: TOPICS.dlq, key: message.key, value: JSON.stringify(body) };
  }

  function parse(message: ConsumedMessage): Parsed | ProducedMessage {
    let body: unknown;
    try {
      body = JSON.parse(message.value ?? '');
    } catch (error) {
      return dlq(message, 'invalid_json', errorMessage(error));
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return dlq(message, 'schema_violation', 'must be an object { schemaVersion, transaction }', 'message');
    const { schemaVersion, transaction } = body as { schemaVersion?: unknown; transaction?: unknown };
    if (schemaVersion !== SCHEMA_VERSION)
      return dlq(message, 'unsupported_schema_version', `schemaVersion must be ${SCHEMA_VERSION}`, 'schemaVersion');
    if (typeof transaction !== 'object' || transaction === null || Array.isArray(transaction))
      return dlq(message, 'schema_violation', 'must be an object', 'transaction');
    return { message, tx: transaction as Record<string, unknown> };
  }

  async function handle(messages: readonly ConsumedMessage[]): Promise<ProducedMessage[]> {
    const outputs: ProducedMessage[] = [];
    let pending: Parsed[] = [];
    for (const message of messages) {
      const parsed = parse(message);
      if ('tx' in parsed) pending.push(parsed);
      else outputs.push(parsed);
    }
    // A schema violation anywhere fails the whole scoreBatch before anything is scored: set that message aside
    // (the error names its index) and score the rest again.
    let records: ScoredTransaction[] = [];
    const started = performance.now();
    while (pending.length > 0) {
      try {
        records = await service.scoreBatch(
          pending.map((p) => p.tx),
          { explain: options.explain === 'all' ? true : 'alerts' },
        );
        break;
      } catch (error) {
        const field = errorField(error);
        const match = field === undefined ? null : /^transactions\[(\d+)\]\.?(.*)$/.exec(field);
        if (!match || Number(match[1]) >= pending.length) throw error;
        const i = Number(match[1]);
        const raw = errorMessage(error);
        outputs.push(
          dlq(
            pending[i]!.message,
            'schema_violation',
            raw.startsWith(`${field}: `) ? raw.slice(field!.length + 2) : raw,
            match[2] || 'transaction',
          ),
        );
        pending = pending.filter((_, j) => j !== i);
      }
    }
    const scoringMs = pending.length > 0 ? (performance.now() - started) / pending.length : 0;
    const now = clock();
    for (let i = 0; i < pending.length; i++) {
      const record = records[i]!;
      const { message, tx } = pending[i]!;
      const customerId = String(tx.customerId);
      const scored: ScoredMessage = {
        schemaVersion: SCHEMA_VERSION,
        id: record.id,
        customerId,
        probability: record.probability,
        riskLevel: record.riskLevel,
        shouldBlock: record.shouldBlock,
        threshold: record.threshold,
        modelVersion: record.modelVersion,
        scoredAt: record.scoredAt,
      };
      outputs.push({ topic: TOPICS.scored, key: customerId, value: JSON.stringify(scored) });
      const margin = Math.log(record.probability / (1 - record.probability));
      const margins = record.margins;
      if (isAlert(record.riskLevel)) {
        const alert: AlertMessage = {
          schemaVersion: SCHEMA_VERSION,
          id: record.id,
          customerId,
          probability: record.probability,
          riskLevel: record.riskLevel,
          shouldBlock: record.shouldBlock,
          modelVersion: record.modelVersion,
          topFactors: record.topFactors.slice(0, top),
        };
        outputs.push({ topic: TOPICS.alerts, key: customerId, value: JSON.stringify(alert) });
        stats.alerts += 1;
        metrics?.alerts.inc();
      }
      const prediction: PredictionMessage = {
        schemaVersion: SCHEMA_VERSION,
        id: record.id,
        modelVersion: record.modelVersion,
        margin,
        ...(margins ? { margins } : {}),
        scoringMs,
        latencyMs: Math.max(0, now - message.timestamp),
      };
      outputs.push({ topic: TOPICS.predictions, key: customerId, value: JSON.stringify(prediction) });
    }
    const dead = messages.length - pending.length;
    stats.batches += 1;
    stats.consumed += messages.length;
    stats.scored += pending.length;
    stats.dlq += dead;
    metrics?.messages.inc({ outcome: 'scored' }, pending.length);
    if (dead > 0) metrics?.messages.inc({ outcome: 'dlq' }, dead);
    return outputs;
  }

  return { handle, stats };
}
