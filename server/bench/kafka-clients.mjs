// `node bench/kafka-clients.mjs` (after the build): the Kafka clients compared on one broker started here, with
// the pipeline's own messages (transactions_raw JSON, ~200 bytes, keyed by customer) and no scoring, so the numbers
// are the client's work and the broker's:
//   - produce: BENCH_CLIENTS_N messages to a 12-partition topic, idempotent, acks=all, 5,000 per send;
//   - consume: the same messages read by a new group, read_committed, until all N are in;
//   - read-process-write: a transactional copy of the topic into another (consume read_committed, produce each
//     message again, the consumed offsets in the same transaction, one transaction per batch) until the group's
//     committed offsets reach the end.
// Each client runs against the same broker in turn. @confluentinc/kafka-javascript is not a dependency (its install
// downloads librdkafka builds from outside the npm registry): point BENCH_CONFLUENT_DIR at a directory whose
// node_modules holds a built copy to include it.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Kafka as KafkaJs, logLevel } from 'kafkajs';
import {
  Admin,
  Consumer,
  FetchIsolationLevels,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { startKafka } from '../dist/kafka/local-broker.js';
import { rawTransactions } from '../dist/kafka/testing.js';

const N = Number(process.env.BENCH_CLIENTS_N ?? 100_000);
const log = (message) => process.stderr.write(`[bench:clients] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const records = [...rawTransactions(N, 'clients', 3)];

const broker = await startKafka();
const bootstrapBrokers = broker.brokers;
const admin = new Admin({ clientId: 'bench-clients-admin', bootstrapBrokers });

async function createTopic(topic) {
  await admin.createTopics({ topics: [topic], partitions: 12, replicas: 1 });
  for (let i = 0; i < 100; i++) {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true }).catch(() => undefined);
    const partitions = metadata?.topics.get(topic)?.partitions ?? [];
    if (partitions.length === 12 && partitions.every((p) => p.leader >= 0)) return;
    await sleep(100);
  }
  throw new Error(`topic ${topic} has no leaders`);
}

async function committed(group, topic) {
  const result = await admin.listConsumerGroupOffsets({ groups: [group] });
  let sum = 0n;
  for (const g of result)
    for (const t of g.topics.filter((t) => t.name === topic))
      for (const p of t.partitions) if (p.committedOffset > 0n) sum += p.committedOffset;
  return Number(sum);
}

const timed = async (fn) => {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
};

// ---------------------------------------------------------------- kafkajs 2.2.4
const kafkajs = {
  name: 'kafkajs 2.2.4',
  client: () => new KafkaJs({ clientId: 'bench-kafkajs', brokers: bootstrapBrokers, logLevel: logLevel.NOTHING }),
  async produce(topic) {
    const producer = this.client().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const seconds = await timed(async () => {
      for (let i = 0; i < N; i += 5000) await producer.send({ topic, acks: -1, messages: records.slice(i, i + 5000) });
    });
    await producer.disconnect();
    return seconds;
  },
  async consume(topic, group) {
    const consumer = this.client().consumer({ groupId: group, readUncommitted: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let n = 0;
    let done;
    const all = new Promise((resolve) => (done = resolve));
    const t0 = performance.now();
    await consumer.run({
      partitionsConsumedConcurrently: 12,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) if (m.value.toString().length > 0) n++;
        if (n >= N) done();
      },
    });
    await all;
    const seconds = (performance.now() - t0) / 1000;
    await consumer.disconnect();
    return seconds;
  },
  async copy(from, to, group) {
    const kafka = this.client();
    const producer = kafka.producer({ transactionalId: `${group}-tx`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const consumer = kafka.consumer({ groupId: group, readUncommitted: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: from, fromBeginning: true });
    const t0 = performance.now();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        const transaction = await producer.transaction();
        await transaction.send({
          topic: to,
          acks: -1,
          messages: batch.messages.map((m) => ({ key: m.key, value: m.value.toString() })),
        });
        await transaction.sendOffsets({
          consumerGroupId: group,
          topics: [
            {
              topic: from,
              partitions: [{ partition: batch.partition, offset: String(BigInt(batch.lastOffset()) + 1n) }],
            },
          ],
        });
        await transaction.commit();
        resolveOffset(batch.lastOffset());
      },
    });
    while ((await committed(group, from)) < N) await sleep(50);
    const seconds = (performance.now() - t0) / 1000;
    await consumer.disconnect();
    await producer.disconnect();
    return seconds;
  },
};

// ---------------------------------------------------------------- @platformatic/kafka
const platformatic = {
  name: '@platformatic/kafka 1.35.0',
  async produce(topic) {
    const producer = new Producer({
      clientId: 'bench-platformatic',
      bootstrapBrokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      serializers: stringSerializers,
    });
    const seconds = await timed(async () => {
      for (let i = 0; i < N; i += 5000)
        await producer.send({
          messages: records.slice(i, i + 5000).map((r) => ({ topic, key: r.key, value: r.value })),
        });
    });
    await producer.close();
    return seconds;
  },
  async consume(topic, group) {
    const consumer = new Consumer({
      clientId: 'bench-platformatic',
      bootstrapBrokers,
      groupId: group,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: 100,
      deserializers: stringDeserializers,
      autocommit: false,
    });
    const t0 = performance.now();
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
    let n = 0;
    for await (const m of stream) {
      if (m.value.length > 0) n++;
      if (n >= N) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    await consumer.close(true);
    return seconds;
  },
  async copy(from, to, group) {
    const producer = new Producer({
      clientId: 'bench-platformatic',
      bootstrapBrokers,
      idempotent: true,
      transactionalId: `${group}-tx`,
      acks: ProduceAcks.ALL,
      serializers: stringSerializers,
    });
    const consumer = new Consumer({
      clientId: 'bench-platformatic',
      bootstrapBrokers,
      groupId: group,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: 100,
      deserializers: stringDeserializers,
      autocommit: false,
    });
    const t0 = performance.now();
    const stream = await consumer.consume({ topics: [from], mode: MessagesStreamModes.EARLIEST });
    // One transaction per 5,000 messages (or what arrived within 20 ms); the last message of each partition carries
    // its offset (addOffset: one TxnOffsetCommit, with the generation and member id, per partition).
    let batch = [];
    let flushing = Promise.resolve();
    const flush = async (messages) => {
      const transaction = await producer.beginTransaction();
      await transaction.send({ messages: messages.map((m) => ({ topic: to, key: m.key, value: m.value })) });
      await transaction.addConsumer(consumer);
      const last = new Map();
      for (const m of messages) last.set(m.partition, m);
      for (const m of last.values()) await transaction.addOffset(m);
      await transaction.commit();
    };
    let timer;
    const take = () => {
      clearTimeout(timer);
      timer = undefined;
      const messages = batch;
      batch = [];
      stream.pause();
      flushing = flushing.then(() => flush(messages)).finally(() => stream.resume());
    };
    stream.on('data', (m) => {
      batch.push(m);
      if (batch.length >= 5000) take();
      else timer ??= setTimeout(take, 20);
    });
    while ((await committed(group, from)) < N) await sleep(50);
    const seconds = (performance.now() - t0) / 1000;
    clearTimeout(timer);
    await flushing.catch(() => {});
    await stream.close();
    await consumer.close(true);
    await producer.close();
    return seconds;
  },
};

// ---------------------------------------------------------------- @confluentinc/kafka-javascript (optional)
function confluent() {
  const dir = process.env.BENCH_CONFLUENT_DIR;
  if (!dir) return undefined;
  const require = createRequire(join(dir, 'package.json'));
  const { KafkaJS } = require('@confluentinc/kafka-javascript');
  const version = require('@confluentinc/kafka-javascript/package.json').version;
  const client = () =>
    new KafkaJS.Kafka({
      kafkaJS: { clientId: 'bench-confluent', brokers: bootstrapBrokers, logLevel: KafkaJS.logLevel.NOTHING },
    });
  return {
    name: `@confluentinc/kafka-javascript ${version}`,
    async produce(topic) {
      const producer = client().producer({ kafkaJS: { idempotent: true, acks: -1 } });
      await producer.connect();
      const seconds = await timed(async () => {
        for (let i = 0; i < N; i += 5000) await producer.send({ topic, messages: records.slice(i, i + 5000) });
      });
      await producer.disconnect();
      return seconds;
    },
    async consume(topic, group) {
      const consumer = client().consumer({
        kafkaJS: { groupId: group, fromBeginning: true },
        'isolation.level': 'read_committed',
      });
      await consumer.connect();
      await consumer.subscribe({ topic });
      let n = 0;
      let done;
      const all = new Promise((resolve) => (done = resolve));
      const t0 = performance.now();
      await consumer.run({
        partitionsConsumedConcurrently: 12,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) if (m.value.toString().length > 0) n++;
          if (n >= N) done();
        },
      });
      await all;
      const seconds = (performance.now() - t0) / 1000;
      await consumer.disconnect();
      return seconds;
    },
    async copy(from, to, group) {
      const kafka = client();
      const producer = kafka.producer({
        kafkaJS: { transactionalId: `${group}-tx`, idempotent: true, maxInFlightRequests: 1 },
      });
      await producer.connect();
      const consumer = kafka.consumer({
        kafkaJS: { groupId: group, fromBeginning: true, autoCommit: false },
        'isolation.level': 'read_committed',
      });
      await consumer.connect();
      await consumer.subscribe({ topic: from });
      const t0 = performance.now();
      await consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          const transaction = await producer.transaction();
          await transaction.send({
            topic: to,
            messages: batch.messages.map((m) => ({ key: m.key, value: m.value.toString() })),
          });
          await transaction.sendOffsets({
            consumer,
            topics: [
              {
                topic: from,
                partitions: [{ partition: batch.partition, offset: String(BigInt(batch.lastOffset()) + 1n) }],
              },
            ],
          });
          await transaction.commit();
          resolveOffset(batch.lastOffset());
        },
      });
      while ((await committed(group, from)) < N) await sleep(50);
      const seconds = (performance.now() - t0) / 1000;
      await consumer.disconnect();
      await producer.disconnect();
      return seconds;
    },
  };
}

const rows = [];
try {
  const clients = [kafkajs, platformatic, confluent()].filter(Boolean);
  for (const client of clients) {
    const tag = randomBytes(3).toString('hex');
    const [raw, copy] = [`clients-raw-${tag}`, `clients-copy-${tag}`];
    await createTopic(raw);
    await createTopic(copy);
    const produce = await client.produce(raw);
    log(`${client.name}: produce ${Math.round(N / produce)} msg/s`);
    const consume = await client.consume(raw, `consume-${tag}`);
    log(`${client.name}: consume ${Math.round(N / consume)} msg/s`);
    const eos = await client.copy(raw, copy, `copy-${tag}`);
    log(`${client.name}: read-process-write ${Math.round(N / eos)} msg/s`);
    rows.push([client.name, N / produce, N / consume, N / eos]);
  }
  const fmt = (v) => `${Math.round(v).toLocaleString('en')} msg/s`;
  process.stdout.write(
    [
      `${N.toLocaleString('en')} messages per run, one Kafka ${process.env.KAFKA_VERSION ?? '4.0.1'} broker on the same cores, Node ${process.version}`,
      '',
      '| client | produce (idempotent, acks=all) | consume (read_committed) | read-process-write (transactional) |',
      '| --- | ---: | ---: | ---: |',
      ...rows.map(([name, p, c, e]) => `| ${name} | ${fmt(p)} | ${fmt(c)} | ${fmt(e)} |`),
      '',
    ].join('\n'),
  );
} finally {
  await admin.close().catch(() => {});
  await broker.stop();
}
