// The Kafka transport (@platformatic/kafka): a member of a consumer group that fetches its partitions read_committed
// and writes each batch's outputs and consumed offsets in one transaction.
//
// Zombie fencing (KIP-447): the offsets go into the transaction with a TxnOffsetCommit that carries the group
// generation and member id the batch was fetched under. A processor that stalls past its session timeout loses its
// partitions to another member; when it wakes and commits, the group coordinator refuses the old generation, the
// transaction is aborted, and nothing it produced is visible to read_committed readers. A restarted instance fences
// its predecessor through the transactional id (`<group>-<instance>`, a new producer epoch).
//
// Positions are the transport's own: fetched from the committed offsets with requireStable (a member taking over a
// partition waits until the previous owner's pending transaction is decided), advanced as messages are fetched, and
// rewound to the committed offsets after every rollback and every rebalance ("reset": a new session, in which
// messages fetched or batches scored in an earlier session are dropped). Pipelined: the next batch is fetched and
// scored while the previous transaction commits; if that commit fails, the next batch is dropped too.
import { writeSync } from 'node:fs';
import {
  Admin,
  ConnectionPool,
  Consumer,
  FetchIsolationLevels,
  IS_CONTROL,
  ListOffsetTimestamps,
  ProduceAcks,
  Producer,
  stringSerializers,
  txnOffsetCommitV3,
  type fetchV17,
} from '@platformatic/kafka';
import { silentLogger, type Logger } from '../log.js';
import { clientOptions, explainKafkaError, type KafkaConnection } from './client.js';
import {
  decodeValue,
  type BatchHandler,
  type ConsumedMessage,
  type ProcessorTransport,
  type ProducedMessage,
  type TransportHooks,
} from './transport.js';

export interface KafkaTransportOptions {
  connection: KafkaConnection;
  groupId: string;
  topic: string;
  /** Stable per processor instance: a restarted instance fences (aborts) its predecessor's open transaction. */
  transactionalId: string;
  /** Messages per transaction at most (default 5,000). */
  maxBatch?: number | undefined;
  /** Fetched messages waiting for a batch above which fetching pauses (default 20,000). */
  maxQueued?: number;
  /** How long an abandoned transaction can hold back read_committed readers (default 15 s). */
  transactionTimeoutMs?: number | undefined;
  /** Without a heartbeat for this long the member is dropped and its partitions reassigned (default 10 s). */
  sessionTimeoutMs?: number | undefined;
  logger?: Logger | undefined;
  /** Test hook: runs after a batch's outputs are produced, before its offsets join the transaction. */
  beforeOffsetCommit?: (() => void) | undefined;
}

/** The group generation a batch was fetched under; its offsets are committed with it (or refused). */
interface Member {
  generationId: number;
  memberId: string;
  partitions: number[];
}

interface Batch {
  session: number;
  member: Member;
  messages: ConsumedMessage[];
  /** Next offset per partition once the batch is committed. */
  next: Map<number, bigint>;
}

/** Resolves waiters on notify(): wakes the loops when data arrives, the group changes or the transport stops. */
class Signal {
  private waiters: (() => void)[] = [];
  wait(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
      this.waiters.push(() => (clearTimeout(timer), resolve()));
    });
  }
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

type FetchResponse = fetchV17.FetchResponse;

