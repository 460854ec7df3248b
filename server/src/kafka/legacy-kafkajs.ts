// The previous Kafka transport (kafkajs 2.2.4, unmaintained), kept only as the benchmark's baseline
// (bench/kafka.mjs runs worker.js with FRAUDSCORE_BENCH_TRANSPORT=kafkajs): a consumer in a group reading
// read_committed, and a transactional producer that writes a batch's outputs and its consumed offsets (sendOffsets) in
// one transaction. Its TxnOffsetCommit (v0-1) carries no group generation, so it cannot fence a zombie: use
// kafka-transport.ts. Plaintext brokers only.
//
// Batching across partitions: kafkajs hands over one partition's batch at a time (all partitions concurrently);
// each call waits while its messages are queued, and one transaction takes whatever is queued (up to maxBatch
// messages), so a transaction covers many partitions. A batch whose transaction fails is aborted and not resolved:
// kafkajs fetches it again from the last resolved offset. Backpressure: a call holds its partition until its
// transaction ends, and the topic is paused while more than maxQueued messages wait.
import { Kafka, logLevel, type Consumer, type EachBatchPayload, type Producer, type LogEntry } from 'kafkajs';
import { silentLogger, type Logger } from '../log.js';
import type { KafkaTransportOptions } from './kafka-transport.js';
import {
  decodeValue,
  type BatchHandler,
  type ConsumedMessage,
  type ProcessorTransport,
  type ProducedMessage,
  type TransportHooks,
} from './transport.js';

interface LegacyConnection {
  brokers: string[];
  clientId: string;
  logger?: Logger;
}

function kafkaLogger(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      const fields = { message, broker: rest.broker, error: rest.error };
      if (level === logLevel.ERROR) logger.warn('kafka.client', fields);
      else if (level === logLevel.WARN) logger.debug('kafka.client', fields);
    };
}

export function createKafka({ brokers, clientId, logger = silentLogger }: LegacyConnection): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogger(logger),
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 8 },
  });
}

/** The new transport's options, with a kafkajs client in place of the connection settings (no test hooks). */
export type LegacyKafkajsTransportOptions = Omit<KafkaTransportOptions, 'connection' | 'beforeOffsetCommit'> & {
  kafka: Kafka;
};

interface Queued {
  messages: ConsumedMessage[];
  partition: number;
  last: string;
  highWatermark: string;
  payload: EachBatchPayload;
  done: () => void;
}

export class LegacyKafkajsTransport implements ProcessorTransport {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private readonly queue: Queued[] = [];
  private queued = 0;
  private draining: Promise<void> | undefined;
  private paused = false;
  private handler: BatchHandler | undefined;
  private hooks: TransportHooks = {};
  private readonly logger: Logger;

