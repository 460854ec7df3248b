// A processor as its own process (tests, benchmark, or a scaled-out deployment without HTTP):
//   KAFKA_BROKERS=host:port KAFKA_GROUP_ID=... KAFKA_INSTANCE_ID=... [REDIS_URL=redis://... REDIS_PREFIX=...] \
//     node dist/kafka/worker.js
// The Kafka settings are the server's (KAFKA_*, security included: server/README.md); a bad one exits 2 naming it, as
// do credentials or certificates the brokers refuse at start. Its scored records are kept in memory for idempotency
// only (the outputs are on the topics): the last KAFKA_WORKER_STORED_RECORDS (default 100,000, about 120 MB; a bad
// value exits 2). Prints one JSON line of stats a second; SIGTERM/SIGINT stop it gracefully (the batch in flight
// commits or aborts).
//
// FRAUDSCORE_TEST_STALL=before-offset-commit (tests only): the first batch's outputs are produced, then the process
// prints {"event":"stalled"} and stops itself (SIGSTOP) before the batch's offsets join the transaction, so a test can
// let it sleep past its session timeout and wake it (SIGCONT) as a zombie.
import { writeSync } from 'node:fs';
import { ConfigError, loadKafkaConfig } from '../config.js';
import { createLogger } from '../log.js';
import { KafkaSettingError } from './client.js';
import { startPipeline, type KafkaTransportOptions } from './index.js';
import { createStandaloneScoring } from './standalone.js';

const env = process.env;
const logger = createLogger(
  (env.LOG_LEVEL as 'info' | undefined) ?? 'warn',
  (line) => void process.stderr.write(`${line}\n`),
);
const fail = (message: string): never => {
  writeSync(2, `configuration error: ${message}\n`);
  process.exit(2);
};

let config;
try {
  config = loadKafkaConfig(env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
let stalled = false;
const stall =
  env.FRAUDSCORE_TEST_STALL === 'before-offset-commit'
    ? () => {
        if (stalled) return;
        stalled = true;
        writeSync(1, `${JSON.stringify({ event: 'stalled', pid: process.pid })}\n`);
        process.kill(process.pid, 'SIGSTOP');
      }
    : undefined;

// The benchmark's baseline: the previous transport on kafkajs (bench/kafka.mjs).
const legacy =
  env.FRAUDSCORE_BENCH_TRANSPORT === 'kafkajs'
    ? await import('./legacy-kafkajs.js').then(
        ({ createKafka, LegacyKafkajsTransport }) =>
          (o: KafkaTransportOptions) =>
            new LegacyKafkajsTransport({
              kafka: createKafka({ ...o.connection, logger }),
              groupId: o.groupId,
              topic: o.topic,
              transactionalId: o.transactionalId,
              maxBatch: o.maxBatch,
              logger,
              sessionTimeoutMs: o.sessionTimeoutMs,
              transactionTimeoutMs: o.transactionTimeoutMs,
            }),
      )
    : undefined;

const storedRecords = env.KAFKA_WORKER_STORED_RECORDS ? Number(env.KAFKA_WORKER_STORED_RECORDS) : undefined;
if (storedRecords !== undefined && !(Number.isInteger(storedRecords) && storedRecords >= 1))
  fail(`KAFKA_WORKER_STORED_RECORDS must be a whole number of at least 1 (got "${env.KAFKA_WORKER_STORED_RECORDS}")`);
const scoring = await createStandaloneScoring(env.BUNDLE || undefined, Date.now, {
  redis: env.REDIS_URL ? { url: env.REDIS_URL, prefix: env.REDIS_PREFIX || 'fraudscore:' } : undefined,
  storedRecords,
});
let pipeline;
try {
  pipeline = await startPipeline({
    kafka: {
      ...config,
      clientId: env.KAFKA_CLIENT_ID ? config.clientId : 'fraudscore-worker',
      instanceId: config.instanceId ?? `worker-${process.pid}`,
      maxBatch: env.KAFKA_MAX_BATCH ? Number(env.KAFKA_MAX_BATCH) : undefined,
      beforeOffsetCommit: stall,
    },
    service: scoring.service,
    registry: scoring.registry,
    logger,
    kafkaTransport: legacy,
  });
} catch (error) {
  if (error instanceof KafkaSettingError) fail(error.message);
  throw error;
}
const running = pipeline;
const report = (): void =>
  void process.stdout.write(`${JSON.stringify({ event: 'stats', pid: process.pid, ...running.processor.stats })}\n`);
process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`);
const timer = setInterval(report, 1000);
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    void running
      .stop()
      .then(() => scoring.close())
      .then(() => {
        report();
        process.exit(0);
      });
  });
}
