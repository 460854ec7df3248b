// Valid transactions for the pipeline's tests and benchmark: the TS simulator's customers and terminals, stamped
// with the time they are generated (as the demo stream does), wrapped as transactions_raw messages; offsets, group
// state and a read_committed reader of a real broker.
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, FetchIsolationLevels, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';
import { simulate } from '@fraudscore/simulator';
import { clientOptions, type KafkaConnection } from './client.js';
import { customerKey, rawMessage, TOPICS } from './messages.js';

export interface RawRecord {
  key: string;
  value: string;
}

/** `count` raw messages with ids `${prefix}-<n>`; labels (TX_FRAUD) are never sent. */
export function* rawTransactions(count: number, prefix = 'tx', seed = 7): Generator<RawRecord> {
  let n = 0;
  const now = Date.now();
  while (n < count) {
    for (const s of simulate({ seed, customers: 2000, terminals: 4000, days: 365 })) {
      if (n >= count) return;
      const transaction = {
        id: `${prefix}-${n}`,
        customerId: `C${s.CUSTOMER_ID}`,
        terminalId: `T${s.TERMINAL_ID}`,
        amount: s.TX_AMOUNT,
        // Spread over the last days in stream order, so windows fill as they would.
        timestamp: new Date(now - (count - n) * 1000).toISOString(),
      };
      n += 1;
      yield { key: customerKey(transaction), value: JSON.stringify(rawMessage(transaction)) };
    }
  }
}

/**
 * Poison messages: invalid JSON, a wrong schema version, what the input contract refuses (a NUL or a lone surrogate
 * in an id, a negative or astronomical amount, a missing or far-future timestamp, no schemaVersion at all) and, given
 * a good record published before them, a conflicting duplicate of it (same id, another amount). POISON_REASONS lists
 * their DLQ reasons, sorted.
 */
export function poisonMessages(prefix = 'bad', conflictWith?: RawRecord): RawRecord[] {
  const now = new Date().toISOString();
  const raw = (transaction: Record<string, unknown>) =>
    JSON.stringify({
      schemaVersion: 1,
      transaction: { customerId: 'C1', terminalId: 'T1', amount: 3, timestamp: now, ...transaction },
    });
  const records: RawRecord[] = [
    { key: 'p1', value: '{not json' },
    { key: 'p2', value: JSON.stringify({ schemaVersion: 99, transaction: { id: `${prefix}-1` } }) },
    { key: 'p3', value: raw({ id: `${prefix}-2`, amount: -5 }) },
    { key: 'p4', value: raw({ id: `${prefix}-3`, timestamp: undefined }) },
    { key: 'p5', value: JSON.stringify([1, 2]) },
    { key: 'p6', value: JSON.stringify({ hello: 'world' }) },
    { key: 'p7', value: raw({ id: `${prefix}-4\u0000` }) },
    { key: 'p8', value: raw({ id: `${prefix}-5\ud800` }) }, // JSON.stringify writes the lone surrogate as \ud800
    { key: 'p9', value: raw({ id: `${prefix}-6`, amount: 1.7e308 }) },
    { key: 'p10', value: raw({ id: `${prefix}-7`, timestamp: '2100-01-01T00:00:00Z' }) },
  ];
  if (conflictWith) {
    const body = JSON.parse(conflictWith.value) as { schemaVersion: number; transaction: Record<string, unknown> };
    records.push({
      key: conflictWith.key,
      value: JSON.stringify({
        ...body,
        transaction: { ...body.transaction, amount: Number(body.transaction['amount']) + 1 },
      }),
    });
  }
  return records;
}

/** The DLQ reasons of poisonMessages(prefix, conflictWith), sorted. */
export const POISON_REASONS = (conflict: boolean): string[] =>
  [
    'invalid_json',
    'unsupported_schema_version',
    ...Array.from({ length: 8 }, () => 'schema_violation'),
    ...(conflict ? ['conflicting_duplicate'] : []),
  ].sort();

export { TOPICS };

