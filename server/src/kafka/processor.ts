// The stream processor: a batch of transactions_raw messages → the scoring service's scoreEach (the input contract,
// server-side history, features, score, idempotent persistence by id and content) → transactions_scored, fraud_alerts
// (HIGH and CRITICAL, with their top SHAP factors), model_predictions, and transactions_dlq for what cannot be scored.
// The outputs of a batch are returned to the transport, which writes them together with the batch's offsets.
//
// One message never stalls the stream. Whatever it does, it ends in transactions_dlq with a reason (DlqReason) and the
// others are scored: the service reports a refused message (invalid, or a conflicting duplicate) per message, and a
// batch whose scoring throws as a whole is split in halves, recursively, until the messages that fail on their own are
// found (processing_error). A failure that is not the messages' fault (the database is down: nothing succeeds) is not
// dead-lettered: the batch is given back to the transport after a growing pause, to be consumed again; after
// `degradedAfter` rollbacks in a row the processor logs an error and /health says degraded (problems()), with a gauge
// (kafka_processor_consecutive_aborts) for alerting.
//
// Re-consumed messages: an id already stored with the same content is answered from storage. Its transactions_scored
// and model_predictions messages are produced again (downstream consumers read them idempotently by id, and the first
// ones may have been rolled back with their transaction), but its fraud_alerts message only when this process handles
// the very same message (topic, partition, offset) again, i.e. when its first outputs were rolled back: a duplicate
// send, a replay or an offset reset must not page the analysts twice. (An alert whose first outputs were rolled back
// by a crash of the process is in the analysts' queue, /v1/alerts, but not produced again to fraud_alerts.)
//
// SHAP only where needed: the batch is scored with explain='alerts', so the service computes (and stores) SHAP for
// the HIGH and CRITICAL transactions only, in the same pass, on exactly the row it scored.
import {
  isAlert,
  type ApiError,
  type ItemOutcome,
  type Registry,
  type ScoredTransaction,
  type ScoringService,
} from '@fraudscore/edge';
import { silentLogger, type Logger } from '../log.js';
import {
  SCHEMA_VERSION,
  TOPICS,
  type AlertMessage,
  type DlqMessage,
  type DlqReason,
  type PredictionMessage,
  type ScoredMessage,
} from './messages.js';
import type { BatchHandler, ConsumedMessage, ProducedMessage } from './transport.js';

type Counter = ReturnType<Registry['counter']>;
type Gauge = ReturnType<Registry['gauge']>;

export interface ProcessorOptions {
  service: ScoringService;
  /** Prometheus registry (edge.metrics.registry) for the processor's counters. */
  registry?: Registry | undefined;
  clock?: (() => number) | undefined;
  /** Where stream problems (rollbacks, dead-lettered batches) are logged. */
  logger?: Logger | undefined;
  /** SHAP for `alerts` only (default) or `all` transactions. */
  explain?: 'alerts' | 'all' | undefined;
  /** SHAP factors per alert (default 3). */
  topFactors?: number;
  /** Rollbacks in a row after which the stream is reported degraded (default 3). */
  degradedAfter?: number;
  /** Pause before a batch that cannot be scored is given back: min(baseMs × 2^(rollbacks so far), maxMs). */
  retryBackoff?: { baseMs: number; maxMs: number };
  /** Messages of one batch that may fail on their own before the batch counts as failing as a whole (default 1%, at
   * least 8): more than that is not poison but an outage, and is retried rather than dead-lettered. */
  maxPoisonShare?: number;
}

export interface ProcessorStats {
  batches: number;
  consumed: number;
  /** Answered with a scored record (newly scored or stored). */
  scored: number;
  /** Of those, answered from storage (the id was already scored with the same content). */
  stored: number;
  alerts: number;
  dlq: number;
  /** Batches given back to the transport (rolled back) because they could not be scored. */
  retries: number;
}

export interface Processor {
  handle: BatchHandler;
  readonly stats: Readonly<ProcessorStats>;
  /** The transport's verdict on each batch (startPipeline wires them to TransportHooks). */
  committed(): void;
  aborted(error: unknown): void;
  /** Why the stream is degraded now (empty: it is not), for /health. */
  problems(): string[];
}

