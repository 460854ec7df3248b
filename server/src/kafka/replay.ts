#!/usr/bin/env node
// replay: publishes a transactions CSV (the simulator's format or the handbook's, gzip or not) to transactions_raw
// at a given rate, with progress on stderr. Labels (TX_FRAUD, TX_FRAUD_SCENARIO) are never sent.
//
//   pnpm --filter @fraudscore/server replay -- <file.csv[.gz]> [--rate 1000] [--limit N] [--brokers host:port,...]
//       [--timestamps shift|now|original] [--id-prefix p]
//
// --rate 0 sends as fast as the broker takes it. Timestamps: `shift` (default) moves the whole file so its first
// transaction is now (the server's history keeps windows relative to the clock), `now` stamps each at sending,
// `original` keeps the file's. KAFKA_BROKERS is read when --brokers is not given; the other KAFKA_* settings
// (security, client id, replication factor) are the server's.
//
// With `shift` and `original` the file's timestamps run far from the processor's clock (months into the future, or
// years back), so those messages are marked as a back-fill (`"backfill": true`): the processor then does not apply
// its timestamp window (TIMESTAMP_MAX_AGE / TIMESTAMP_MAX_AHEAD); every other rule of the input contract still holds,
// and a row it refuses goes to transactions_dlq. `now` sends live transactions, without the mark.
import { createReadStream, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { parseArgs } from 'node:util';
import { ConfigError, loadKafkaConfig } from '../config.js';
import { ensureTopics, kafkaPublisher, KafkaSettingError } from './client.js';
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

/** The CSV's rows, lazily (plain or gzip by the .gz suffix); columns by the header. */
async function* rows(file: string): AsyncGenerator<Record<string, string>> {
  const input = createReadStream(file);
  const lines = createInterface({
    input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input,
    crlfDelay: Infinity,
  });
  let header: string[] | undefined;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (!header) {
      header = cells.map((c) => c.trim());
      for (const column of ['TRANSACTION_ID', 'TX_DATETIME', 'CUSTOMER_ID', 'TERMINAL_ID', 'TX_AMOUNT']) {
        if (!header.includes(column)) throw new Error(`${file}: no ${column} column`);
      }
      continue;
    }
    yield Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '']));
  }
}

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
  for await (const row of rows(options.file)) {
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

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rate: { type: 'string', default: '1000' },
      limit: { type: 'string' },
      brokers: { type: 'string' },
      timestamps: { type: 'string', default: 'shift' },
      'id-prefix': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const file = positionals[0];
  if (values.help || !file) {
    process.stderr.write(
      'usage: replay <file.csv[.gz]> [--rate 1000] [--limit N] [--brokers host:port,...] [--timestamps shift|now|original] [--id-prefix p]\n',
    );
    return values.help ? 0 : 2;
  }
  let config;
  try {
    config = loadKafkaConfig(
      values.brokers === undefined ? process.env : { ...process.env, KAFKA_BROKERS: values.brokers },
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`replay: ${error.message}\n`);
    return 2;
  }
  const { brokers } = config;
  if (brokers.length === 0) {
    process.stderr.write('replay: no brokers: pass --brokers host:port or set KAFKA_BROKERS\n');
    return 2;
  }
  const rate = Number(values.rate);
  if (!(rate >= 0)) throw new Error(`--rate must be a number >= 0, got ${values.rate}`);
  if (!['shift', 'now', 'original'].includes(values.timestamps!))
    throw new Error('--timestamps must be shift, now or original');
  const connection = {
    brokers,
    clientId: process.env.KAFKA_CLIENT_ID ? config.clientId : 'fraudscore-replay',
    tls: config.tls,
    sasl: config.sasl,
  };
  try {
    await ensureTopics(connection, config.replicationFactor);
  } catch (error) {
    if (!(error instanceof KafkaSettingError)) throw error;
    process.stderr.write(`replay: ${error.message}\n`);
    return 2;
  }
  const publisher = await kafkaPublisher(connection);
  try {
    const { sent, elapsedMs } = await replay({
      file,
      publisher,
      rate,
      limit: values.limit === undefined ? undefined : Number(values.limit),
      timestamps: values.timestamps as 'shift',
      idPrefix: values['id-prefix'],
      progress: (n, ms) =>
        process.stderr.write(
          `replay: ${n} sent in ${(ms / 1000).toFixed(1)} s (${Math.round(n / Math.max(ms / 1000, 0.001))} tx/s)\n`,
        ),
    });
    process.stdout.write(`${JSON.stringify({ sent, seconds: elapsedMs / 1000, topic: TOPICS.raw })}\n`);
  } finally {
    await publisher.close();
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`replay: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