/** InitProducerId for a producer that has none yet (see newProducer). */
const NEW_PRODUCER = { producerId: -1n, producerEpoch: -1 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Kafka error code names (ILLEGAL_GENERATION, …) in an error chain. */
export function kafkaErrorIds(error: unknown, depth = 0): string[] {
  if (depth > 8 || typeof error !== 'object' || error === null) return [];
  const e = error as { apiId?: unknown; errors?: unknown; cause?: unknown };
  return [
    ...(typeof e.apiId === 'string' ? [e.apiId] : []),
    ...(Array.isArray(e.errors) ? e.errors.flatMap((inner) => kafkaErrorIds(inner, depth + 1)) : []),
    ...kafkaErrorIds(e.cause, depth + 1),
  ];
}

/** The group coordinator refused the batch's generation or member: another member owns its partitions now. */
const FENCED = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID', 'REBALANCE_IN_PROGRESS']);
/** Another producer with this transactional id took over (a restart), or the coordinator timed the transaction out. */
const PRODUCER_FENCED = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Outputs in sends of at most ~1 MB, so no partition's record batch can reach the broker's message.max.bytes. */
function* chunks(outputs: readonly ProducedMessage[], maxBytes = 1_000_000): Generator<ProducedMessage[]> {
  let chunk: ProducedMessage[] = [];
  let bytes = 0;
  for (const m of outputs) {
    const size = m.value.length + (m.key?.length ?? 0) + 32;
    if (bytes + size > maxBytes && chunk.length > 0) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

export class KafkaTransport implements ProcessorTransport {
  private readonly logger: Logger;
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  private consumer: Consumer | undefined;
  private producer: Producer<string, string, string, string> | undefined;
  private admin: Admin | undefined;
  private fetchPool: ConnectionPool | undefined;
  private handler: BatchHandler = async () => [];
  private hooks: TransportHooks = {};
  private running = false;
  private readonly changed = new Signal();
  private member: Member | undefined;
  /** Bumped by every reset: what was fetched or scored in an earlier session is dropped. */
  private session = 0;
  private resetNeeded = true;
  private resetting = false;
  private readonly positions = new Map<number, bigint>();
  private readonly stable = new Map<number, bigint>();
  private buffer: { session: number; messages: ConsumedMessage[] }[] = [];
  private buffered = 0;
  private inflight: Promise<unknown> | undefined;
  private loops: Promise<unknown> | undefined;
  private joining: Promise<void> | undefined;
  /** Partitions whose lag was reported (removed when they are revoked). */
  private readonly reported = new Set<number>();
  /** Time spent scoring, committing and fetching (ms), for profiling (KAFKA_PROFILE=1 prints it at stop). */
  readonly profile = { batches: 0, messages: 0, fetch: 0, handle: 0, commit: 0, aborted: 0, fenced: 0 };

  constructor(private readonly options: KafkaTransportOptions) {
    this.logger = options.logger ?? silentLogger;
    this.maxBatch = options.maxBatch ?? 5000;
    this.maxQueued = options.maxQueued ?? 20_000;
  }

  private get groupOptions() {
    const session = this.options.sessionTimeoutMs ?? 10_000;
    return {
      sessionTimeout: session,
      // Heartbeats run beside the processing (not blocked by a batch); a third of the session is the usual spacing.
      heartbeatInterval: Math.max(500, Math.floor(session / 3)),
      rebalanceTimeout: Math.max(session, 20_000),
    };
  }

  async start(handler: BatchHandler, hooks: TransportHooks = {}): Promise<void> {
    const { connection, groupId, topic } = this.options;
    this.handler = handler;
    this.hooks = hooks;
    this.running = true;
    const base = clientOptions(connection);
    this.admin = new Admin(base);
    this.fetchPool = new ConnectionPool(connection.clientId, base);
    const consumer = new Consumer({
      ...base,
      groupId,
      ...this.groupOptions,
      autocommit: false,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: 100,
      maxBytes: 8 * 1024 * 1024,
    });
    this.consumer = consumer;
    consumer.on('consumer:group:join', (payload) => {
      const partitions = payload.assignments?.find((a) => a.topic === topic)?.partitions ?? [];
      this.member = { generationId: payload.generationId ?? -1, memberId: payload.memberId, partitions };
      this.logger.info('kafka.group_joined', {
        group: groupId,
        generation: this.member.generationId,
        partitions: partitions.join(','),
      });
      this.requestReset();
    });
    // A rejoin that failed for good (the coordinator gone for longer than the retries): join again, with a pause.
    consumer.on('error', (error: unknown) => {
      this.logger.warn('kafka.consumer_error', { error: errorText(explainKafkaError(error, connection)) });
      this.member = undefined;
      this.requestReset();
      if (this.running) this.joining ??= this.join().finally(() => (this.joining = undefined));
    });
    try {
      this.producer = await this.newProducer();
      await this.join(false);
    } catch (error) {
      await this.close();
      throw explainKafkaError(error, connection);
    }
    this.loops = Promise.all([this.fetchLoop(), this.processLoop()]);
  }

  private async join(retry = true): Promise<void> {
    const consumer = this.consumer!;
    consumer.topics.track(this.options.topic);
    for (let attempt = 0; this.running; attempt++) {
      try {
        await consumer.joinGroup(this.groupOptions);
        return;
      } catch (error) {
        if (!retry) throw error;
        this.logger.warn('kafka.join_failed', { error: errorText(explainKafkaError(error, this.options.connection)) });
        await sleep(Math.min(5000, 250 * 2 ** attempt));
      }
    }
  }

  private async newProducer(): Promise<Producer<string, string, string, string>> {
    const producer = new Producer({
      ...clientOptions(this.options.connection),
      idempotent: true,
      transactionalId: this.options.transactionalId,
      acks: ProduceAcks.ALL,
      // The transaction timeout (InitProducerId) and the produce requests' timeout.
      timeout: this.options.transactionTimeoutMs ?? 15_000,
      serializers: stringSerializers,
    });
    try {
      // The transactional InitProducerId, as a new producer (id and epoch -1: the client's default of 0 would read as
      // a stale producer 0 and be refused, PRODUCER_FENCED, once the transactional id has a history). It bumps the
      // transactional id's epoch: a predecessor's open transaction is aborted and the predecessor fenced.
      const transaction = await producer.beginTransaction(NEW_PRODUCER);
      await transaction.cancel();
    } catch (error) {
      await producer.close().catch(() => {});
      throw error;
    }
    return producer;
  }

  private requestReset(): void {
    this.session += 1;
    this.resetNeeded = true;
    this.buffer = [];
    this.buffered = 0;
    this.changed.notify();
  }

  /** After a rebalance or a rollback: positions from the committed offsets, once our own transaction is decided. */
  private async reset(): Promise<void> {
    this.resetting = true;
    try {
      await this.inflight;
      this.resetNeeded = false;
      const session = this.session;
      const member = this.member;
      const assigned = new Set(member?.partitions ?? []);
      for (const p of this.reported) {
        if (assigned.has(p)) continue;
        this.reported.delete(p);
        this.hooks.lag?.(this.options.topic, p, undefined);
      }
      this.positions.clear();
      if (!member || member.partitions.length === 0) return;
      const committed = await this.committedOffsets(member.partitions);
      if (session !== this.session) return; // another reset came meanwhile
      for (const [p, offset] of committed) this.positions.set(p, offset);
    } catch (error) {
      if (!this.running) return;
      this.logger.warn('kafka.reset_failed', { error: errorText(explainKafkaError(error, this.options.connection)) });
      this.resetNeeded = true;
      await sleep(500);
    } finally {
      this.resetting = false;
      this.changed.notify();
    }
  }

  /**
   * The group's committed offsets (requireStable: while a transaction with offsets for a partition is undecided the
   * coordinator answers UNSTABLE_OFFSET_COMMIT, and we ask again); a partition without one starts at the earliest.
   */
  private async committedOffsets(partitions: number[]): Promise<Map<number, bigint>> {
    const { groupId, topic } = this.options;
    for (let attempt = 0; ; attempt++) {
      try {
        const [group] = await this.admin!.listConsumerGroupOffsets({
          groups: [{ groupId, topics: [{ name: topic, partitionIndexes: partitions }] }],
          requireStable: true,
        });
        const result = new Map<number, bigint>();
        const missing: number[] = [];
        for (const p of group?.topics.find((t) => t.name === topic)?.partitions ?? []) {
          if (p.committedOffset >= 0n) result.set(p.partitionIndex, p.committedOffset);
        }
        for (const p of partitions) if (!result.has(p)) missing.push(p);
        if (missing.length > 0) {
          const earliest = await this.consumer!.listOffsets({
            topics: [topic],
            partitions: { [topic]: missing },
            timestamp: ListOffsetTimestamps.EARLIEST,
          });
          for (const p of missing) result.set(p, earliest.get(topic)?.[p] ?? 0n);
        }
        return result;
      } catch (error) {
        if (!kafkaErrorIds(error).includes('UNSTABLE_OFFSET_COMMIT') || attempt >= 600 || !this.running) throw error;
        await sleep(50);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ fetching

  private async fetchLoop(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      if (this.resetNeeded || this.resetting || this.positions.size === 0 || this.buffered >= this.maxQueued) {
        await this.changed.wait(1000);
        continue;
      }
      const session = this.session;
      const t0 = performance.now();
      let messages: ConsumedMessage[];
      try {
        messages = await this.fetchOnce(session);
        backoff = 100;
      } catch (error) {
        if (!this.running) return;
        this.logger.warn('kafka.fetch_failed', { error: errorText(explainKafkaError(error, this.options.connection)) });
        this.consumer?.clearMetadata();
        await sleep(backoff);
        backoff = Math.min(2000, backoff * 2);
        continue;
      }
      this.profile.fetch += performance.now() - t0;
      if (session !== this.session || messages.length === 0) continue;
      this.buffer.push({ session, messages });
      this.buffered += messages.length;
      this.changed.notify();
    }
  }

  /** One fetch round: the assigned partitions from their positions, one request per leader, all leaders at once. */
  private async fetchOnce(session: number): Promise<ConsumedMessage[]> {
    const { topic } = this.options;
    const consumer = this.consumer!;
    const metadata = await consumer.metadata({ topics: [topic] });
    const topicMetadata = metadata.topics.get(topic);
    if (!topicMetadata) throw new Error(`topic ${topic} not found`);
    const byLeader = new Map<number, { partition: number; fetchOffset: bigint }[]>();
    for (const [partition, fetchOffset] of this.positions) {
      const leader = topicMetadata.partitions[partition]?.leader ?? -1;
      if (leader < 0) throw new Error(`partition ${topic}-${partition} has no leader`);
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push({ partition, fetchOffset });
    }
    const responses = await Promise.all(
      [...byLeader].map(([node, partitions]) =>
        consumer
          .fetch({
            node,
            topics: [
              {
                topicId: topicMetadata.id,
                partitions: partitions.map(({ partition, fetchOffset }) => ({
                  partition,
                  fetchOffset,
                  partitionMaxBytes: 1024 * 1024,
                  currentLeaderEpoch: -1,
                  lastFetchedEpoch: -1,
                })),
              },
            ],
            maxWaitTime: 100,
            maxBytes: 8 * 1024 * 1024,
            isolationLevel: FetchIsolationLevels.READ_COMMITTED,
            connectionPool: this.fetchPool!,
          })
          .catch((error: unknown) => this.fetchError(error)),
      ),
    );
    const messages: ConsumedMessage[] = [];
    if (session !== this.session) return messages;
    for (const response of responses) if (response) this.decode(response, messages);
    return messages;
  }

  /** Offsets out of range (retention deleted messages not yet consumed): continue from the earliest still there. */
  private async fetchError(error: unknown): Promise<undefined> {
    if (!kafkaErrorIds(error).includes('OFFSET_OUT_OF_RANGE')) throw error;
    const { topic } = this.options;
    const earliest = await this.consumer!.listOffsets({ topics: [topic], timestamp: ListOffsetTimestamps.EARLIEST });
    for (const [p, position] of this.positions) {
      const first = earliest.get(topic)?.[p] ?? 0n;
      if (position < first) {
        this.logger.error('kafka.offset_out_of_range', {
          topic,
          partition: p,
          from: String(position),
          to: String(first),
        });
        this.positions.set(p, first);
      }
    }
    return undefined;
  }

  private decode(response: FetchResponse, out: ConsumedMessage[]): void {
    const { topic } = this.options;
    for (const topicResponse of response.responses) {
      for (const partition of topicResponse.partitions) {
        const p = partition.partitionIndex;
        const from = this.positions.get(p);
        if (from === undefined) continue;
        let position: bigint = from;
        const stable = partition.lastStableOffset >= 0n ? partition.lastStableOffset : partition.highWatermark;
        this.stable.set(p, stable);
        for (const batch of partition.records ?? []) {
          const end = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
          if (end <= position) continue;
          if ((batch.attributes & IS_CONTROL) === 0) {
            const timestamp = Number(batch.firstTimestamp);
            for (const record of batch.records) {
              const offset = batch.firstOffset + BigInt(record.offsetDelta);
              if (offset < position) continue;
              out.push({
                topic,
                partition: p,
                offset: String(offset),
                key: record.key === null ? null : record.key.toString(),
                ...decodeValue(record.value),
                timestamp: timestamp + Number(record.timestampDelta),
              });
            }
          }
          position = end;
        }
        this.positions.set(p, position);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ processing

  /** Takes what is fetched (this session's, up to maxBatch messages) as one batch. */
  private take(): Batch | undefined {
    const member = this.member;
    if (!member) return undefined;
    const messages: ConsumedMessage[] = [];
    while (this.buffer.length > 0) {
      const head = this.buffer[0]!;
      if (head.session !== this.session) {
        this.buffer.shift();
        continue;
      }
      const room = this.maxBatch - messages.length;
      if (room <= 0) break;
      if (head.messages.length <= room) {
        messages.push(...head.messages);
        this.buffer.shift();
      } else {
        messages.push(...head.messages.slice(0, room));
        head.messages = head.messages.slice(room);
      }
    }
    this.buffered = this.buffer.reduce((n, b) => n + b.messages.length, 0);
    if (messages.length === 0) return undefined;
    const next = new Map<number, bigint>();
    for (const m of messages) next.set(m.partition, BigInt(m.offset) + 1n);
    this.changed.notify(); // room to fetch again
    return { session: this.session, member, messages, next };
  }

  private async processLoop(): Promise<void> {
    while (this.running) {
      if (this.resetNeeded && !this.resetting) {
        await this.reset();
        continue;
      }
      const batch = this.buffer.length > 0 ? this.take() : undefined;
      if (!batch) {
        await this.changed.wait(1000);
        continue;
      }
      let outputs: ProducedMessage[];
      const t0 = performance.now();
      try {
        outputs = await this.handler(batch.messages);
      } catch (error) {
        // Not committed: the batch is consumed again from the committed offsets.
        this.hooks.aborted?.(error ?? new Error('scoring failed'));
        this.requestReset();
        continue;
      }
      this.profile.handle += performance.now() - t0;
      this.profile.batches += 1;
      this.profile.messages += batch.messages.length;
      const previous = this.inflight;
      if (previous) await previous;
      // A rebalance or the previous batch's rollback since this batch was fetched: it is fetched again. (A batch scored
      // while stopping is still committed.)
      if (batch.session !== this.session) continue;
      this.inflight = this.commit(batch, outputs).finally(() => (this.inflight = undefined));
    }
    await this.inflight;
  }

  /** The batch's outputs and offsets in one transaction; on failure rolled back and the positions reset. */
  private async commit(batch: Batch, outputs: readonly ProducedMessage[]): Promise<void> {
    const { groupId, topic, transactionalId } = this.options;
    const t0 = performance.now();
    let stage = 'begin';
    try {
      this.producer ??= await this.newProducer();
      const producer = this.producer;
      const transaction = await producer.beginTransaction(NEW_PRODUCER);
      try {
        stage = 'produce';
        for (const chunk of chunks(outputs))
          await transaction.send({
            messages: chunk.map((m) => ({
              topic: m.topic,
              ...(m.key !== null ? { key: m.key } : {}),
              value: m.value,
            })),
          });
        stage = 'offsets';
        await transaction.addConsumer(this.consumer!);
        this.options.beforeOffsetCommit?.();
        const coordinator = await this.consumer!.findGroupCoordinator();
        const connection = (await producer.connectToBrokers([coordinator])).get(coordinator);
        if (!connection) throw new Error(`no connection to the group coordinator (broker ${coordinator})`);
        await txnOffsetCommitV3.api.async(
          connection,
          transactionalId,
          groupId,
          producer.producerId!,
          producer.producerEpoch!,
          batch.member.generationId,
          batch.member.memberId,
          null,
          [
            {
              name: topic,
              partitions: [...batch.next].map(([partitionIndex, committedOffset]) => ({
                partitionIndex,
                committedOffset,
                committedLeaderEpoch: -1,
                committedMetadata: null,
              })),
            },
          ],
        );
        stage = 'commit';
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => {});
        throw error;
      }
    } catch (error) {
      this.rolledBack(batch, error, stage);
      return;
    }
    this.profile.commit += performance.now() - t0;
    for (const [p, next] of batch.next) {
      this.reported.add(p);
      const stable = this.stable.get(p) ?? next;
      this.hooks.lag?.(topic, p, Math.max(0, Number(stable - next)));
    }
  }

  private rolledBack(batch: Batch, error: unknown, stage: string): void {
    const ids = kafkaErrorIds(error);
    const fenced = ids.some((id) => FENCED.has(id));
    this.profile.aborted += 1;
    if (fenced) this.profile.fenced += 1;
    const fields = {
      stage,
      generation: batch.member.generationId,
      messages: batch.messages.length,
      error:
        ids.length > 0 ? [...new Set(ids)].join(',') : errorText(explainKafkaError(error, this.options.connection)),
    };
    // Fenced: another member owns these partitions now (a rebalance, or this process stalled past its session).
    if (fenced) this.logger.warn('kafka.batch_fenced', fields);
    else this.logger.warn('kafka.batch_aborted', fields);
    this.hooks.aborted?.(error);
    // Refused for the group generation and no rejoin under way: the client would learn it from its next heartbeat;
    // rejoin now (a join already under way absorbs this one).
    if (fenced && this.member === batch.member && this.running)
      this.joining ??= this.join().finally(() => (this.joining = undefined));
    // Whatever failed, a new producer (a new epoch) starts clean: its sequence numbers and transaction state are the
    // broker's, and one fenced by a successor of ours learns it at once.
    const broken = this.producer;
    this.producer = undefined;
    broken?.close().catch(() => {});
    if (ids.some((id) => PRODUCER_FENCED.has(id)))
      this.logger.warn('kafka.producer_fenced', { transactionalId: this.options.transactionalId });
    this.requestReset();
  }

  async stop(): Promise<void> {
    if (process.env.KAFKA_PROFILE) writeSync(2, `kafka profile ${JSON.stringify(this.profile)}\n`);
    this.running = false;
    this.changed.notify();
    await this.loops; // the batch in flight commits or aborts
    await this.close();
  }

  private async close(): Promise<void> {
    this.running = false;
    // Leaves the group: its partitions are reassigned at once.
    const consumer = this.consumer;
    if (consumer) await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
    await this.producer?.close().catch(() => {});
    await this.admin?.close().catch(() => {});
    await new Promise<void>((resolve) => (this.fetchPool ? this.fetchPool.close(() => resolve()) : resolve()));
    this.producer = undefined;
  }
}