interface Parsed {
  message: ConsumedMessage;
  tx: Record<string, unknown>;
  backfill: boolean;
}

const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

export interface ProcessorMetrics {
  messages: Counter;
  dlq: Counter;
  alerts: Counter;
  aborted: Counter;
  consecutiveAborts: Gauge;
  lag: Gauge;
}

const registered = new WeakMap<Registry, ProcessorMetrics>();
function createMetrics(registry: Registry): ProcessorMetrics {
  const metrics: ProcessorMetrics = {
    messages: registry.counter({
      name: 'kafka_processor_messages_total',
      help: 'Messages consumed from transactions_raw by outcome (scored, dlq).',
      labelNames: ['outcome'],
    }),
    dlq: registry.counter({
      name: 'kafka_processor_dlq_total',
      help: 'Messages sent to transactions_dlq by reason.',
      labelNames: ['reason'],
    }),
    alerts: registry.counter({ name: 'kafka_processor_alerts_total', help: 'Alerts produced to fraud_alerts.' }),
    aborted: registry.counter({
      name: 'kafka_processor_aborted_batches_total',
      help: 'Batches rolled back and consumed again.',
    }),
    consecutiveAborts: registry.gauge({
      name: 'kafka_processor_consecutive_aborts',
      help: 'Batches rolled back in a row since the last commit (0: the stream moves).',
    }),
    lag: registry.gauge({
      name: 'kafka_consumer_lag',
      help: 'Messages behind the log end, per consumed partition.',
      labelNames: ['topic', 'partition'],
    }),
  };
  // Series that exist from the start: an alert on them needs a 0, not an absent series.
  metrics.aborted.inc({}, 0);
  metrics.alerts.inc({}, 0);
  metrics.consecutiveAborts.set(0);
  return metrics;
}
/** The processor's metrics on a registry (registered once per registry). */
export function processorMetrics(registry: Registry): ProcessorMetrics {
  let metrics = registered.get(registry);
  if (!metrics) registered.set(registry, (metrics = createMetrics(registry)));
  return metrics;
}

/** A batch that could not be scored and is given back to the transport (not the messages' fault). */
class BatchRetry extends Error {
  constructor(
    override readonly cause: unknown,
    readonly messages: number,
  ) {
    super(`the batch could not be scored (${errorText(cause)}); it will be consumed again`);
    this.name = 'BatchRetry';
  }
}

/**
 * The messages (by offset, per partition) this process produced an alert for, or scored into an alert in a batch that
 * was then rolled back: when one comes again, its alert is produced again (the first one was rolled back).
 */
class AlertedOffsets {
  private readonly byPartition = new Map<string, Set<string>>();
  /** Per partition, the first offset of the batch before the current one. */
  private readonly previousFirst = new Map<string, bigint>();
  private size = 0;

  /**
   * A partition's messages come in order from its consumed position. A transport may hand the processor a partition's
   * next batch while its previous batch still commits (the Kafka transport pipelines: batch N+1 is scored while N
   * commits), but only after the batch before that one committed: if it had rolled back, the transport would have
   * dropped what followed and handed its messages again. So offsets below the first one of the previous batch are
   * committed and will not come again (short of an offset reset, which needs the group stopped: a new process); the
   * previous batch's are kept, as it may still roll back and come again.
   */
  begin(messages: readonly ConsumedMessage[]): void {
    const first = new Map<string, bigint>();
    for (const m of messages) {
      const key = `${m.topic}:${m.partition}`;
      const offset = BigInt(m.offset);
      const seen = first.get(key);
      if (seen === undefined || offset < seen) first.set(key, offset);
    }
    for (const [key, from] of first) {
      const previous = this.previousFirst.get(key);
      this.previousFirst.set(key, from);
      const committedBelow = previous !== undefined && previous < from ? previous : from;
      const offsets = this.byPartition.get(key);
      if (!offsets) continue;
      for (const o of offsets) {
        if (BigInt(o) < committedBelow && offsets.delete(o)) this.size--;
      }
    }
    if (this.size > 1_000_000) {
      // partitions revoked long ago
      this.byPartition.clear();
      this.size = 0;
    }
  }

