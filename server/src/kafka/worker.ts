// A processor as its own process (tests, benchmark, or a scaled-out deployment without HTTP):
//   KAFKA_BROKERS=host:port KAFKA_GROUP_ID=... KAFKA_INSTANCE_ID=... node dist/kafka/worker.js
// Prints one JSON line of stats a second; SIGTERM/SIGINT stop it gracefully (the batch in flight commits or aborts).
import { createLogger } from '../log.js';
import { startPipeline } from './index.js';
import { createStandaloneScoring } from './standalone.js';

const env = process.env;
const logger = createLogger(
  (env.LOG_LEVEL as 'info' | undefined) ?? 'warn',
  (line) => void process.stderr.write(`${line}\n`),
);
const scoring = await createStandaloneScoring(env.BUNDLE || undefined);
const pipeline = await startPipeline({
  kafka: {
    brokers: (env.KAFKA_BROKERS ?? '').split(',').filter(Boolean),
    clientId: env.KAFKA_CLIENT_ID ?? 'fraudscore-worker',
    groupId: env.KAFKA_GROUP_ID ?? 'fraudscore-processor',
    replicationFactor: Number(env.KAFKA_REPLICATION_FACTOR ?? 1),
    instanceId: env.KAFKA_INSTANCE_ID ?? `worker-${process.pid}`,
    maxBatch: env.KAFKA_MAX_BATCH ? Number(env.KAFKA_MAX_BATCH) : undefined,
  },
  service: scoring.service,
  registry: scoring.registry,
  logger,
});
const report = (): void =>
  void process.stdout.write(`${JSON.stringify({ event: 'stats', pid: process.pid, ...pipeline.processor.stats })}\n`);
process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`);
const timer = setInterval(report, 1000);
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    void pipeline.stop().then(() => {
      report();
      process.exit(0);
    });
  });
}
