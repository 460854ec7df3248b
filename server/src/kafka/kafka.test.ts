// The pipeline on a real Apache Kafka 4 broker (server/test-support/kafka.ts): exactly once through one processor,
// through two processors of one group with one killed (kill -9) and restarted, and across a broker restart.
// "Exactly once" is checked where it matters: a read_committed consumer of the output topics, after the group's
// committed offsets reached the end of transactions_raw, sees every transaction id exactly once.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessEventBus, createScoringService, memoryHistory, Registry } from '@fraudscore/edge';
import { amountProblem, createScorer, directorySource, MemoryHistoryStore } from '@fraudscore/sdk';
import fc from 'fast-check';
import { defaultPools, hostileRawMessage } from '../../test-support/hostile.js';
import { startKafka, type TestKafka } from '../../test-support/kafka.js';
import { DEFAULT_BUNDLE } from '../config.js';
import { openStorage } from '../storage/index.js';
import {
  clientOptions,
  ensureTopics,
  kafkaPublisher,
  startPipeline,
  TOPICS,
  type AlertMessage,
  type DlqMessage,
  type KafkaConnection,
  type ScoredMessage,
} from './index.js';
import { createStandaloneScoring } from './standalone.js';
import {
  KafkaProbe,
  POISON_REASONS,
  poisonMessages,
  rawTransactions,
  readCommitted,
  type RawRecord,
} from './testing.js';

const SERVER = fileURLToPath(new URL('../../', import.meta.url));
const WORKER = `${SERVER}dist/kafka/worker.js`;

let broker: TestKafka;
let connection: KafkaConnection;
beforeEach(async () => {
  broker = await startKafka();
  connection = { brokers: broker.brokers, clientId: 'test' };
}, 120_000);
afterEach(async () => {
  await broker?.stop();
});

async function publish(records: readonly RawRecord[]): Promise<void> {
  const publisher = await kafkaPublisher({ ...connection, clientId: 'test-publisher' });
  for (let i = 0; i < records.length; i += 5000) await publisher.send(TOPICS.raw, records.slice(i, i + 5000));
  await publisher.close();
}

/** Waits until the group's committed offsets reach the end of transactions_raw. */
async function drained(groupId: string, timeoutMs: number): Promise<void> {
  const probe = new KafkaProbe(connection);
  const end = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        if (await probe.drained(groupId, TOPICS.raw)) return;
      } catch {
        // broker restarting
      }
      if (Date.now() > end) throw new Error('the processors did not drain transactions_raw in time');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await probe.close();
  }
}

const readAll = (topics: string[], complete: (out: Map<string, string[]>) => boolean) =>
  readCommitted(connection, topics, complete);

const ids = (records: readonly RawRecord[]): string[] =>
  records.map((r) => (JSON.parse(r.value) as { transaction: { id: string } }).transaction.id);

/** Complete when every id is on transactions_scored and every HIGH/CRITICAL one on fraud_alerts (and `dlq` DLQ messages). */
function everyId(expected: readonly string[], dlq = 0): (out: Map<string, string[]>) => boolean {
  const want = new Set(expected);
  const seen = new Set<string>();
  const alertsDue = new Set<string>();
  const alertsSeen = new Set<string>();
  let scoredRead = 0;
  let alertsRead = 0;
  return (out) => {
    const scored = out.get(TOPICS.scored)!;
    for (; scoredRead < scored.length; scoredRead++) {
      const s = JSON.parse(scored[scoredRead]!) as ScoredMessage;
      if (want.has(s.id)) seen.add(s.id);
      if (s.riskLevel === 'HIGH' || s.riskLevel === 'CRITICAL') alertsDue.add(s.id);
    }
    const alerts = out.get(TOPICS.alerts)!;
    for (; alertsRead < alerts.length; alertsRead++)
      alertsSeen.add((JSON.parse(alerts[alertsRead]!) as AlertMessage).id);
    return (
      seen.size === want.size &&
      [...alertsDue].every((id) => alertsSeen.has(id)) &&
      (out.get(TOPICS.dlq)?.length ?? 0) >= dlq
    );
  };
}

