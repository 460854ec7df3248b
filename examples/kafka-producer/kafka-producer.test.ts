// The example against a real Kafka broker (server/test-support/kafka.ts) with the fraudscore processor running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type TestKafka } from '../../server/test-support/kafka.js';
import { startPipeline, type Pipeline } from '../../server/src/kafka/index.js';
import { createStandaloneScoring } from '../../server/src/kafka/standalone.js';
import { run } from './src/main.js';

let broker: TestKafka;
let pipeline: Pipeline;

beforeAll(async () => {
  broker = await startKafka();
  const scoring = await createStandaloneScoring();
  pipeline = await startPipeline({
    kafka: {
      brokers: broker.brokers,
      clientId: 'example-test',
      groupId: 'example',
      replicationFactor: 1,
      instanceId: 'example',
    },
    service: scoring.service,
  });
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
  await broker?.stop();
});

describe('kafka-producer example', () => {
  it('publishes transactions and reads each alert once, with its top three SHAP factors', async () => {
    const lines: string[] = [];
    const alerts = await run(broker.brokers, 2000, 8, (line) => lines.push(line));
    expect(pipeline.processor.stats.scored).toBe(2000);
    expect(alerts.length).toBe(pipeline.processor.stats.alerts);
    expect(alerts.length).toBeGreaterThan(0);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
    for (const alert of alerts) {
      expect(['HIGH', 'CRITICAL']).toContain(alert.riskLevel);
      expect(alert.topFactors).toHaveLength(3);
    }
    expect(lines.at(-1)).toBe(`${alerts.length} alerts`);
  }, 120_000);
});