/** Offsets and group state of a broker, for the tests and the benchmark (an admin client). */
export class KafkaProbe {
  private readonly admin: Admin;

  constructor(connection: KafkaConnection) {
    this.admin = new Admin({ ...clientOptions(connection), retries: 3 });
  }

  private async partitions(topic: string): Promise<number[]> {
    const metadata = await this.admin.metadata({ topics: [topic], forceUpdate: true });
    return (metadata.topics.get(topic)?.partitions ?? []).map((_, i) => i);
  }

  /** The log end offset (read_committed: the last stable offset) of each partition. */
  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const partitions = await this.partitions(topic);
    const [listed] = await this.admin.listOffsets({
      topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, timestamp: -1n })) }],
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
    return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
  }

  /** The group's committed offset of each partition (absent: none). */
  async committed(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const [group] = await this.admin.listConsumerGroupOffsets({ groups: [groupId] });
    const partitions = group?.topics.find((t) => t.name === topic)?.partitions ?? [];
    return new Map(partitions.filter((p) => p.committedOffset >= 0n).map((p) => [p.partitionIndex, p.committedOffset]));
  }

  /** Messages of a topic the group has committed past. */
  async committedTotal(groupId: string, topic: string): Promise<number> {
    let sum = 0;
    for (const offset of (await this.committed(groupId, topic)).values()) sum += Number(offset);
    return sum;
  }

  async endTotal(topic: string): Promise<number> {
    let sum = 0;
    for (const offset of (await this.endOffsets(topic)).values()) sum += Number(offset);
    return sum;
  }

  /** Whether the group's committed offsets reached the end of every partition of the topic. */
  async drained(groupId: string, topic: string): Promise<boolean> {
    const [ends, committed] = [await this.endOffsets(topic), await this.committed(groupId, topic)];
    return [...ends].every(([p, end]) => end === 0n || committed.get(p) === end);
  }

  /** Moves a group (with no members) to the end of the topic, past what is there. */
  async startAtEnd(groupId: string, topic: string): Promise<void> {
    const ends = await this.endOffsets(topic);
    await this.admin.alterConsumerGroupOffsets({
      groupId,
      topics: [{ name: topic, partitionOffsets: [...ends].map(([partition, offset]) => ({ partition, offset })) }],
    });
  }

  /** The group's state and member count. */
  async group(groupId: string): Promise<{ state: string; members: number }> {
    const group = (await this.admin.describeGroups({ groups: [groupId] })).get(groupId);
    return { state: group?.state ?? 'DEAD', members: group?.members.size ?? 0 };
  }

  close(): Promise<void> {
    return this.admin.close();
  }
}

/**
 * Every committed message of the topics, as a read_committed consumer of a new group sees them, from the beginning:
 * read until `complete` holds for what was read (or timeoutMs passed), then for idleMs more with nothing new, so
 * duplicates arriving late are caught too. Completion, not a quiet spell, ends the reading: on a loaded machine the
 * reader itself may pause for seconds.
 */
export async function readCommitted(
  connection: KafkaConnection,
  topics: string[],
  complete: (out: Map<string, string[]>) => boolean,
  { timeoutMs = 120_000, idleMs = 1500 }: { timeoutMs?: number; idleMs?: number } = {},
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(topics.map((t) => [t, []]));
  const consumer = new Consumer({
    ...clientOptions(connection),
    groupId: `reader-${randomUUID()}`,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    maxWaitTime: 100,
    autocommit: false,
    deserializers: stringDeserializers,
  });
  const stream = await consumer.consume({ topics, mode: MessagesStreamModes.EARLIEST });
  const last = { at: 0 };
  stream.on('data', (m) => {
    out.get(m.topic)!.push(m.value ?? '');
    last.at = Date.now();
  });
  const sleep = () => new Promise((resolve) => setTimeout(resolve, 200));
  const end = Date.now() + timeoutMs;
  while (!complete(out) && Date.now() < end) await sleep();
  last.at = Date.now();
  while (Date.now() - last.at < idleMs) await sleep();
  await stream.close();
  await consumer.close(true);
  return out;
}