  has(m: ConsumedMessage): boolean {
    return this.byPartition.get(`${m.topic}:${m.partition}`)?.has(m.offset) ?? false;
  }

  add(m: ConsumedMessage): void {
    const key = `${m.topic}:${m.partition}`;
    let offsets = this.byPartition.get(key);
    if (!offsets) this.byPartition.set(key, (offsets = new Set()));
    if (offsets.has(m.offset)) return;
    offsets.add(m.offset);
    this.size++;
  }
}

export function createProcessor(options: ProcessorOptions): Processor {
  const { service } = options;
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const top = options.topFactors ?? 3;
  const degradedAfter = options.degradedAfter ?? 3;
  const backoff = options.retryBackoff ?? { baseMs: 100, maxMs: 5_000 };
  const poisonShare = options.maxPoisonShare ?? 0.01;
  const metrics = options.registry ? processorMetrics(options.registry) : undefined;
  const stats: ProcessorStats = { batches: 0, consumed: 0, scored: 0, stored: 0, alerts: 0, dlq: 0, retries: 0 };
  const alerted = new AlertedOffsets();
  /** Successful scoring calls so far, and for a message that failed on its own where nothing else worked, the count then. */
  let successesSoFar = 0;
  const failedAlone = new Map<string, number>();
  let consecutiveAborts = 0;
  let lastAbort = '';

  /** A transactions_dlq message (counted when the batch's outputs are handed over). */
  function dlq(
    message: ConsumedMessage,
    reason: DlqReason,
    text: string,
    detail: { field?: string | undefined; id?: string | undefined } = {},
  ): ProducedMessage & { reason: DlqReason } {
    const body: DlqMessage = {
      schemaVersion: SCHEMA_VERSION,
      reason,
      message: text,
      ...(detail.field !== undefined ? { field: detail.field } : {}),
      ...(detail.id !== undefined ? { id: detail.id } : {}),
      source: { topic: message.topic, partition: message.partition, offset: message.offset },
      value: message.value,
      ...(message.valueBase64 !== undefined ? { valueBase64: message.valueBase64 } : {}),
    };
    return { topic: TOPICS.dlq, key: message.key, value: JSON.stringify(body), reason };
  }

  function parse(message: ConsumedMessage): Parsed | ReturnType<typeof dlq> {
    if (message.valueBase64 !== undefined)
      return dlq(
        message,
        'invalid_json',
        'the value is not valid UTF-8 (its bytes are in valueBase64); messages are JSON encoded as UTF-8',
      );
    let body: unknown;
    try {
      body = JSON.parse(message.value ?? '');
    } catch (error) {
      return dlq(
        message,
        'invalid_json',
        `the value is not JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return dlq(message, 'schema_violation', `must be an object { schemaVersion: ${SCHEMA_VERSION}, transaction }`, {
        field: 'message',
      });
    const { schemaVersion, transaction, backfill } = body as {
      schemaVersion?: unknown;
      transaction?: unknown;
      backfill?: unknown;
    };
    if (schemaVersion === undefined)
      return dlq(
        message,
        'schema_violation',
        `is required: a transactions_raw message is { schemaVersion: ${SCHEMA_VERSION}, transaction }`,
        { field: 'schemaVersion' },
      );
    if (schemaVersion !== SCHEMA_VERSION)
      return dlq(message, 'unsupported_schema_version', `must be ${SCHEMA_VERSION}, the version this processor reads`, {
        field: 'schemaVersion',
      });
    if (typeof transaction !== 'object' || transaction === null || Array.isArray(transaction)) {
      return dlq(
        message,
        'schema_violation',
        'must be an object with id, customerId, terminalId, amount and timestamp',
        { field: 'transaction' },
      );
    }
    if (backfill !== undefined && typeof backfill !== 'boolean')
      return dlq(message, 'schema_violation', 'must be true or false', { field: 'backfill' });
    return { message, tx: transaction as Record<string, unknown>, backfill: backfill === true };
  }

  const messageKey = (m: ConsumedMessage): string => `${m.topic}:${m.partition}:${m.offset}`;

  /**
   * Scores `items` in order; when the call throws, splits it in halves (left first: a partition's order is kept) down
   * to the messages that fail on their own. Throws BatchRetry when the failure is not the messages' fault.
   */
  async function scoreSplitting(
    items: readonly Parsed[],
    createdAlerts: ConsumedMessage[],
  ): Promise<(ItemOutcome | { failure: unknown })[]> {
    const explain = options.explain === 'all' ? true : ('alerts' as const);
    const poisonLimit = Math.max(8, Math.ceil(items.length * poisonShare));
    // Failed calls before the first success allowed: enough to walk down to one message at the far left.
    const budget = 2 * Math.ceil(Math.log2(items.length + 1)) + 2;
    let failedCalls = 0;
    let successes = 0;
    let alone = 0;
    let firstError: unknown;
    const attempt = async (part: readonly Parsed[]): Promise<(ItemOutcome | { failure: unknown })[]> => {
      try {
        const outcomes = await service.scoreEach(
          part.map((p) => p.tx),
          { explain, backfill: part.map((p) => p.backfill), invalid: 'report', conflicts: 'report' },
        );
        successes += 1;
        successesSoFar += 1;
        outcomes.forEach(
          (o, j) => o.ok && o.created && isAlert(o.record.riskLevel) && createdAlerts.push(part[j]!.message),
        );
        return outcomes;
      } catch (error) {
        firstError ??= error;
        failedCalls += 1;
        if (successes === 0 && failedCalls > budget) throw new BatchRetry(firstError, items.length);
        if (part.length === 1) {
          if (++alone > poisonLimit) throw new BatchRetry(firstError, items.length);
          return [{ failure: error }];
        }
        const mid = part.length >>> 1;
        return [...(await attempt(part.slice(0, mid))), ...(await attempt(part.slice(mid)))];
      }
    };
    const results = await attempt(items);
    if (successes > 0 || alone === 0) return results;
    // Nothing worked in this batch: a message is known bad only if the service worked for others since it first failed.
    let retry = false;
    results.forEach((r, i) => {
      if (!('failure' in r)) return;
      const key = messageKey(items[i]!.message);
      const since = failedAlone.get(key);
      if (since !== undefined && successesSoFar > since) return;
      if (since === undefined) {
        if (failedAlone.size >= 10_000) failedAlone.clear(); // bounded: worst case a message waits for one more success
        failedAlone.set(key, successesSoFar);
      }
      retry = true;
    });
    if (retry) throw new BatchRetry(firstError, items.length);
    return results;
  }

  function emit(
    outputs: ProducedMessage[],
    record: ScoredTransaction,
    message: ConsumedMessage,
    alert: boolean,
    scoringMs: number,
    now: number,
  ): void {
    const customerId = record.transaction.customerId;
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
    if (alert) {
      const message: AlertMessage = {
        schemaVersion: SCHEMA_VERSION,
        id: record.id,
        customerId,
        probability: record.probability,
        riskLevel: record.riskLevel,
        shouldBlock: record.shouldBlock,
        modelVersion: record.modelVersion,
        topFactors: record.topFactors.slice(0, top),
      };
      outputs.push({ topic: TOPICS.alerts, key: customerId, value: JSON.stringify(message) });
      stats.alerts += 1;
      metrics?.alerts.inc();
    }
    const prediction: PredictionMessage = {
      schemaVersion: SCHEMA_VERSION,
      id: record.id,
      modelVersion: record.modelVersion,
      margin: Math.log(record.probability / (1 - record.probability)),
      ...(record.margins ? { margins: record.margins } : {}),
      scoringMs,
      latencyMs: Math.max(0, now - message.timestamp),
    };
    outputs.push({ topic: TOPICS.predictions, key: customerId, value: JSON.stringify(prediction) });
  }

  function refused(message: ConsumedMessage, id: string | undefined, error: ApiError): ReturnType<typeof dlq> {
    if (error.code === 'conflict')
      return dlq(message, 'conflicting_duplicate', error.message, { field: error.field, id });
    return dlq(message, 'schema_violation', error.message, { field: error.field, id });
  }

  async function handle(messages: readonly ConsumedMessage[]): Promise<ProducedMessage[]> {
    const outputs: ProducedMessage[] = [];
    const dead: DlqReason[] = [];
    const toDlq = (m: ReturnType<typeof dlq>): void => {
      const { reason, ...produced } = m;
      dead.push(reason);
      outputs.push(produced);
    };
    alerted.begin(messages);
    const pending: Parsed[] = [];
    for (const message of messages) {
      const parsed = parse(message);
      if ('tx' in parsed) pending.push(parsed);
      else toDlq(parsed);
    }
    const started = performance.now();
    let results: (ItemOutcome | { failure: unknown })[] = [];
    if (pending.length > 0) {
      const createdAlerts: ConsumedMessage[] = [];
      try {
        results = await scoreSplitting(pending, createdAlerts);
      } catch (error) {
        if (!(error instanceof BatchRetry)) throw error;
        // Alerts scored in this attempt are stored: when their messages come again, their alerts are produced then.
        for (const m of createdAlerts) alerted.add(m);
        stats.retries += 1;
        const pause = Math.min(backoff.baseMs * 2 ** consecutiveAborts, backoff.maxMs);
        logger.warn('kafka.batch_retrying', {
          messages: messages.length,
          attempt: consecutiveAborts + 1,
          retry_in_ms: pause,
          ...(error.cause instanceof Error
            ? { error: error.cause.name, message: error.cause.message }
            : { error: String(error.cause) }),
        });
        await new Promise((resolve) => setTimeout(resolve, pause));
        throw error;
      }
    }
    const scoringMs = pending.length > 0 ? (performance.now() - started) / pending.length : 0;
    const now = clock();
    let scored = 0;
    results.forEach((result, i) => {
      const { message, tx } = pending[i]!;
      failedAlone.delete(messageKey(message));
      if ('failure' in result) {
        const id = typeof tx.id === 'string' || typeof tx.id === 'number' ? String(tx.id) : undefined;
        toDlq(
          dlq(
            message,
            'processing_error',
            `scoring this message failed on its own while the others were scored: ${errorText(result.failure)}`,
            { id },
          ),
        );
        return;
      }
      if (!result.ok) {
        toDlq(refused(message, result.id, result.error));
        return;
      }
      scored += 1;
      if (!result.created) stats.stored += 1;
      const alert = isAlert(result.record.riskLevel) && (result.created || alerted.has(message));
      if (alert) alerted.add(message);
      emit(outputs, result.record, message, alert, scoringMs, now);
    });
    stats.batches += 1;
    stats.consumed += messages.length;
    stats.scored += scored;
    stats.dlq += dead.length;
    metrics?.messages.inc({ outcome: 'scored' }, scored);
    if (dead.length > 0) metrics?.messages.inc({ outcome: 'dlq' }, dead.length);
    for (const reason of dead) metrics?.dlq.inc({ reason });
    return outputs;
  }

  return {
    handle,
    stats,
    committed() {
      if (consecutiveAborts >= degradedAfter) logger.info('kafka.stream_recovered', { rolled_back: consecutiveAborts });
      consecutiveAborts = 0;
      metrics?.consecutiveAborts.set(0);
    },
    aborted(error) {
      consecutiveAborts += 1;
      lastAbort = error instanceof BatchRetry ? errorText(error.cause) : errorText(error);
      metrics?.aborted.inc();
      metrics?.consecutiveAborts.set(consecutiveAborts);
      if (consecutiveAborts === degradedAfter) {
        logger.error('kafka.stream_degraded', { rolled_back: consecutiveAborts, message: lastAbort });
      }
    },
    problems() {
      return consecutiveAborts >= degradedAfter
        ? [
            `stream: ${consecutiveAborts} batches in a row rolled back, transactions_raw is not moving (last: ${lastAbort})`,
          ]
        : [];
    },
  };
}