function checkExactlyOnce(out: Map<string, string[]>, ids: readonly string[]): void {
  const scored = out.get(TOPICS.scored)!.map((v) => JSON.parse(v) as ScoredMessage);
  const seen = new Map<string, number>();
  for (const s of scored) seen.set(s.id, (seen.get(s.id) ?? 0) + 1);
  const missing = ids.filter((id) => !seen.has(id));
  const duplicated = [...seen].filter(([, n]) => n > 1);
  const sample = `missing e.g. ${missing.slice(0, 5).join(', ')}; duplicated e.g. ${duplicated
    .slice(0, 5)
    .map(([id]) => id)
    .join(', ')}`;
  expect({ missing: missing.length, duplicated: duplicated.length, total: scored.length }, sample).toEqual({
    missing: 0,
    duplicated: 0,
    total: ids.length,
  });
  const alerts = out.get(TOPICS.alerts)!.map((v) => JSON.parse(v) as AlertMessage);
  expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
  const expected = scored
    .filter((s) => s.riskLevel === 'HIGH' || s.riskLevel === 'CRITICAL')
    .map((s) => s.id)
    .sort();
  expect(alerts.map((a) => a.id).sort()).toEqual(expected);
  expect(alerts.every((a) => a.topFactors.length === 3)).toBe(true);
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  /** Everything it printed (stdout: ready, stats, stalled; stderr: warn and error log lines). */
  output: () => string;
  exited: Promise<number | null>;
}

