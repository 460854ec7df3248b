// The in-process log: topics of partitions held in memory (the oldest messages beyond `retain` per partition are
// dropped, offsets go on), consumer groups with committed offsets, and a transport whose commit appends a batch's
// outputs and moves its offsets in one synchronous step — atomic, as a Kafka transaction. Members of a group share
// the partitions (reassigned when one joins or leaves); a member that lost a partition cannot commit it (fenced).
import type {
  BatchHandler,
  ConsumedMessage,
  ProcessorTransport,
  ProducedMessage,
  Publisher,
  TransportHooks,
} from './transport.js';

interface Partition {
  /** Offset of messages[0]. */
  base: number;
  messages: ConsumedMessage[];
}

interface Member {
  id: number;
  partitions: Set<number>;
}

interface Group {
  offsets: Map<string, number>;
  members: Member[];
  generation: number;
}

export interface MemoryBrokerOptions {
  /** Default partitions of a topic created on first use (default 12). */
  partitions?: number | ((topic: string) => number);
  /** Messages kept per partition (default 100,000). */
  retain?: number;
}

/** A stable partition for a key (FNV-1a), or round-robin without one. */
function partitionFor(key: string | null, count: number, counter: { n: number }): number {
  if (key === null) return counter.n++ % count;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % count;
}

export class MemoryBroker {
  private readonly topics = new Map<string, Partition[]>();
  private readonly groups = new Map<string, Group>();
  private readonly waiters = new Set<() => void>();
  private readonly counter = { n: 0 };
  private nextMember = 1;
  readonly retain: number;

  constructor(private readonly options: MemoryBrokerOptions = {}) {
    this.retain = options.retain ?? 100_000;
  }

  partitions(topic: string): Partition[] {
    let parts = this.topics.get(topic);
    if (!parts) {
      const n =
        typeof this.options.partitions === 'function'
          ? this.options.partitions(topic)
          : (this.options.partitions ?? 12);
      parts = Array.from({ length: n }, () => ({ base: 0, messages: [] }));
      this.topics.set(topic, parts);
    }
    return parts;
  }

  /** Appends (synchronously) and wakes the consumers. */
  append(messages: readonly ProducedMessage[] | readonly (ProducedMessage & { timestamp?: number })[]): void {
    const now = Date.now();
    for (const m of messages) {
      const parts = this.partitions(m.topic);
      const partition = partitionFor(m.key, parts.length, this.counter);
      const p = parts[partition]!;
      const offset = p.base + p.messages.length;
      p.messages.push({
        topic: m.topic,
        partition,
        offset: String(offset),
        key: m.key,
        value: m.value,
        timestamp: (m as { timestamp?: number }).timestamp ?? now,
      });
      if (p.messages.length > this.retain) {
        const drop = p.messages.length - this.retain;
        p.messages.splice(0, drop);
        p.base += drop;
      }
    }
    this.wake();
  }

  /** Every message of a topic still retained, partition by partition. */
  read(topic: string): ConsumedMessage[] {
    return this.partitions(topic).flatMap((p) => p.messages);
  }

  /** Log end offset of each partition. */
  endOffsets(topic: string): number[] {
    return this.partitions(topic).map((p) => p.base + p.messages.length);
  }

  committed(groupId: string, topic: string): number[] {
    const group = this.group(groupId);
    return this.partitions(topic).map((_, i) => group.offsets.get(`${topic}:${i}`) ?? 0);
  }

  publisher(): Publisher {
    return {
      send: async (topic, messages) =>
        this.append(messages.map((m) => ({ topic, key: m.key, value: m.value, timestamp: m.timestamp }))),
      close: async () => {},
    };
  }

  transport(options: { groupId: string; topic: string; maxBatch?: number | undefined }): ProcessorTransport {
    return new MemoryTransport(this, options.groupId, options.topic, options.maxBatch ?? 2000);
  }

  /** @internal */
  group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) this.groups.set(groupId, (group = { offsets: new Map(), members: [], generation: 0 }));
    return group;
  }

  /** @internal Joins (or leaves, with join=false) and reassigns the topic's partitions round-robin. */
  rebalance(groupId: string, topic: string, member: Member, join: boolean): void {
    const group = this.group(groupId);
    group.members = join ? [...group.members, member] : group.members.filter((m) => m !== member);
    group.generation += 1;
    for (const m of group.members) m.partitions.clear();
    const count = this.partitions(topic).length;
    for (let p = 0; p < count && group.members.length > 0; p++)
      group.members[p % group.members.length]!.partitions.add(p);
    this.wake();
  }

  /** @internal */
  newMember(): Member {
    return { id: this.nextMember++, partitions: new Set() };
  }

  /** @internal Resolves on the next append or rebalance. */
  waitForChange(): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => (wake = resolve));
    this.waiters.add(wake);
    return { promise, cancel: () => (this.waiters.delete(wake), wake()) };
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }
}

class MemoryTransport implements ProcessorTransport {
  private running = false;
  private loop: Promise<void> | undefined;
  private member: Member | undefined;
  private cancelWait: (() => void) | undefined;

  constructor(
    private readonly broker: MemoryBroker,
    private readonly groupId: string,
    private readonly topic: string,
    private readonly maxBatch: number,
  ) {}

  async start(handler: BatchHandler, hooks: TransportHooks = {}): Promise<void> {
    if (this.running) throw new Error('transport already started');
    this.running = true;
    this.member = this.broker.newMember();
    this.broker.rebalance(this.groupId, this.topic, this.member, true);
    this.loop = this.run(handler, hooks);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancelWait?.();
    await this.loop;
    this.broker.rebalance(this.groupId, this.topic, this.member!, false);
  }

  /** One batch at a time (bounded memory): up to maxBatch messages across the member's partitions. */
  private async run(handler: BatchHandler, hooks: TransportHooks): Promise<void> {
    const group = this.broker.group(this.groupId);
    const parts = this.broker.partitions(this.topic);
    while (this.running) {
      const generation = group.generation;
      const batch: ConsumedMessage[] = [];
      const next = new Map<number, number>();
      const owned = [...this.member!.partitions];
      const share = Math.max(1, Math.ceil(this.maxBatch / Math.max(1, owned.length)));
      for (const p of owned) {
        const part = parts[p]!;
        const from = Math.max(group.offsets.get(`${this.topic}:${p}`) ?? 0, part.base);
        const slice = part.messages.slice(from - part.base, from - part.base + share);
        if (slice.length === 0) continue;
        batch.push(...slice);
        next.set(p, from + slice.length);
      }
      if (batch.length === 0) {
        const wait = this.broker.waitForChange();
        this.cancelWait = wait.cancel;
        await wait.promise;
        continue;
      }
      let outputs: ProducedMessage[];
      try {
        outputs = await handler(batch);
      } catch (error) {
        hooks.aborted?.(error);
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      // Commit: fenced if the group rebalanced meanwhile (the partitions' new owner consumes them again).
      if (group.generation !== generation && [...next.keys()].some((p) => !this.member!.partitions.has(p))) {
        hooks.aborted?.(new Error('rebalanced during the batch'));
        continue;
      }
      this.broker.append(outputs);
      for (const [p, offset] of next) group.offsets.set(`${this.topic}:${p}`, offset);
      const ends = this.broker.endOffsets(this.topic);
      for (const p of owned) hooks.lag?.(this.topic, p, ends[p]! - (group.offsets.get(`${this.topic}:${p}`) ?? 0));
    }
  }
}
