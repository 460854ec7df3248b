// The streaming pipeline: the processor over Kafka (KAFKA_BROKERS set) or over the in-process log (not set).
import type { Registry, ScoringService } from '@fraudscore/edge';
import { hostname } from 'node:os';
import { silentLogger, type Logger } from '../log.js';
import { ensureTopics, kafkaPublisher, type KafkaSasl, type KafkaTls } from './client.js';
import { KafkaTransport, type KafkaTransportOptions } from './kafka-transport.js';
import { TOPIC_SPECS, TOPICS } from './messages.js';
import { MemoryBroker } from './memory.js';
import { createProcessor, processorMetrics, type Processor, type ProcessorOptions } from './processor.js';
import type { ProcessorTransport, Publisher } from './transport.js';

export * from './messages.js';
export * from './transport.js';
export { MemoryBroker } from './memory.js';
export {
  clientOptions,
  ensureTopics,
  explainKafkaError,
  kafkaPublisher,
  KafkaSettingError,
  SASL_MECHANISMS,
  settingError,
  type KafkaConnection,
  type KafkaSasl,
  type KafkaTls,
  type SaslMechanism,
} from './client.js';
export { KafkaTransport, kafkaErrorIds, type KafkaTransportOptions } from './kafka-transport.js';
export {
  createProcessor,
  processorMetrics,
  type Processor,
  type ProcessorOptions,
  type ProcessorStats,
} from './processor.js';

export interface PipelineKafkaConfig {
  /** Empty: the in-process log. */
  brokers: string[];
  clientId: string;
  groupId: string;
  replicationFactor: number;
  /** Stable id of this processor instance (transactional id suffix); default the host name. */
  instanceId?: string | undefined;
  maxBatch?: number | undefined;
  tls?: KafkaTls | undefined;
  sasl?: KafkaSasl | undefined;
  sessionTimeoutMs?: number | undefined;
  transactionTimeoutMs?: number | undefined;
  /** Test hook (the zombie test): runs before a batch's offsets join its transaction. */
  beforeOffsetCommit?: (() => void) | undefined;
}

export interface PipelineOptions {
  kafka: PipelineKafkaConfig;
  service: ScoringService;
  registry?: Registry | undefined;
  logger?: Logger;
  clock?: () => number;
  /** The in-process log to use without brokers (default a new one). */
  memory?: MemoryBroker;
  /** SHAP for alerts only (default) or all. */
  explain?: 'alerts' | 'all' | undefined;
  /** Builds the Kafka transport (default KafkaTransport; the benchmark's baseline passes the old kafkajs one). */
  kafkaTransport?: ((options: KafkaTransportOptions) => ProcessorTransport) | undefined;
  /** Tuning of the processor's retries and degraded reporting (tests). */
  processor?: Pick<ProcessorOptions, 'degradedAfter' | 'retryBackoff' | 'maxPoisonShare'>;
}

export interface Pipeline {
  mode: 'kafka' | 'memory';
  processor: Processor;
  /** Publishes to the pipeline's topics (e.g. transactions_raw). */
  publisher: Publisher;
  /** The in-process log (memory mode only). */
  memory?: MemoryBroker | undefined;
  /** Graceful: the batch in flight commits or aborts, then everything disconnects. */
  stop(): Promise<void>;
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const { kafka: config } = options;
  const logger = options.logger ?? silentLogger;
  const processor = createProcessor({
    service: options.service,
    registry: options.registry,
    logger,
    clock: options.clock,
    explain: options.explain,
    ...options.processor,
  });
  const lag = options.registry ? processorMetrics(options.registry).lag : undefined;
  const hooks = {
    // Lag is reported after every committed batch: the stream moves.
    lag: (topic: string, partition: number, value: number | undefined) => {
      if (value === undefined) lag?.remove({ topic, partition });
      else {
        lag?.set(value, { topic, partition });
        processor.committed();
      }
    },
    aborted: (error: unknown) => processor.aborted(error),
  };
  let transport: ProcessorTransport;
  let publisher: Publisher;
  let memory: MemoryBroker | undefined;
  if (config.brokers.length === 0) {
    memory =
      options.memory ??
      new MemoryBroker({
        partitions: (topic) => TOPIC_SPECS.find((t) => t.topic === topic)?.partitions ?? 1,
        retain: 10_000,
      });
    transport = memory.transport({ groupId: config.groupId, topic: TOPICS.raw, maxBatch: config.maxBatch });
    publisher = memory.publisher();
  } else {
    const connection = { brokers: config.brokers, clientId: config.clientId, tls: config.tls, sasl: config.sasl };
    const created = await ensureTopics(connection, config.replicationFactor);
    if (created.length > 0) logger.info('kafka.topics_created', { topics: created.join(',') });
    transport = (options.kafkaTransport ?? ((o) => new KafkaTransport(o)))({
      connection,
      groupId: config.groupId,
      topic: TOPICS.raw,
      logger,
      maxBatch: config.maxBatch,
      transactionalId: `${config.groupId}-${config.instanceId ?? hostname()}`,
      sessionTimeoutMs: config.sessionTimeoutMs,
      transactionTimeoutMs: config.transactionTimeoutMs,
      beforeOffsetCommit: config.beforeOffsetCommit,
    });
    publisher = await kafkaPublisher(connection);
  }
  try {
    await transport.start(processor.handle, hooks);
  } catch (error) {
    await publisher.close().catch(() => {});
    throw error;
  }
  logger.info('kafka.processor_started', { mode: memory ? 'memory' : 'kafka', group: config.groupId });
  let stopping: Promise<void> | undefined;
  return {
    mode: memory ? 'memory' : 'kafka',
    processor,
    publisher,
    memory,
    stop: () =>
      (stopping ??= (async () => {
        await transport.stop();
        await publisher.close();
      })()),
  };
}