function worker(groupId: string, instanceId: string, env: Record<string, string> = {}): Worker {
  const child = spawn(process.execPath, [WORKER], {
    env: {
      ...process.env,
      KAFKA_BROKERS: broker.brokers.join(','),
      KAFKA_GROUP_ID: groupId,
      KAFKA_INSTANCE_ID: instanceId,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => output.includes('"ready"') && resolve());
    void exited.then((code) => reject(new Error(`worker exited with ${code}: ${output.slice(-2000)}`)));
  });
  return { child, ready, output: () => output, exited };
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopWorkers(...workers: Worker[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}

describe('the pipeline on a real Kafka broker', () => {
  it('100,000 transactions through one processor: each scored exactly once, alerts once, poison to the DLQ', async () => {
    const scoring = await createStandaloneScoring();
    const config = {
      brokers: broker.brokers,
      clientId: 'test',
      groupId: 'one',
      replicationFactor: 1,
      instanceId: 'p1',
    };
    const pipeline = await startPipeline({ kafka: config, service: scoring.service, registry: scoring.registry });
    const records = [...rawTransactions(100_000, 'one')];
    const started = Date.now();
    await publish(records.slice(0, 50_000));
    await publish(poisonMessages('bad', records[100]));
    await publish(records.slice(50_000));
    await drained('one', 240_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `100,000 transactions in ${seconds.toFixed(1)} s (${Math.round(100_000 / seconds)} tx/s), ${pipeline.processor.stats.batches} batches`,
    );
    expect(scoring.registry.render()).toMatch(/kafka_consumer_lag\{topic="transactions_raw",partition="\d+"\} 0/);
    await pipeline.stop();

    const out = await readAll(
      [TOPICS.scored, TOPICS.alerts, TOPICS.dlq],
      everyId(ids(records), POISON_REASONS(true).length),
    );
    checkExactlyOnce(out, ids(records));
    const dlq = out.get(TOPICS.dlq)!.map((v) => JSON.parse(v) as DlqMessage);
    expect(dlq.map((d) => d.reason).sort()).toEqual(POISON_REASONS(true));
  }, 400_000);

  it('two processors in one group; one is killed (kill -9) mid-stream and restarts: exactly once, nothing lost', async () => {
    if (!existsSync(WORKER)) execFileSync('pnpm', ['exec', 'tsc', '-p', 'tsconfig.json'], { cwd: SERVER });
    await ensureTopics(connection, 1);
    const a = worker('two', 'a');
    const b = worker('two', 'b');
    await Promise.all([a.ready, b.ready]);
    const records = [...rawTransactions(60_000, 'two')];
    const publishing = publish(records);
    // Kill one once the stream is well under way.
    const probe = new KafkaProbe(connection);
    let progress: number;
    for (;;) {
      progress = await probe.committedTotal('two', TOPICS.raw);
      if (progress > 15_000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(progress).toBeLessThan(45_000); // mid-stream
    await probe.close();
    a.child.kill('SIGKILL');
    await a.exited;
    const again = worker('two', 'a');
    await again.ready;
    await publishing;
    await drained('two', 240_000);
    await stopWorkers(b, again);
    const out = await readAll([TOPICS.scored, TOPICS.alerts], everyId(ids(records)));
    checkExactlyOnce(out, ids(records));
  }, 400_000);

  it('recovers by itself from a broker restart mid-stream', async () => {
    const scoring = await createStandaloneScoring();
    const config = {
      brokers: broker.brokers,
      clientId: 'test',
      groupId: 'three',
      replicationFactor: 1,
      instanceId: 'p3',
    };
    const records = [...rawTransactions(60_000, 'three')];
    await ensureTopics(connection, 1);
    await publish(records);
    const pipeline = await startPipeline({ kafka: { ...config, maxBatch: 1000 }, service: scoring.service });
    while (pipeline.processor.stats.scored < 10_000) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pipeline.processor.stats.scored).toBeLessThan(45_000); // mid-stream
    await broker.restart();
    await drained('three', 240_000);
    await pipeline.stop();
    const out = await readAll([TOPICS.scored, TOPICS.alerts], everyId(ids(records)));
    checkExactlyOnce(out, ids(records));
  }, 400_000);

  it('a zombie is fenced: a processor stalled past its session wakes after another took over and committed; its transaction is refused, nothing of it is visible, every id once', async () => {
    if (!existsSync(WORKER)) execFileSync('pnpm', ['exec', 'tsc', '-p', 'tsconfig.json'], { cwd: SERVER });
    await ensureTopics(connection, 1);
    const records = [...rawTransactions(8000, 'zombie')];
    await publish(records);
    // A: a short session (6 s, the brokers' minimum) and a long transaction timeout (60 s), so what refuses its
    // commit when it wakes is the group generation (KIP-447), not the coordinator timing its transaction out.
    const a = worker('zombie', 'a', {
      KAFKA_SESSION_TIMEOUT: '6s',
      KAFKA_TRANSACTION_TIMEOUT: '60s',
      KAFKA_MAX_BATCH: '1000',
      FRAUDSCORE_TEST_STALL: 'before-offset-commit',
    });
    // A takes its first batch, produces its outputs in its transaction, then stops (SIGSTOP) before the offsets.
    await until('A to stall with a batch in its transaction', () => a.output().includes('"stalled"'), 120_000);
    const stalledAt = Date.now();
    const probe = new KafkaProbe(connection);
    try {
      // Past A's session: the coordinator drops it from the group (the group is empty, or has only B once it joins).
      await until('the coordinator to drop A', async () => (await probe.group('zombie')).members === 0, 30_000);
      // Dropped for its silence: 6 s after its last heartbeat, which precedes the stall by up to a heartbeat interval (2 s).
      expect(Date.now() - stalledAt).toBeGreaterThan(3000);
      const b = worker('zombie', 'b', { KAFKA_SESSION_TIMEOUT: '6s' });
      await b.ready;
      // B takes every partition, A's batch included, and commits it all.
      await drained('zombie', 120_000);
      expect(await probe.committedTotal('zombie', TOPICS.raw)).toBe(records.length);
      // A wakes and goes on with its batch: its TxnOffsetCommit carries the old generation and member id.
      a.child.kill('SIGCONT');
      await until('A to report its batch fenced', () => a.output().includes('kafka.batch_fenced'), 60_000);
      const fenced = a
        .output()
        .split('\n')
        .filter((line) => line.includes('kafka.batch_fenced'))
        .map((line) => JSON.parse(line) as { stage: string; error: string; messages: number });
      expect(fenced[0]).toMatchObject({ stage: 'offsets', messages: 1000 });
      expect(fenced[0]!.error).toMatch(/UNKNOWN_MEMBER_ID|ILLEGAL_GENERATION/);
      // The group's offsets are still B's: A's refused transaction moved nothing.
      expect(await probe.committedTotal('zombie', TOPICS.raw)).toBe(records.length);
      await stopWorkers(a, b);
    } finally {
      if (a.child.exitCode === null) a.child.kill('SIGKILL');
      await probe.close();
    }
    // A's outputs were aborted: read_committed readers see every id exactly once (B's), its alerts once.
    const out = await readAll([TOPICS.scored, TOPICS.alerts], everyId(ids(records)));
    checkExactlyOnce(out, ids(records));
  }, 400_000);
  it('read_committed readers skip every aborted transaction, two of one producer in a fetch included (the client patch)', async () => {
    // What a processor that retries after rollbacks writes: aborted, committed, aborted, committed, one producer.
    const producer = new Producer({
      ...clientOptions(connection),
      idempotent: true,
      transactionalId: 'aborts',
      serializers: stringSerializers,
    });
    await ensureTopics(connection, 1);
    for (const [name, commit] of [
      ['a', false],
      ['b', true],
      ['c', false],
      ['d', true],
    ] as const) {
      const transaction = await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
      await transaction.send({
        messages: [1, 2, 3].map((i) => ({ topic: TOPICS.dlq, key: 'k', value: `${name}${i}` })),
      });
      await (commit ? transaction.commit() : transaction.abort());
    }
    await producer.close();
    const out = await readAll([TOPICS.dlq], (o) => o.get(TOPICS.dlq)!.includes('d3'));
    expect(out.get(TOPICS.dlq)).toEqual(['b1', 'b2', 'b3', 'd1', 'd2', 'd3']);
  }, 120_000);

  it('hostile messages (fast-check, seeded) never stall it: each is scored or dead-lettered with its reason, nothing is rolled back', async () => {
    // The embedded PostgreSQL: it refuses NUL and lone surrogates, which is what used to stall the stream.
    const opened = await openStorage();
    const scorer = await createScorer({
      bundle: directorySource(DEFAULT_BUNDLE),
      backend: 'js',
      history: (spec) => new MemoryHistoryStore(spec),
      cache: false,
      onWarning: () => {},
    });
    const registry = new Registry();
    const service = createScoringService({
      model: scorer,
      history: memoryHistory(scorer.history as MemoryHistoryStore),
      storage: opened,
      bus: createInProcessEventBus(),
      clock: Date.now,
    });
    await ensureTopics(connection, 1);
    const pipeline = await startPipeline({
      kafka: {
        brokers: broker.brokers,
        clientId: 'test',
        groupId: 'hostile',
        replicationFactor: 1,
        instanceId: 'h1',
        maxBatch: 1000,
      },
      service,
      registry,
    });
    // Raw bytes (some not UTF-8), in order: one idempotent producer, one send at a time.
    const producer = new Producer({
      ...clientOptions(connection),
      clientId: 'test-hostile',
      idempotent: true,
      acks: ProduceAcks.ALL,
    });
    const ROUNDS = 2;
    const GOOD = 3000;
    const HOSTILE = 300;
    const goodIds: string[] = [];
    /** The hostile values that are not valid UTF-8, base64: each must reach the DLQ with exactly these bytes. */
    const notUtf8: string[] = [];
    const strict = new TextDecoder('utf-8', { fatal: true });
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const good = [...rawTransactions(GOOD, `hg${round}`, 20 + round)];
        goodIds.push(...ids(good));
        const hostile = fc.sample(hostileRawMessage(defaultPools(Date.now(), `hp${round}`), good.slice(0, GOOD / 2)), {
          seed: 1616 + round,
          numRuns: HOSTILE,
        });
        for (const m of hostile) {
          try {
            strict.decode(m.value);
          } catch {
            notUtf8.push(m.value.toString('base64'));
          }
        }
        await publish(good.slice(0, GOOD / 2));
        // The rest of the good ones with the hostile ones spread among them (seeded), so the stream must go on after each.
        const rest: { key: string; value: Buffer }[] = good
          .slice(GOOD / 2)
          .map((r) => ({ key: r.key, value: Buffer.from(r.value) }));
        const at = fc.sample(fc.nat(rest.length), { seed: 61 + round, numRuns: hostile.length });
        hostile.forEach((m, i) => rest.splice(at[i]!, 0, m));
        for (let i = 0; i < rest.length; i += 500)
          await producer.send({
            messages: rest
              .slice(i, i + 500)
              .map((m) => ({ topic: TOPICS.raw, key: Buffer.from(m.key), value: m.value })),
          });
      }
      await drained('hostile', 240_000);
      const total = ROUNDS * (GOOD + HOSTILE);
      expect(pipeline.processor.stats.consumed).toBe(total);
      const out = await readAll(
        [TOPICS.scored, TOPICS.alerts, TOPICS.dlq],
        (o) => o.get(TOPICS.scored)!.length + o.get(TOPICS.dlq)!.length >= total,
      );
      const scored = out.get(TOPICS.scored)!.map((v) => JSON.parse(v) as ScoredMessage);
      const dlq = out.get(TOPICS.dlq)!.map((v) => JSON.parse(v) as DlqMessage);
      // Every message is accounted for once: scored, or in the DLQ with a reason that names what is wrong.
      expect(scored.length + dlq.length).toBe(total);
      const seen = new Set(scored.map((m) => m.id));
      expect(goodIds.filter((id) => !seen.has(id))).toEqual([]);
      // Bytes that are not UTF-8 are dead-lettered as they were sent (valueBase64), never decoded with U+FFFD.
      expect(notUtf8.length).toBeGreaterThan(0);
      const dlqBytes = new Set(dlq.flatMap((d) => (d.valueBase64 === undefined ? [] : [d.valueBase64])));
      expect(notUtf8.filter((b) => !dlqBytes.has(b))).toEqual([]);
      expect(dlq.filter((d) => d.valueBase64 !== undefined).every((d) => d.reason === 'invalid_json')).toBe(true);
      for (const d of dlq) {
        expect(['invalid_json', 'unsupported_schema_version', 'schema_violation', 'conflicting_duplicate']).toContain(
          d.reason,
        );
        if (d.reason === 'schema_violation') expect(d.field).toMatch(/^\S+$/);
        if (d.reason === 'conflicting_duplicate') expect(d.id).toEqual(expect.any(String));
      }
      const reasons = Object.fromEntries(
        ['invalid_json', 'schema_violation', 'conflicting_duplicate'].map((r) => [
          r,
          dlq.filter((d) => d.reason === r).length,
        ]),
      );
      for (const [reason, n] of Object.entries(reasons)) expect(n, reason).toBeGreaterThan(0);
      // Duplicates of a scored transaction are answered again, but an alert is produced once.
      const alertIds = out.get(TOPICS.alerts)!.map((v) => (JSON.parse(v) as AlertMessage).id);
      expect(new Set(alertIds).size).toBe(alertIds.length);
      // No batch was rolled back for a poison message, and nothing stored is out of the contract or infinite.
      expect(registry.render()).toMatch(/^kafka_processor_aborted_batches_total 0$/m);
      for (const record of (await opened.list({ limit: 100_000 })).items) {
        expect(Object.values(record.features).every((v) => v === null || Number.isFinite(v))).toBe(true);
        expect(amountProblem(record.transaction.amount)).toBeUndefined();
      }
      console.log(
        `kafka property run: ${ROUNDS} rounds, ${total} messages (${ROUNDS * HOSTILE} hostile); scored ${scored.length}, dead-lettered ${JSON.stringify(reasons)}, ${alertIds.length} alerts`,
      );
    } finally {
      await producer.close();
      await pipeline.stop();
      await opened.close();
    }
  }, 400_000);
});