  constructor(private readonly options: LegacyKafkajsTransportOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  private async newProducer(): Promise<Producer> {
    const producer = this.options.kafka.producer({
      transactionalId: this.options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.options.transactionTimeoutMs ?? 15_000,
      allowAutoTopicCreation: false,
      // CONCURRENT_TRANSACTIONS right after a commit is retried: retry soon.
      retry: { initialRetryTime: 20, maxRetryTime: 1000, retries: 12, factor: 0.2, multiplier: 1.5 },
    });
    await producer.connect();
    return producer;
  }

  async start(handler: BatchHandler, hooks: TransportHooks = {}): Promise<void> {
    const { kafka, groupId, topic } = this.options;
    this.handler = handler;
    this.hooks = hooks;
    this.producer = await this.newProducer();
    const consumer = kafka.consumer({
      groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 20_000,
      maxBytesPerPartition: 1024 * 1024,
      maxWaitTimeInMs: 100,
      retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 10 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.logger.info('kafka.group_joined', {
        group: groupId,
        member: payload.memberId,
        partitions: (payload.memberAssignment[topic] ?? []).join(','),
      });
      // Partitions no longer assigned stop reporting lag.
      const assigned = new Set(payload.memberAssignment[topic] ?? []);
      for (const p of this.reported) {
        if (assigned.has(p)) continue;
        this.reported.delete(p);
        hooks.lag?.(topic, p, undefined);
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.logger.warn('kafka.consumer_crash', { error: payload.error?.message, restart: payload.restart }),
    );
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 12,
      eachBatch: (payload) => this.enqueue(payload),
    });
    await joined;
  }

  private readonly reported = new Set<number>();
  /** Time spent scoring and committing (ms), for profiling. */
  readonly profile = { batches: 0, messages: 0, handle: 0, commit: 0 };

  private enqueue(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return Promise.resolve();
    const messages: ConsumedMessage[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: m.offset,
      key: m.key === null ? null : m.key.toString(),
      ...decodeValue(m.value),
      timestamp: Number(m.timestamp),
    }));
    return new Promise<void>((done) => {
      this.queue.push({
        messages,
        partition: batch.partition,
        last: batch.lastOffset(),
        highWatermark: batch.highWatermark,
        payload,
        done,
      });
      this.queued += messages.length;
      if (!this.paused && this.queued > (this.options.maxQueued ?? 20_000)) {
        this.paused = true;
        this.consumer?.pause([{ topic: this.options.topic }]);
      }
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    });
  }

  /**
   * One transaction at a time, each taking what is queued (whole partition batches, up to maxBatch messages).
   * Pipelined: the next batch is scored while the previous transaction commits; if that commit fails, the next
   * batch is not committed either (neither is resolved, so kafkajs fetches both again from the last resolved offset).
   */
  private async drain(): Promise<void> {
    const maxBatch = this.options.maxBatch ?? 5000;
    await new Promise((resolve) => setImmediate(resolve)); // let the other partitions' calls of this fetch queue up
    let inflight: { take: Queued[]; live: Queued[]; result: Promise<unknown> } | undefined;
    const settle = async (): Promise<boolean> => {
      const current = inflight!;
      inflight = undefined;
      const error = await current.result;
      if (error === undefined) {
        for (const q of current.live) {
          q.payload.resolveOffset(q.last);
          this.reported.add(q.partition);
          this.hooks.lag?.(this.options.topic, q.partition, Math.max(0, Number(q.highWatermark) - Number(q.last) - 1));
        }
      } else {
        this.hooks.aborted?.(error);
        this.logger.warn('kafka.batch_aborted', {
          error: error instanceof Error ? error.message : String(error),
          messages: current.live.reduce((n, q) => n + q.messages.length, 0),
        });
      }
      for (const q of current.take) q.done();
      return error === undefined;
    };
    while (this.queue.length > 0 || inflight) {
      if (this.queue.length === 0) {
        await settle();
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const take: Queued[] = [];
      let count = 0;
      while (this.queue.length > 0 && (take.length === 0 || count + this.queue[0]!.messages.length <= maxBatch)) {
        const q = this.queue.shift()!;
        take.push(q);
        count += q.messages.length;
      }
      this.queued -= count;
      const live = take.filter((q) => q.payload.isRunning() && !q.payload.isStale());
      let outputs: ProducedMessage[] | undefined;
      let failure: unknown;
      try {
        outputs = live.length > 0 ? await this.score(live) : [];
      } catch (error) {
        failure = error ?? new Error('scoring failed');
      }
      const previousOk = inflight ? await settle() : true;
      if (!previousOk || failure !== undefined || live.length === 0) {
        if (failure !== undefined) this.hooks.aborted?.(failure);
        for (const q of take) q.done();
      } else {
        inflight = {
          take,
          live,
          result: this.commit(live, outputs!).then(
            () => undefined,
            (error: unknown) => error ?? new Error('commit failed'),
          ),
        };
      }
      if (this.paused && this.queued <= (this.options.maxQueued ?? 20_000) / 2) {
        this.paused = false;
        this.consumer?.resume([{ topic: this.options.topic }]);
      }
    }
  }

  private async score(batches: Queued[]): Promise<ProducedMessage[]> {
    const t0 = performance.now();
    const outputs = await this.handler!(batches.flatMap((q) => q.messages));
    this.profile.handle += performance.now() - t0;
    this.profile.batches += 1;
    this.profile.messages += batches.reduce((n, q) => n + q.messages.length, 0);
    return outputs;
  }

  private async commit(batches: Queued[], outputs: readonly ProducedMessage[]): Promise<void> {
    const t1 = performance.now();
    const byTopic = new Map<string, { key: string | null; value: string }[]>();
    for (const m of outputs) {
      let list = byTopic.get(m.topic);
      if (!list) byTopic.set(m.topic, (list = []));
      list.push({ key: m.key, value: m.value });
    }
    const offsets = new Map<number, string>();
    for (const q of batches) {
      const next = String(BigInt(q.last) + 1n);
      const prev = offsets.get(q.partition);
      if (prev === undefined || BigInt(next) > BigInt(prev)) offsets.set(q.partition, next);
    }
    this.producer ??= await this.newProducer();
    const transaction = await this.producer.transaction();
    try {
      // Requests of at most ~512 KB: kafkajs sends one request per broker, which the broker refuses (MESSAGE_TOO_LARGE)
      // once it nears message.max.bytes.
      let chunk: { topic: string; messages: { key: string | null; value: string }[] }[] = [];
      let bytes = 0;
      for (const [topic, messages] of byTopic) {
        let current: { key: string | null; value: string }[] = [];
        chunk.push({ topic, messages: current });
        for (const m of messages) {
          if (bytes > 512 * 1024) {
            await transaction.sendBatch({ acks: -1, topicMessages: chunk });
            current = [];
            chunk = [{ topic, messages: current }];
            bytes = 0;
          }
          current.push(m);
          bytes += m.value.length + (m.key?.length ?? 0) + 16;
        }
      }
      if (bytes > 0) await transaction.sendBatch({ acks: -1, topicMessages: chunk });
      await transaction.sendOffsets({
        consumerGroupId: this.options.groupId,
        topics: [
          { topic: this.options.topic, partitions: [...offsets].map(([partition, offset]) => ({ partition, offset })) },
        ],
      });
      await transaction.commit();
      this.profile.commit += performance.now() - t1;
    } catch (error) {
      await transaction.abort().catch(() => {});
      // kafkajs's idempotence sequence numbers may be out of step with the broker after a failed request: a new
      // producer with the same transactional id fences the old epoch (aborting whatever it left open) and starts clean.
      const broken = this.producer;
      this.producer = undefined;
      await broken?.disconnect().catch(() => {});
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (process.env.KAFKA_PROFILE) process.stderr.write(`kafka profile ${JSON.stringify(this.profile)}\n`);
    // consumer.stop waits for the eachBatch calls in flight, i.e. for their transactions to commit or abort.
    await this.consumer?.stop().catch(() => {});
    await this.draining;
    await this.consumer?.disconnect().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
    this.producer = undefined;
  }
}
