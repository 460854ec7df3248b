import { describe, expect, it } from 'vitest';
import { MemoryBroker } from './memory.js';
import { startPipeline, TOPICS, type AlertMessage, type DlqMessage, type ScoredMessage } from './index.js';
import { createStandaloneScoring } from './standalone.js';
import { POISON_REASONS, poisonMessages, rawTransactions } from './testing.js';

const kafka = { brokers: [], clientId: 'test', groupId: 'g', replicationFactor: 1 };

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const parse = <T>(topic: string, broker: MemoryBroker): T[] => broker.read(topic).map((m) => JSON.parse(m.value!) as T);

describe('the processor on the in-process log', () => {
  it('scores every transaction once, explains alerts, sends poison messages to the DLQ', async () => {
    const scoring = await createStandaloneScoring();
    const memory = new MemoryBroker();
    const pipeline = await startPipeline({ kafka, service: scoring.service, registry: scoring.registry, memory });
    const raw = [...rawTransactions(3000)];
    await pipeline.publisher.send(TOPICS.raw, raw.slice(0, 1500));
    await pipeline.publisher.send(TOPICS.raw, poisonMessages('bad', raw[10]));
    await pipeline.publisher.send(TOPICS.raw, raw.slice(1500));
    await until(() => memory.read(TOPICS.scored).length + memory.read(TOPICS.dlq).length >= 3011);
    await pipeline.stop();

    const scored = parse<ScoredMessage>(TOPICS.scored, memory);
    expect(scored).toHaveLength(3000);
    expect(new Set(scored.map((s) => s.id)).size).toBe(3000);
    expect(memory.read(TOPICS.predictions)).toHaveLength(3000);
    const dlq = parse<DlqMessage>(TOPICS.dlq, memory);
    expect(dlq.map((d) => d.reason).sort()).toEqual(POISON_REASONS(true));
    expect(dlq.filter((d) => d.field === 'amount').map((d) => d.message)).toEqual([
      expect.stringMatching(/must not be negative/),
      expect.stringMatching(/above the ceiling/),
    ]);
    expect(dlq.filter((d) => d.field === 'timestamp').map((d) => d.message)).toEqual([
      expect.stringMatching(/must be ISO 8601/),
      expect.stringMatching(/days after the clock/),
    ]);
    expect(dlq.find((d) => d.reason === 'conflicting_duplicate')).toMatchObject({
      field: 'id',
      id: JSON.parse(raw[10]!.value).transaction.id,
    });
    expect(dlq.every((d) => d.source.topic === TOPICS.raw && d.value !== undefined)).toBe(true);

    const alerts = parse<AlertMessage>(TOPICS.alerts, memory);
    const high = scored.filter((s) => s.riskLevel === 'HIGH' || s.riskLevel === 'CRITICAL');
    expect(alerts.map((a) => a.id).sort()).toEqual(high.map((s) => s.id).sort());
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) expect(alert.topFactors).toHaveLength(3);
    // The alert carries the stored record's own explanation: SHAP of exactly the row scored, summing to its margin.
    const stored = (
      await scoring.service.scoreBatch([
        JSON.parse(raw.find((r) => JSON.parse(r.value).transaction.id === alerts[0]!.id)!.value).transaction,
      ])
    )[0]!;
    expect(stored.topFactors.slice(0, 3)).toEqual(alerts[0]!.topFactors);
    const margin = Math.log(stored.probability / (1 - stored.probability));
    expect(stored.shap!.baseValue + stored.shap!.values.reduce((a, b) => a + b, 0)).toBeCloseTo(margin, 4);
    // Only alerts were explained.
    const quiet = scored.find((s) => s.riskLevel === 'LOW')!;
    expect(
      (
        await scoring.service.scoreBatch([
          JSON.parse(raw.find((r) => JSON.parse(r.value).transaction.id === quiet.id)!.value).transaction,
        ])
      )[0]!.shap,
    ).toBeNull();
    expect(scoring.registry.render()).toMatch(/kafka_consumer_lag\{topic="transactions_raw",partition="\d+"\} 0/);
  }, 60_000);

  it('shares partitions between processors of a group; a batch of a revoked partition is not committed', async () => {
    const memory = new MemoryBroker({ partitions: 6 });
    const a = await createStandaloneScoring();
    const b = await createStandaloneScoring();
    const first = await startPipeline({ kafka: { ...kafka, maxBatch: 50 }, service: a.service, memory });
    const raw = [...rawTransactions(2000, 'r')];
    await first.publisher.send(TOPICS.raw, raw.slice(0, 1000));
    await until(() => memory.read(TOPICS.scored).length > 200);
    const second = await startPipeline({ kafka: { ...kafka, maxBatch: 50 }, service: b.service, memory });
    await first.publisher.send(TOPICS.raw, raw.slice(1000));
    await until(() => memory.read(TOPICS.scored).length >= 2000);
    await Promise.all([first.stop(), second.stop()]);
    const ids = memory.read(TOPICS.scored).map((m) => (JSON.parse(m.value!) as ScoredMessage).id);
    expect(ids).toHaveLength(2000);
    expect(new Set(ids).size).toBe(2000);
    expect(first.processor.stats.scored).toBeGreaterThan(0);
    expect(second.processor.stats.scored).toBeGreaterThan(0);
    expect(memory.committed('g', TOPICS.raw).reduce((s, n) => s + n, 0)).toBe(2000);
  }, 60_000);
});
