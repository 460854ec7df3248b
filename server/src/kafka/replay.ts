// replay: publishes a transactions CSV (the simulator's format or the handbook's, gzip or not) to transactions_raw
// at a given rate, with progress reported. Labels (TX_FRAUD, TX_FRAUD_SCENARIO) are never sent. The command line is
// fraudscore-replay (../cli/replay.ts).
//
// Rate 0 sends as fast as the broker takes it. Timestamps: `shift` (default) moves the whole file so its first
// transaction is now (the server's history keeps windows relative to the clock), `now` stamps each at sending,
// `original` keeps the file's. KAFKA_BROKERS is read when --brokers is not given; the other KAFKA_* settings
// (security, client id, replication factor) are the server's.
//
// With `shift` and `original` the file's timestamps run far from the processor's clock (months into the future, or
// years back), so those messages are marked as a back-fill (`"backfill": true`): the processor then does not apply
// its timestamp window (TIMESTAMP_MAX_AGE / TIMESTAMP_MAX_AHEAD); every other rule of the input contract still holds,
// and a row it refuses goes to transactions_dlq. `now` sends live transactions, without the mark.
import { readCsvRecords } from '@fraudscore/simulator';
import { customerKey, rawMessage, TOPICS } from './messages.js';
import type { Publisher } from './transport.js';

export interface ReplayOptions {
  file: string;
  publisher: Publisher;
  /** Messages per second; 0: as fast as possible. */
  rate: number;
  limit?: number | undefined;
  timestamps?: 'shift' | 'now' | 'original';
  idPrefix?: string | undefined;
  clock?: () => number;
  progress?: (sent: number, elapsedMs: number) => void;
}

const LABELS = new Set(['TX_FRAUD', 'TX_FRAUD_SCENARIO']);

/** Naive `YYYY-MM-DD HH:MM:SS` (the handbook's) read as UTC. */
const parseTime = (text: string): number => Date.parse(`${text.trim().replace(' ', 'T')}Z`);

export async function replay(options: ReplayOptions): Promise<{ sent: number; elapsedMs: number }> {
  const clock = options.clock ?? Date.now;
  const mode = options.timestamps ?? 'shift';
  const started = clock();
  const chunk = options.rate > 0 ? Math.max(1, Math.min(5000, Math.ceil(options.rate / 20))) : 5000;
  let shift: number | undefined;
  let sent = 0;
  let batch: { key: string; value: string }[] = [];
  let lastProgress = started;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await options.publisher.send(TOPICS.raw, batch);
    sent += batch.length;
    batch = [];
    const now = clock();
    if (options.rate > 0) {
      const due = started + (sent / options.rate) * 1000;
      if (due > now) await new Promise((resolve) => setTimeout(resolve, due - now));
    }
    if (clock() - lastProgress >= 1000) {
      lastProgress = clock();
      options.progress?.(sent, lastProgress - started);
    }
  };
  const required = ['TRANSACTION_ID', 'TX_DATETIME', 'CUSTOMER_ID', 'TERMINAL_ID', 'TX_AMOUNT'];
  for await (const { values: row } of readCsvRecords(options.file, { required })) {
    if (options.limit !== undefined && sent + batch.length >= options.limit) break;
    const at = parseTime(row.TX_DATETIME!);
    shift ??= started - at;
    const timestamp = mode === 'original' ? at : mode === 'now' ? clock() : at + shift;
    const transaction: Record<string, unknown> & { id: string; customerId: string } = {
      id: `${options.idPrefix ?? ''}${row.TRANSACTION_ID!.trim()}`,
      customerId: row.CUSTOMER_ID!.trim(),
      terminalId: row.TERMINAL_ID!.trim(),
      amount: Number(row.TX_AMOUNT),
      timestamp: new Date(timestamp).toISOString(),
    };
    for (const label of LABELS) delete transaction[label];
    batch.push({
      key: customerKey(transaction),
      value: JSON.stringify(rawMessage(transaction, { backfill: mode !== 'now' })),
    });
    if (batch.length >= chunk) await flush();
  }
  await flush();
  const elapsedMs = clock() - started;
  options.progress?.(sent, elapsedMs);
  return { sent, elapsedMs };
}
