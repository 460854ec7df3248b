// Publishes sample transactions to a running fraudscore pipeline and prints the alerts it raises.
//   KAFKA_BROKERS=127.0.0.1:9092 pnpm --filter kafka-producer start -- [count] [seconds]
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { connect, createPublisher, readAlerts, sampleTransactions, type Alert } from './pipeline.js';

export async function run(
  brokers: string[],
  count: number,
  seconds: number,
  print: (line: string) => void = console.log,
): Promise<Alert[]> {
  const connection = connect(brokers);
  const transactions = sampleTransactions(count);
  const ours = new Set(transactions.map((t) => t.id));
  const alerts: Alert[] = [];
  const stop = await readAlerts(
    connection,
    `kafka-producer-example-${Date.now()}`,
    (alert) => {
      if (!ours.has(alert.id)) return;
      alerts.push(alert);
      const factors = alert.topFactors
        .map((f) => `${f.feature} ${f.contribution >= 0 ? '+' : ''}${f.contribution.toFixed(2)}`)
        .join(', ');
      print(
        `alert ${alert.id}: ${alert.riskLevel} p=${alert.probability.toFixed(3)} ${alert.shouldBlock ? 'BLOCK' : ''} [${factors}]`,
      );
    },
    { fromBeginning: true },
  );
  const publisher = await createPublisher(connection);
  for (let i = 0; i < transactions.length; i += 500) await publisher.publish(transactions.slice(i, i + 500));
  await publisher.close();
  print(`published ${transactions.length} transactions; reading alerts for ${seconds} s`);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await stop();
  print(`${alerts.length} alerts`);
  return alerts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  await run(brokers, Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 10));
}
