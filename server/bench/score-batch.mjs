// The scorer alone, the pipeline's ceiling: `node bench/score-batch.mjs <count> <prefix> <seed> [alerts-only]` scores the same
// transactions the Kafka throughput run publishes (bench/kafka.mjs: rawTransactions(count, prefix, seed)) with
// service.scoreBatch on a fresh stand-alone service (as dist/kafka/worker.js has), in batches of 5,000, no Kafka and
// no JSON: the objects are built before the clock starts. Cold start included, as in the pipeline's run. Prints
// {"alerts": tx/s with explain='alerts' (the processor's setting), "alertsCpu": the CPU seconds that took, "none":
// tx/s without SHAP, left out with a fourth argument `alerts-only`}.
import { createStandaloneScoring } from '../dist/kafka/standalone.js';
import { rawTransactions } from '../dist/kafka/testing.js';

const [count, prefix, seed] = [
  Number(process.argv[2] ?? 100_000),
  process.argv[3] ?? 'one',
  Number(process.argv[4] ?? 5),
];
const transactions = [...rawTransactions(count, prefix, seed)].map((r) => JSON.parse(r.value).transaction);

/** Transactions per second of wall time, and CPU seconds used (this process, all threads). */
async function rate(explain, ids) {
  const { service } = await createStandaloneScoring();
  const batch = transactions.map((t) => ({ ...t, id: `${ids}-${t.id}` }));
  const [t0, c0] = [performance.now(), process.cpuUsage()];
  for (let i = 0; i < batch.length; i += 5000) await service.scoreBatch(batch.slice(i, i + 5000), { explain });
  const cpu = process.cpuUsage(c0);
  return { rate: Math.round(batch.length / ((performance.now() - t0) / 1000)), cpu: (cpu.user + cpu.system) / 1e6 };
}

const alerts = await rate('alerts', 'a');
const none = process.argv[5] === 'alerts-only' ? undefined : await rate(false, 'n');
process.stdout.write(`${JSON.stringify({ alerts: alerts.rate, alertsCpu: alerts.cpu, none: none?.rate })}\n`);
