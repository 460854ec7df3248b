// The two ends of the fraudscore pipeline a bank's systems touch: publish transactions to `transactions_raw`
// (JSON with a schema version, keyed by customer id so each customer's transactions stay in order) and read
// `fraud_alerts` (HIGH and CRITICAL scores with their top three SHAP factors) as a read_committed consumer, so only
// alerts of committed processor transactions are seen, each once. The client is @platformatic/kafka (maintained,
// pure TypeScript); the workspace pins the same version as the server, with the server's patch of its read_committed
// filtering (patches/ at the repository root).
import {
  Consumer,
  FetchIsolationLevels,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
  type BaseOptions,
} from '@platformatic/kafka';

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

/**
 * Connection options for every client: the bootstrap brokers and a client id. A secured cluster adds `tls` (ca, cert,
 * key, servername) and `sasl` ({ mechanism: 'SCRAM-SHA-512', username, password }) here.
 */
export const connect = (brokers: string[], clientId = 'kafka-producer-example'): BaseOptions => ({
  clientId,
  bootstrapBrokers: brokers,
});

/** An idempotent producer (no duplicates from its own retries), acks from all in-sync replicas. */
export async function createPublisher(
  connection: BaseOptions,
): Promise<{ publish(transactions: readonly Transaction[]): Promise<void>; close(): Promise<void> }> {
  const producer = new Producer({
    ...connection,
    idempotent: true,
    acks: ProduceAcks.ALL,
    serializers: stringSerializers,
  });
  return {
    async publish(transactions) {
      await producer.send({
        messages: transactions.map((transaction) => ({
          topic: RAW_TOPIC,
          key: transaction.customerId,
          value: JSON.stringify({ schemaVersion: SCHEMA_VERSION, transaction }),
        })),
      });
    },
    close: () => producer.close(),
  };
}

/** Calls onAlert for each alert (read_committed); returns a function that stops reading. */
export async function readAlerts(
  connection: BaseOptions,
  groupId: string,
  onAlert: (alert: Alert) => void,
  options: { fromBeginning?: boolean } = {},
): Promise<() => Promise<void>> {
  const consumer = new Consumer({
    ...connection,
    groupId,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    deserializers: stringDeserializers,
    maxWaitTime: 500,
  });
  const stream = await consumer.consume({
    topics: [ALERTS_TOPIC],
    mode: options.fromBeginning ? MessagesStreamModes.EARLIEST : MessagesStreamModes.COMMITTED,
  });
  stream.on('data', (message) => {
    if (message.value) onAlert(JSON.parse(message.value) as Alert);
  });
  return async () => {
    await stream.close();
    await consumer.close();
  };
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
