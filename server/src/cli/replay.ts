#!/usr/bin/env node
// fraudscore-replay: publishes a transactions CSV to transactions_raw (../kafka/replay.ts), with progress on stderr
// and one JSON line on stdout when done.
import { parseArgs } from 'node:util';
import { ConfigError, loadKafkaConfig } from '../config.js';
import { ensureTopics, kafkaPublisher, KafkaSettingError } from '../kafka/client.js';
import { TOPICS } from '../kafka/messages.js';
import { replay } from '../kafka/replay.js';
import { EXIT, isMain, isParseArgsError, UsageError } from './command.js';

const USAGE =
  'usage: fraudscore-replay FILE.csv[.gz] [--rate 1000] [--limit N] [--brokers host:port,...] [--timestamps shift|now|original] [--id-prefix P]\n' +
  '       fraudscore-replay --help';

export const HELP = `${USAGE}

Publishes a transactions CSV (the simulator's format or the handbook's, gzip by the .gz suffix) to transactions_raw,
keyed by customer; the labels (TX_FRAUD, TX_FRAUD_SCENARIO) are never sent.

--rate        messages per second (default 1000); 0 sends as fast as the broker takes them
--limit       stop after N transactions
--brokers     host:port,... (default: KAFKA_BROKERS; the other KAFKA_* settings are the server's)
--timestamps  shift (default): the file's first transaction is now, the rest keep their spacing; now: each stamped
              when sent; original: the file's. shift and original mark the messages as a back-fill (the processor's
              timestamp window does not apply; every other rule of the input contract does)
--id-prefix   prepended to every TRANSACTION_ID (to replay a file again under new ids)

Progress on stderr, one JSON line on stdout when done. Exit codes: 0 done, 2 bad usage or configuration (a refused
setting, an unreadable option), 1 anything else (the file unreadable or malformed, Kafka unreachable).`;

const TIMESTAMPS = ['shift', 'now', 'original'] as const;

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let file: string;
  let rate: number;
  let limit: number | undefined;
  let timestamps: (typeof TIMESTAMPS)[number];
  let values;
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        rate: { type: 'string', default: '1000' },
        limit: { type: 'string' },
        brokers: { type: 'string' },
        timestamps: { type: 'string', default: 'shift' },
        'id-prefix': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    values = parsed.values;
    if (values.help) {
      out(HELP);
      return EXIT.done;
    }
    if (parsed.positionals.length !== 1) throw new UsageError('expected one CSV file');
    file = parsed.positionals[0]!;
    rate = Number(values.rate);
    if (!(rate >= 0) || values.rate!.trim() === '')
      throw new UsageError(`--rate: expected a number >= 0, got ${values.rate}`);
    if (values.limit !== undefined && !/^\d+$/.test(values.limit))
      throw new UsageError(`--limit: expected a whole number, got ${values.limit}`);
    limit = values.limit === undefined ? undefined : Number(values.limit);
    if (!(TIMESTAMPS as readonly string[]).includes(values.timestamps!))
      throw new UsageError(`--timestamps: expected shift, now or original, got ${values.timestamps}`);
    timestamps = values.timestamps as (typeof TIMESTAMPS)[number];
  } catch (error) {
    if (!(error instanceof UsageError) && !isParseArgsError(error)) throw error;
    err(`replay: ${(error as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  let config;
  try {
    config = loadKafkaConfig(values.brokers === undefined ? env : { ...env, KAFKA_BROKERS: values.brokers });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`replay: ${error.message}`);
    return EXIT.usage;
  }
  const { brokers } = config;
  if (brokers.length === 0) {
    err('replay: no brokers: pass --brokers host:port or set KAFKA_BROKERS');
    return EXIT.usage;
  }
  const connection = {
    brokers,
    clientId: env.KAFKA_CLIENT_ID ? config.clientId : 'fraudscore-replay',
    tls: config.tls,
    sasl: config.sasl,
  };
  try {
    await ensureTopics(connection, config.replicationFactor);
  } catch (error) {
    if (!(error instanceof KafkaSettingError)) throw error;
    err(`replay: ${error.message}`);
    return EXIT.usage;
  }
  const publisher = await kafkaPublisher(connection);
  try {
    const { sent, elapsedMs } = await replay({
      file,
      publisher,
      rate,
      limit,
      timestamps,
      idPrefix: values['id-prefix'],
      progress: (n, ms) =>
        err(`replay: ${n} sent in ${(ms / 1000).toFixed(1)} s (${Math.round(n / Math.max(ms / 1000, 0.001))} tx/s)`),
    });
    out(JSON.stringify({ sent, seconds: elapsedMs / 1000, topic: TOPICS.raw }));
  } finally {
    await publisher.close();
  }
  return EXIT.done;
}

if (isMain(import.meta.url)) {
  run(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  ).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`replay: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(EXIT.failed);
    },
  );
}
