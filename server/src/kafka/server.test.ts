// The pipeline inside the server: Kafka settings, the in-process log without KAFKA_BROKERS (scored records land in
// the server's storage and the edge's bus, lag on /metrics), and a graceful stop on close.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { startServer, type RunningServer } from '../server.js';
import { TOPICS } from './messages.js';
import { POISON_REASONS, poisonMessages, rawTransactions } from './testing.js';

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

describe('Kafka settings', () => {
  it('default to the in-process log, one replica', async () => {
    expect((await loadConfig({})).kafka).toEqual({
      brokers: [],
      clientId: 'fraudscore',
      groupId: 'fraudscore-processor',
      replicationFactor: 1,
      instanceId: undefined,
      explain: 'all',
      securityProtocol: 'PLAINTEXT',
      tls: undefined,
      sasl: undefined,
      sessionTimeoutMs: 10_000,
      transactionTimeoutMs: 15_000,
    });
  });
  it('read brokers, ids and the replication factor', async () => {
    const config = await loadConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      KAFKA_CLIENT_ID: 'c',
      KAFKA_GROUP_ID: 'g',
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_INSTANCE_ID: 'pod-0',
    });
    expect(config.kafka).toEqual({
      brokers: ['k1:9092', 'k2:9092'],
      clientId: 'c',
      groupId: 'g',
      replicationFactor: 3,
      instanceId: 'pod-0',
      explain: 'alerts',
      securityProtocol: 'PLAINTEXT',
      tls: undefined,
      sasl: undefined,
      sessionTimeoutMs: 10_000,
      transactionTimeoutMs: 15_000,
    });
    expect((await loadConfig({ KAFKA_BROKERS: 'k1:9092', STREAM_EXPLAIN: 'all' })).kafka.explain).toBe('all');
    await expect(loadConfig({ STREAM_EXPLAIN: 'some' })).rejects.toThrow(/STREAM_EXPLAIN/);
  });
  it('refuse bad values naming the variable', async () => {
    await expect(loadConfig({ KAFKA_BROKERS: 'no-port' })).rejects.toThrow(ConfigError);
    await expect(loadConfig({ KAFKA_BROKERS: 'no-port' })).rejects.toThrow(/^KAFKA_BROKERS/);
    await expect(loadConfig({ KAFKA_REPLICATION_FACTOR: '0' })).rejects.toThrow(/^KAFKA_REPLICATION_FACTOR/);
    await expect(loadConfig({ KAFKA_GROUP_ID: 'a b' })).rejects.toThrow(/^KAFKA_GROUP_ID/);
  });
});

describe('the server runs the processor on the in-process log without KAFKA_BROKERS', () => {
  it('scores published transactions through its own service, explains alerts, reports lag', async () => {
    const server = await startServer(await loadConfig({ PORT: '0', DEMO: 'off' }));
    running.push(server);
    expect(server.kafka.mode).toBe('memory');
    const raw = [...rawTransactions(2000, 'srv')];
    await server.kafka.publisher.send(TOPICS.raw, [...raw, ...poisonMessages()]);
    const memory = server.kafka.memory!;
    const end = Date.now() + 30_000;
    while (memory.read(TOPICS.scored).length < 2000 || memory.read(TOPICS.dlq).length < POISON_REASONS(false).length) {
      if (Date.now() > end) throw new Error('not processed in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The records are the server's: stored, readable through the API.
    const id = (JSON.parse(memory.read(TOPICS.scored)[0]!.value!) as { id: string }).id;
    const response = await fetch(`${server.url}/v1/transactions/${id}`, {
      headers: { authorization: `Bearer ${server.generatedKey}` },
    });
    expect(response.status).toBe(200);
    const alerts = memory.read(TOPICS.alerts).map((m) => JSON.parse(m.value!) as { topFactors: unknown[] });
    expect(alerts.every((a) => a.topFactors.length === 3)).toBe(true);
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.generatedKey}` } })
    ).text();
    expect(metrics).toMatch(/kafka_consumer_lag\{topic="transactions_raw",partition="\d+"\} 0/);
    expect(metrics).toMatch(
      new RegExp(`kafka_processor_messages_total\\{outcome="dlq"\\} ${POISON_REASONS(false).length}`),
    );
    expect(metrics).toMatch(/kafka_processor_dlq_total\{reason="schema_violation"\} 8/);
  }, 60_000);
});
