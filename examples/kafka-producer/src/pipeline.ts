// The two ends of the fraudscore pipeline a bank's systems touch: publish transactions to `transactions_raw`
// (JSON with a schema version, keyed by customer id so each customer's transactions stay in order) and read
// `fraud_alerts` (HIGH and CRITICAL scores with their top three SHAP factors) as a read_committed consumer, so only
// alerts of committed processor transactions are seen, each once.
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';

export const RAW_TOPIC = 'transactions_raw';
export const ALERTS_TOPIC = 'fraud_alerts';
export const SCHEMA_VERSION = 1;

export interface Transaction {
  id: string;
  customerId: string;
  terminalId: string;
  amount: number;
  /** ISO 8601 or epoch ms. */
  timestamp: string | number;
}

export interface Alert {
  schemaVersion: number;
  id: string;
  customerId: string;
  probability: number;
  riskLevel: 'HIGH' | 'CRITICAL';
  shouldBlock: boolean;
  modelVersion: string;
  topFactors: {
    feature: string;
    value: number | null;
    contribution: number;
    direction: 'increases_risk' | 'decreases_risk';
  }[];
}

export const connect = (brokers: string[], clientId = 'kafka-producer-example'): Kafka =>
  new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });

/** An idempotent producer (no duplicates from its own retries), acks from all in-sync replicas. */
export async function createPublisher(
  kafka: Kafka,
): Promise<{ publish(transactions: readonly Transaction[]): Promise<void>; close(): Promise<void> }> {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return {
    async publish(transactions) {
      await producer.send({
        topic: RAW_TOPIC,
        acks: -1,
        messages: transactions.map((transaction) => ({
          key: transaction.customerId,
          value: JSON.stringify({ schemaVersion: SCHEMA_VERSION, transaction }),
        })),
      });
    },
    close: () => producer.disconnect(),
  };
}

/** Calls onAlert for each alert (read_committed); returns a function that stops reading. */
export async function readAlerts(
  kafka: Kafka,
  groupId: string,
  onAlert: (alert: Alert) => void,
  options: { fromBeginning?: boolean } = {},
): Promise<() => Promise<void>> {
  const consumer: Consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topic: ALERTS_TOPIC, fromBeginning: options.fromBeginning ?? false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) onAlert(JSON.parse(message.value.toString()) as Alert);
    },
  });
  return () => consumer.disconnect();
}

/** Sample card transactions: `count` over 200 customers and 400 terminals, a few of them unusually large. */
export function sampleTransactions(count: number, prefix = `example-${Date.now().toString(36)}`): Transaction[] {
  let seed = 42;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    customerId: `C${Math.floor(random() * 200)}`,
    terminalId: `T${Math.floor(random() * 400)}`,
    amount: Math.round((random() < 0.03 ? 250 + random() * 1000 : 5 + random() * 120) * 100) / 100,
    timestamp: new Date(now - (count - i) * 1000).toISOString(),
  }));
}
