#!/usr/bin/env node
// fraudscore-ops: operations from the command line, for the scheduled pipelines (models/dags: Airflow tasks call only
// these and the `fraudmodels` / fraudscore-lifecycle commands), evaluated on the server's storage (DATABASE_URL or
// DATA_DIR). The commands and their options are in HELP below (`fraudscore-ops --help`); one JSON line on stdout;
// exit codes as every tool's (./command.ts): 0 done (drift is an outcome), 2 bad configuration
// or usage, 1 anything else (storage, MLflow or Alertmanager unreachable: the scheduler retries).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createInProcessEventBus,
  createScoringService,
  DriftMonitor,
  historyTransaction,
  knownAtOf,
  listAll,
  MemoryDriftHistory,
  memoryHistory,
  namesAtLevel,
  SCORE,
  storedDriftRows,
  type DistributionDrift,
  type DriftLevel,
  type DriftSnapshot,
  restoreState,
  type ScoredTransaction,
  type ServerHistory,
  type Storage,
} from '@fraudscore/edge';
import { directorySource, parseDuration } from '@fraudscore/sdk';
import { CSV_COLUMNS, formatCsvLine, readCsvRecords } from '@fraudscore/simulator';
import { ConfigError, loadConfig, type ServerConfig } from '../config.js';
import { MlflowClient } from '../mlflow/client.js';
import { MlflowLifecycle } from '../mlflow/lifecycle.js';
import { loadModel, ModelManager, type ActiveModel } from '../models/manager.js';
import { openConfiguredStorage } from '../server.js';
import { DataDirHeldError } from '../storage/index.js';
import { RedisConnection, RedisHistory, RedisLabelStats, SharedState } from '../redis/index.js';
import { backfill, KNOWN_AT_COLUMN, rowLabel, type RefusedRow } from '../backfill.js';
import { parseTimestamp, ValidationError } from '@fraudscore/sdk';
import { DataTimeHistoryStore } from '../data-time-history.js';
import { EXIT, isMain, isParseArgsError, UsageError } from './command.js';

export { UsageError } from './command.js';

const USAGE = [
  'usage: fraudscore-ops export-labelled --since DURATION|ISO [--until ISO] --out FILE.csv [--labelled-only]',
  '       fraudscore-ops training-set --data FILE.csv [--data FILE.csv]... --out FILE.csv [--min-days N]',
  '       fraudscore-ops drift-check [--window DURATION] [--from ISO] [--until ISO] [--alertmanager URL] [--url URL]',
  '       fraudscore-ops deploy --decision FILE [--server URL]...',
  '       fraudscore-ops load-history [--replace]',
  '       fraudscore-ops backfill FILE.csv[.gz] [--analyst NAME] [--label-delay DAYS] [--explain alerts|all|none] [--limit N]',
  '       fraudscore-ops import-labels FILE.csv[.gz] --url URL [--analyst NAME] [--label-delay DAYS]',
  '       fraudscore-ops [COMMAND] --help',
].join('\n');

export const HELP = `${USAGE}

Evaluated on the server's storage (DATABASE_URL or DATA_DIR) with the server's settings; one JSON line on stdout.
Exit codes: 0 done (drift is an outcome), 2 bad usage or configuration, 1 anything else
(storage, MLflow or Alertmanager unreachable: a scheduler retries).

export-labelled  the scored transactions of the window in the handbook CSV schema \`fraudmodels train --data\` reads;
                 TX_FRAUD is 1 for those analysts labelled fraud (unlabelled ones count as legitimate, as in the
                 handbook's data), TX_FRAUD_KNOWN_AT the analyst's decision time (empty when unlabelled), which
                 windows over labels as known at scoring time read in training as the server read them.
                 --since/--until: a duration before now (90d) or an ISO 8601 time.
training-set     the training set: handbook-schema files (the export, optionally a longer base history) merged in
                 time order, renumbered; fails (exit 1) when it spans fewer than --min-days days (train --folds F
                 needs 7 x (F + 2)).
drift-check      a drift snapshot (PSI and normalised Wasserstein per feature and for the score, against the active
                 model's baseline) over the window ending now (default DRIFT_WINDOW), over --window ending at
                 --until, or over --from..--until (a past period); kept in the drift history; every feature or the
                 score at level warn or alert is posted to Alertmanager (POST URL/api/v2/alerts, severity warning or
                 critical); insufficient_data (fewer than DRIFT_MIN_ROWS values) is never an alert. With --url (a
                 running server, admin key in OPS_API_KEY) the server takes the snapshot (POST /drift/check) and keeps
                 it in the store it reads: needed for an embedded store (DATA_DIR), which a running server holds and
                 the CLI is refused; without --url the CLI opens the store itself (stopped server, or DATABASE_URL).
deploy           after \`fraudscore-lifecycle promote\` (its JSON line in --decision FILE): reports the champion and,
                 when the gate promoted, asks each --server to follow it now (POST /v1/models/reload with the admin
                 key in OPS_API_KEY); servers not named follow the alias at their next MLFLOW_POLL_INTERVAL.
load-history     with REDIS_URL: fills the shared feature history (and the label counts) from storage's retention
                 window, for the model's feature spec; idempotent; --replace deletes what is under REDIS_PREFIX first.
backfill         loads a handbook-schema CSV of history (.gz read as gzip) into the configured store without Kafka, at
                 the file's own times (weekdays and hours kept): every row through the input contract of POST
                 /v1/score as a back-fill (no window around the clock), scored with the active model and stored, the
                 feature history kept (in memory, continued from what storage holds, or in Redis with REDIS_URL);
                 refused rows are reported on stderr and change nothing; ids already stored with the same content are
                 left alone (re-runs and resumed runs add what is missing). Labels: TX_FRAUD (1 fraud, 0 legitimate,
                 empty not known) as --analyst (default backfill), decided at TX_FRAUD_KNOWN_AT or, in a file without
                 that column, --label-delay days (default 7) after the transaction. Refuses a DATA_DIR a running
                 server holds: stop it first. --explain: SHAP top factors for alerts (default), all rows or none.
import-labels    posts a CSV's labels to a running server (POST URL/v1/labels, admin or analyst key in OPS_API_KEY)
                 in requests of 10,000: TRANSACTION_ID, TX_FRAUD (1 fraud, 0 legitimate, empty: skipped as not known)
                 and the decision time TX_FRAUD_KNOWN_AT (empty: skipped) or, without that column, TX_DATETIME plus
                 --label-delay days (default 7); as --analyst (default import). The whole file is read and checked
                 before anything is posted (a malformed row: exit 1 naming its line, nothing imported). Idempotent:
                 labels equal to the stored ones are left alone, so a failed import is simply run again. An id the
                 server has not scored refuses its request of 10,000 (exit 1 naming the line); those before it stay.`;

/** A positive duration flag ("6h", "30d", "90m") → ms. */
export function durationArgument(text: string): number {
  const ms = parseDuration(text.trim(), ['m', 'h', 'd']);
  if (!ms) throw new UsageError(`expected a duration like 30m, 6h or 7d, got "${text}"`);
  return ms;
}

/** A duration before `now`, or an ISO 8601 instant → epoch ms. */
export function parseInstant(text: string, now: number): number {
  if (parseDuration(text.trim(), ['m', 'h', 'd']) !== undefined) return now - durationArgument(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`expected a duration (6h, 30d) or an ISO 8601 time, got "${text}"`);
  return ms;
}

/** The handbook's CSV columns, as the simulator writes them. */
export const HANDBOOK_COLUMNS = CSV_COLUMNS;
/** What export-labelled and training-set write: the handbook's columns and the labels' known-at times. */
const EXPORT_COLUMNS = [...HANDBOOK_COLUMNS, KNOWN_AT_COLUMN];

const pad = (n: number): string => String(n).padStart(2, '0');
const datetime = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

interface HandbookRow {
  ms: number;
  customer: string;
  terminal: string;
  amount: string;
  fraud: string;
  scenario: string;
  /** When the label became known (YYYY-MM-DD HH:MM:SS UTC); empty: unlabelled, or not known. */
  knownAt: string;
}

/**
 * Rows as a handbook-schema CSV in the order given: TRANSACTION_ID numbers them from 0, TX_TIME_SECONDS /
 * TX_TIME_DAYS count from midnight UTC of the first row's day; TX_FRAUD_KNOWN_AT last.
 */
function handbookCsv(rows: readonly HandbookRow[]): string {
  const start = rows.length > 0 ? Math.floor(rows[0]!.ms / 86_400_000) * 86_400_000 : 0;
  const lines = [formatCsvLine(EXPORT_COLUMNS)];
  rows.forEach((r, i) => {
    const seconds = Math.floor((r.ms - start) / 1000);
    lines.push(
      formatCsvLine([
        String(i),
        datetime(r.ms),
        r.customer,
        r.terminal,
        r.amount,
        String(seconds),
        String(Math.floor(seconds / 86_400)),
        r.fraud,
        r.scenario,
        r.knownAt,
      ]),
    );
  });
  return `${lines.join('\n')}\n`;
}

/**
 * Scored transactions as a handbook-schema CSV, in time order (ties by id): TRANSACTION_ID numbers them from 0 (the
 * schema wants integers; the server's ids are text), TX_TIME_SECONDS / TX_TIME_DAYS count from midnight UTC of the
 * first day, TX_FRAUD is 1 for an analyst's fraud label, TX_FRAUD_SCENARIO is 0 (unknown), TX_FRAUD_KNOWN_AT is the
 * analyst's decision time (empty for an unlabelled transaction).
 */
export function toHandbookCsv(records: readonly ScoredTransaction[]): string {
  const sorted = [...records].sort(
    (a, b) => a.transaction.timestamp - b.transaction.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return handbookCsv(
    sorted.map((r) => ({
      ms: r.transaction.timestamp,
      customer: String(r.transaction.customerId),
      terminal: String(r.transaction.terminalId),
      amount: String(r.transaction.amount),
      fraud: r.label?.label === 'fraud' ? '1' : '0',
      scenario: '0',
      knownAt: r.label ? datetime(Date.parse(r.label.at)) : '',
    })),
  );
}

/**
 * Handbook-schema CSV files merged: rows in time order (stable), renumbered, times recomputed from the first day; the
 * labels' known-at times kept where a file has them (TX_FRAUD_KNOWN_AT), else empty.
 */
export async function mergeHandbookCsv(files: readonly string[]): Promise<{
  csv: string;
  rows: number;
  frauds: number;
  days: number;
}> {
  const rows: HandbookRow[] = [];
  for (const file of files) {
    const required = ['TX_DATETIME', 'CUSTOMER_ID', 'TERMINAL_ID', 'TX_AMOUNT', 'TX_FRAUD'];
    for await (const { values, line } of readCsvRecords(file, { required })) {
      const ms = Date.parse(`${values.TX_DATETIME!.replace(' ', 'T')}Z`);
      if (Number.isNaN(ms))
        throw new Error(`${file} line ${line}: TX_DATETIME "${values.TX_DATETIME}" is not YYYY-MM-DD HH:MM:SS`);
      rows.push({
        ms,
        customer: values.CUSTOMER_ID!,
        terminal: values.TERMINAL_ID!,
        amount: values.TX_AMOUNT!,
        fraud: values.TX_FRAUD!,
        scenario: values.TX_FRAUD_SCENARIO ?? '0',
        knownAt: values[KNOWN_AT_COLUMN] ?? '',
      });
    }
  }
  rows.sort((a, b) => a.ms - b.ms);
  const start = rows.length > 0 ? Math.floor(rows[0]!.ms / 86_400_000) : 0;
  const days = rows.length > 0 ? Math.floor(rows.at(-1)!.ms / 86_400_000) - start + 1 : 0;
  return { csv: handbookCsv(rows), rows: rows.length, frauds: rows.filter((r) => r.fraud === '1').length, days };
}

/** Every stored transaction with a transaction time in [from, to). */
export const scoredBetween = (
  storage: Storage,
  from: number,
  to: number,
  labelled?: boolean,
): Promise<ScoredTransaction[]> => listAll(storage, { from, to, ...(labelled === undefined ? {} : { labelled }) });

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

const SEVERITY: Partial<Record<DriftLevel, string>> = { warn: 'warning', alert: 'critical' };

/**
 * One Alertmanager alert per feature and for the score at level warn (severity warning) or alert (critical): the
 * levels the snapshot gave with its thresholds (≥, PSI and normalised Wasserstein), so the score's drift is told
 * like any feature's and insufficient_data never alerts.
 */
export function driftAlerts(snapshot: DriftSnapshot, validForMs = 86_400_000): AlertmanagerAlert[] {
  const startsAt = snapshot.computedAt;
  const endsAt = new Date(Date.parse(snapshot.computedAt) + validForMs).toISOString();
  const base = {
    alertname: 'DriftAlert',
    service: 'fraudscore',
    source: 'forte_drift_monitoring',
    model_version: snapshot.baseline.modelVersion,
  };
  const window = `${snapshot.window.from} – ${snapshot.window.to}`;
  const measures = (d: DistributionDrift): string =>
    `PSI ${d.psi?.toFixed(3) ?? 'n/a'}, normalised Wasserstein ${d.wasserstein?.toFixed(3) ?? 'n/a'}`;
  const entries: [string, DistributionDrift][] = [...Object.entries(snapshot.features), [SCORE, snapshot.score]];
  return entries.flatMap(([feature, drift]) => {
    const severity = SEVERITY[drift.level];
    if (!severity) return [];
    const what = feature === SCORE ? 'Score' : `Feature ${feature}`;
    const span = drift.window ? `${drift.window.from} – ${drift.window.to} (whole periods)` : window;
    return [
      {
        labels: { ...base, severity, level: drift.level, feature },
        annotations: {
          summary: `${what} drift is ${drift.level}: ${measures(drift)}`,
          description: `${drift.present} values in ${span}; baseline ${snapshot.baseline.source} (${baselineText(snapshot)})`,
        },
        startsAt,
        endsAt,
      },
    ];
  });
}

/** The baseline's own window and size, as alerts and the CLI name it. */
export function baselineText(snapshot: DriftSnapshot): string {
  const b = snapshot.baseline;
  const span = b.window ? `${b.window.from} – ${b.window.to}` : 'window unknown';
  return `${span}, ${b.rows ?? 'unknown'} rows`;
}

export async function postAlerts(
  alertmanager: string,
  alerts: readonly AlertmanagerAlert[],
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const url = `${alertmanager.replace(/\/+$/, '')}/api/v2/alerts`;
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok)
    throw new Error(`Alertmanager answered ${res.status} to POST ${url}: ${(await res.text()).slice(0, 300)}`);
}

/** The model drift is measured for: MLflow's champion when configured (as the servers follow it), else BUNDLE. */
async function activeModel(config: ServerConfig, storage: Storage): Promise<{ model: ActiveModel; note?: string }> {
  // Kept by the data's time, so a back-fill of 2018 history keeps its windows (../data-time-history.ts).
  const history = (spec: ConstructorParameters<typeof DataTimeHistoryStore>[0]) => new DataTimeHistoryStore(spec);
  const source = /^https?:\/\//i.test(config.bundle) ? config.bundle : directorySource(config.bundle);
  const initial = await loadModel(
    source,
    { kind: 'bundle', location: config.bundle },
    { history, publicKey: config.bundlePublicKey },
  );
  if (!config.mlflow) return { model: initial };
  const manager = new ModelManager(initial, {
    history: initial.scorer.history as DataTimeHistoryStore,
    publicKey: config.bundlePublicKey,
  });
  const lifecycle = new MlflowLifecycle({
    client: new MlflowClient({ trackingUri: config.mlflow.trackingUri }),
    name: config.mlflow.modelName,
    storage,
    manager,
    publicKey: config.bundlePublicKey,
  });
  const outcome = await lifecycle.reload();
  return { model: manager.active(), note: outcome.detail };
}

interface Args {
  command: string;
  /** The file a WITH_FILE command names. */
  file?: string;
  flags: Map<string, string[]>;
  switches: Set<string>;
}

const text = { type: 'string' } as const;
const many = { type: 'string', multiple: true } as const;
const flag = { type: 'boolean' } as const;
/** Each command's options (node:util parseArgs). */
const COMMANDS = {
  'export-labelled': { since: text, until: text, out: text, 'labelled-only': flag },
  'training-set': { data: many, out: text, 'min-days': text },
  'drift-check': { window: text, from: text, until: text, alertmanager: text, url: text },
  deploy: { decision: text, server: many },
  'load-history': { replace: flag },
  backfill: { analyst: text, 'label-delay': text, explain: text, limit: text },
  'import-labels': { url: text, analyst: text, 'label-delay': text },
} as const;

/** Commands that take one file as their positional argument. */
const WITH_FILE = new Set(['backfill', 'import-labels']);

/** The command and its options; undefined when help was asked for. */
function parseCommandLine(argv: readonly string[]): Args | undefined {
  const [command = '', ...rest] = argv;
  if (command === '--help' || command === '-h') return undefined;
  if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command ${command || '(none)'}`);
  const options = { ...COMMANDS[command as keyof typeof COMMANDS], help: { type: 'boolean', short: 'h' } } as const;
  const withFile = WITH_FILE.has(command);
  const { values, positionals } = parseArgs({ args: [...rest], options, strict: true, allowPositionals: withFile });
  if (values.help) return undefined;
  if (withFile && positionals.length !== 1) throw new UsageError(`${command} needs one FILE.csv`);
  const flags = new Map<string, string[]>();
  const switches = new Set<string>();
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'boolean') {
      if (value) switches.add(`--${name}`);
    } else if (value !== undefined) flags.set(`--${name}`, Array.isArray(value) ? value : [value]);
  }
  return { command, flags, switches, ...(withFile ? { file: positionals[0]! } : {}) };
}

const one = (args: Args, flag: string, required = false): string | undefined => {
  const v = args.flags.get(flag)?.at(-1);
  if (required && v === undefined) throw new UsageError(`${args.command} needs ${flag}`);
  return v;
};

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  now: () => number = Date.now,
  help: (text: string) => void = (text) => process.stdout.write(`${text}\n`),
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  let args: Args;
  let config: ServerConfig;
  try {
    const parsed = parseCommandLine(argv);
    if (!parsed) {
      help(HELP);
      return EXIT.done;
    }
    args = parsed;
    config = await loadConfig(env);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      out(JSON.stringify({ error: `${(error as Error).message}\n${USAGE}` }));
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      out(JSON.stringify({ error: error.message }));
      return EXIT.usage;
    }
    throw error;
  }
  try {
    switch (args.command) {
      case 'export-labelled':
        return await exportLabelled(args, config, out, now());
      case 'training-set':
        return await trainingSet(args, out);
      case 'drift-check':
        return await driftCheck(args, config, env, out, now);
      case 'load-history':
        return await loadHistory(args, config, out, now());
      case 'backfill':
        return await backfillCommand(args, config, out, err);
      case 'import-labels':
        return await importLabels(args, env, out, err);
      default:
        return await deploy(args, config, env, out);
    }
  } catch (error) {
    out(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    // A DATA_DIR a running server holds: retrying cannot help while it runs (use --url, or stop it).
    return error instanceof UsageError || error instanceof DataDirHeldError ? EXIT.usage : EXIT.failed;
  }
}

async function exportLabelled(
  args: Args,
  config: ServerConfig,
  out: (line: string) => void,
  now: number,
): Promise<number> {
  const from = parseInstant(one(args, '--since', true)!, now);
  const until = one(args, '--until');
  const to = until === undefined ? now + 1 : parseInstant(until, now);
  const file = one(args, '--out', true)!;
  const storage = await openConfiguredStorage(config);
  try {
    const records = await scoredBetween(
      storage.storage,
      from,
      to,
      args.switches.has('--labelled-only') ? true : undefined,
    );
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, toHandbookCsv(records));
    const labelled = records.filter((r) => r.label !== null);
    out(
      JSON.stringify({
        out: file,
        rows: records.length,
        labelled: labelled.length,
        frauds: labelled.filter((r) => r.label!.label === 'fraud').length,
        window: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
        storage: storage.kind,
      }),
    );
    return 0;
  } finally {
    await storage.close();
  }
}

async function trainingSet(args: Args, out: (line: string) => void): Promise<number> {
  const inputs = args.flags.get('--data') ?? [];
  if (inputs.length === 0) throw new UsageError('training-set needs at least one --data FILE.csv');
  const file = one(args, '--out', true)!;
  const minDaysText = one(args, '--min-days') ?? '0';
  if (!/^\d+$/.test(minDaysText)) throw new UsageError(`--min-days: expected a whole number, got "${minDaysText}"`);
  const merged = await mergeHandbookCsv(inputs);
  if (merged.days < Number(minDaysText))
    throw new Error(
      `the training set spans ${merged.days} days (${merged.rows} transactions); at least ${minDaysText} are needed`,
    );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, merged.csv);
  out(JSON.stringify({ out: file, rows: merged.rows, frauds: merged.frauds, days: merged.days, inputs }));
  return 0;
}

async function driftCheck(
  args: Args,
  config: ServerConfig,
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  now: () => number,
): Promise<number> {
  const windowText = one(args, '--window');
  const fromText = one(args, '--from');
  const untilText = one(args, '--until');
  if (windowText !== undefined && fromText !== undefined) throw new UsageError('give --window or --from, not both');
  const until = untilText === undefined ? now() : parseInstant(untilText, now());
  const from =
    fromText === undefined
      ? until - (windowText === undefined ? config.driftWindowMs : durationArgument(windowText))
      : parseInstant(fromText, now());
  if (!(from < until)) throw new UsageError('--from must be before --until');
  const alertmanager = one(args, '--alertmanager');
  const url = one(args, '--url');
  if (url !== undefined) return driftCheckOverHttp(url, env, { from, until }, config, alertmanager, out);
  const storage = await openConfiguredStorage(config);
  try {
    const { model, note } = await activeModel(config, storage.storage);
    const features = model.scorer.model.features;
    const monitor = new DriftMonitor({
      model: () => ({
        version: model.scorer.model.version,
        features,
        reference: model.reference,
        periodMs: model.scorer.model.periodMs ?? {},
      }),
      rows: storedDriftRows(storage.storage, () => features),
      history: storage.driftHistory ?? new MemoryDriftHistory(),
      clock: now,
      drift: { minRows: config.driftMinRows },
    });
    await monitor.restore();
    const snapshot = await monitor.check(until - from, until);
    const alerts = driftAlerts(snapshot, config.driftIntervalMs);
    if (alerts.length > 0 && alertmanager) await postAlerts(alertmanager, alerts);
    await model.scorer.dispose();
    out(
      JSON.stringify({
        ...driftCheckSummary(snapshot, alerts, alertmanager),
        kept: storage.driftHistory !== undefined,
        ...(note ? { model: note } : {}),
      }),
    );
    return 0;
  } finally {
    await storage.close();
  }
}

function driftCheckSummary(snapshot: DriftSnapshot, alerts: readonly AlertmanagerAlert[], alertmanager?: string) {
  return {
    level: snapshot.level,
    rows: snapshot.rows,
    window: snapshot.window,
    model_version: snapshot.baseline.modelVersion,
    baseline: { ...snapshot.baseline, text: baselineText(snapshot) },
    score: { psi: snapshot.score.psi, wasserstein: snapshot.score.wasserstein, level: snapshot.score.level },
    features: Object.fromEntries(
      Object.entries(snapshot.features).map(([k, v]) => [
        k,
        { psi: v.psi, wasserstein: v.wasserstein, level: v.level },
      ]),
    ),
    thresholds: { psi: snapshot.thresholds, wasserstein: snapshot.distanceThresholds, minRows: snapshot.minRows },
    alerts: alerts.map((a) => a.labels.feature),
    insufficient_data: namesAtLevel(snapshot, 'insufficient_data'),
    alerted: alerts.length > 0 && alertmanager !== undefined,
  };
}

/** The admin key for a running server's API (OPS_API_KEY), or a usage error. */
function opsKey(env: NodeJS.ProcessEnv, what: string): string {
  const key = env.OPS_API_KEY?.trim();
  if (!key) throw new UsageError(`OPS_API_KEY (an admin key of the server) is needed to ${what}`);
  return key;
}

/** A request to a running server's API with the ops key; a non-2xx answer is an error naming it. */
async function serverRequest<T>(url: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const target = `${url.replace(/\/+$/, '')}${path}`;
  const res = await fetch(target, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(300_000),
  });
  if (!res.ok) {
    const text = (await res.text()).slice(0, 500);
    const error = new Error(`${url} answered ${res.status} to ${method} ${path}: ${text}`);
    // The server refused the request as given (4xx but 429): retrying the same cannot help.
    throw res.status >= 400 && res.status < 500 && res.status !== 429 ? new UsageError(error.message) : error;
  }
  return (await res.json()) as T;
}

/**
 * drift-check --url: the running server takes the snapshot over the period (POST /drift/check, admin) and keeps it in
 * its own drift history, the store it reads after a restart too; the snapshot as kept is read back
 * (GET /v1/drift/history) for the alerts and the summary, so `kept` is what the server's history holds.
 */
async function driftCheckOverHttp(
  url: string,
  env: NodeJS.ProcessEnv,
  period: { from: number; until: number },
  config: ServerConfig,
  alertmanager: string | undefined,
  out: (line: string) => void,
): Promise<number> {
  const key = opsKey(env, 'take a drift snapshot on a running server (--url)');
  const checked = await serverRequest<{ checked_at: string }>(url, key, 'POST', '/drift/check', {
    from: new Date(period.from).toISOString(),
    until: new Date(period.until).toISOString(),
  });
  const at = encodeURIComponent(checked.checked_at);
  const { snapshots } = await serverRequest<{ snapshots: DriftSnapshot[] }>(
    url,
    key,
    'GET',
    `/v1/drift/history?from=${at}&to=${at}`,
  );
  const snapshot = snapshots.filter((s) => s.computedAt === checked.checked_at).at(-1);
  if (!snapshot) throw new Error(`${url} took a drift snapshot at ${checked.checked_at} but does not list it as kept`);
  const alerts = driftAlerts(snapshot, config.driftIntervalMs);
  if (alerts.length > 0 && alertmanager) await postAlerts(alertmanager, alerts);
  out(JSON.stringify({ ...driftCheckSummary(snapshot, alerts, alertmanager), kept: true, server: url }));
  return EXIT.done;
}

async function loadHistory(
  args: Args,
  config: ServerConfig,
  out: (line: string) => void,
  now: number,
): Promise<number> {
  if (!config.redis)
    throw new UsageError('REDIS_URL is not set: load-history fills the shared feature history in Redis');
  const started = performance.now();
  const storage = await openConfiguredStorage(config);
  const connection = new RedisConnection({ url: config.redis.url, commandTimeoutMs: 30_000 });
  try {
    await connection.connect();
    const problem = connection.problem();
    if (problem) throw new Error(problem);
    const { model } = await activeModel(config, storage.storage);
    const history = new RedisHistory(connection, model.spec, { prefix: config.redis.prefix, clock: () => now });
    const labels = new RedisLabelStats(connection, { prefix: config.redis.prefix });
    if (args.switches.has('--replace')) await history.clear();
    // Oldest first, as they were scored; each with its label as storage has it.
    const records = (await listAll(storage.storage, { from: now - history.retentionMs })).reverse();
    let added = 0;
    for (let i = 0; i < records.length; i += 1000) {
      const chunk = records.slice(i, i + 1000);
      // Storage is the truth: an id the history holds with other content (a request that was never stored) is replaced.
      // Labels go in with their decision times, the known-at times of windows over labels as known at scoring time.
      const txs = chunk.map(historyTransaction);
      const flags = await history.addMany(txs, { replace: true });
      added += flags.filter(Boolean).length;
      // Already there: labels set since are brought up to date (the commands of a chunk go in one pipeline).
      await Promise.all(
        txs.flatMap((tx, k) =>
          !flags[k] && (tx.label === 0 || tx.label === 1) ? [history.setLabel(tx.id, tx.label, knownAtOf(tx))] : [],
        ),
      );
    }
    const labelled = records.filter((r) => r.label !== null).sort((a, b) => a.label!.at.localeCompare(b.label!.at));
    for (let i = 0; i < labelled.length; i += 1000) {
      await Promise.all(
        labelled.slice(i, i + 1000).map((r) =>
          labels.record(
            {
              id: r.id,
              label: r.label!.label,
              probability: r.probability,
              threshold: r.threshold,
              blocked: r.shouldBlock,
            },
            Date.parse(r.label!.at),
          ),
        ),
      );
    }
    await model.scorer.dispose();
    out(
      JSON.stringify({
        transactions: records.length,
        added,
        labels: labelled.length,
        stored: await history.size(),
        prefix: config.redis.prefix,
        window: { from: new Date(now - history.retentionMs).toISOString(), to: new Date(now).toISOString() },
        ms: Math.round(performance.now() - started),
      }),
    );
    return 0;
  } finally {
    await connection.close();
    await storage.close();
  }
}

const EXPLAIN = { alerts: 'alerts', all: true, none: false } as const;

/** --label-delay DAYS (default 7) → ms. */
function labelDelayArgument(args: Args): number {
  const text = one(args, '--label-delay') ?? '7';
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`--label-delay: expected days (7, 0.5), got "${text}"`);
  return Number(text) * 86_400_000;
}

/** --analyst NAME: who the labels are recorded as (the label route's rule: 1..200 characters, no control characters). */
function analystArgument(args: Args, fallback: string): string {
  const analyst = (one(args, '--analyst') ?? fallback).trim();
  if (analyst === '' || analyst.length > 200 || /\p{Cc}/u.test(analyst))
    throw new UsageError('--analyst: 1..200 characters without control characters');
  return analyst;
}

/** POST /v1/labels takes at most this many per request. */
const LABELS_PER_REQUEST = 10_000;

interface FileLabel {
  id: string;
  label: 'fraud' | 'legitimate';
  analyst: string;
  at: string;
  line: number;
}

/** The labels of a handbook-schema CSV, streamed; rows whose label is not known are counted in `skipped`. */
async function* fileLabels(
  file: string,
  analyst: string,
  delayMs: number,
  counts: { rows: number; skipped: number },
): AsyncGenerator<FileLabel> {
  let knownAtColumn: boolean | undefined;
  for await (const { values, line } of readCsvRecords(file, {
    required: ['TRANSACTION_ID', 'TX_DATETIME', 'TX_FRAUD'],
  })) {
    counts.rows += 1;
    knownAtColumn ??= Object.hasOwn(values, KNOWN_AT_COLUMN);
    let label;
    try {
      label = rowLabel(
        values,
        knownAtColumn ? NaN : parseTimestamp(values.TX_DATETIME, 'TX_DATETIME'),
        knownAtColumn,
        delayMs,
      );
    } catch (error) {
      if (error instanceof ValidationError) throw new Error(`${file} line ${line}: ${error.message}`, { cause: error });
      throw error;
    }
    if (!label) {
      counts.skipped += 1;
      continue;
    }
    yield { id: values.TRANSACTION_ID!, label: label.value, analyst, at: new Date(label.knownAt).toISOString(), line };
  }
}

/**
 * import-labels: a CSV's labels to a running server's POST /v1/labels, 10,000 per request. The file is checked whole
 * first, so a malformed one imports nothing; the server checks each request whole (an unknown id refuses it).
 */
async function importLabels(
  args: Args,
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const url = one(args, '--url', true)!;
  const analyst = analystArgument(args, 'import');
  const delayMs = labelDelayArgument(args);
  const key = opsKey(env, 'post labels to a running server');
  const checked = { rows: 0, skipped: 0 };
  for await (const _ of fileLabels(args.file!, analyst, delayMs, checked)); // the whole file checked first
  const counts = { rows: 0, skipped: 0 };
  const started = performance.now();
  let labelled = 0;
  let unchanged = 0;
  let requests = 0;
  let chunk: FileLabel[] = [];
  const post = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const labels = chunk;
    chunk = [];
    let answer: { labelled: number; unchanged: number };
    try {
      answer = await serverRequest(url, key, 'POST', '/v1/labels', {
        labels: labels.map(({ line: _line, ...label }) => label),
      });
    } catch (error) {
      // The server names the item (labels[i].id); say which line of the file it is.
      const item = /labels\[(\d+)\]/.exec((error as Error).message)?.[1];
      const line = item === undefined ? undefined : labels[Number(item)]?.line;
      if (line === undefined || !(error instanceof UsageError)) throw error;
      throw new Error(
        `${args.file} line ${line}: ${(error as Error).message}; ${labelled + unchanged} labels before this request were imported (run again once fixed: it is idempotent)`,
        { cause: error },
      );
    }
    labelled += answer.labelled;
    unchanged += answer.unchanged;
    requests += 1;
    err(`import-labels: ${labelled + unchanged} labels in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  for await (const label of fileLabels(args.file!, analyst, delayMs, counts)) {
    chunk.push(label);
    if (chunk.length >= LABELS_PER_REQUEST) await post();
  }
  await post();
  const seconds = (performance.now() - started) / 1000;
  out(
    JSON.stringify({
      file: args.file,
      rows: counts.rows,
      labels: labelled + unchanged,
      labelled,
      unchanged,
      skipped: counts.skipped,
      requests,
      seconds: Math.round(seconds * 10) / 10,
      labels_per_second: Math.round((labelled + unchanged) / Math.max(seconds, 0.001)),
      server: url,
    }),
  );
  return EXIT.done;
}

async function backfillCommand(
  args: Args,
  config: ServerConfig,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const explainText = one(args, '--explain') ?? 'alerts';
  if (!Object.hasOwn(EXPLAIN, explainText))
    throw new UsageError(`--explain: expected alerts, all or none, got "${explainText}"`);
  const labelDelayMs = labelDelayArgument(args);
  const limitText = one(args, '--limit');
  if (limitText !== undefined && !/^\d+$/.test(limitText))
    throw new UsageError(`--limit: expected a whole number, got "${limitText}"`);
  const analyst = analystArgument(args, 'backfill');
  const storage = await openConfiguredStorage(config);
  let shared: SharedState | undefined;
  try {
    const { model } = await activeModel(config, storage.storage);
    let history: ServerHistory;
    let restored: number | undefined;
    if (config.redis) {
      // The shared history's retention follows the back-fill's own time, not the wall clock.
      let newest = -Infinity;
      shared = await SharedState.open({
        url: config.redis.url,
        prefix: config.redis.prefix,
        spec: model.spec,
        clock: () => newest,
      });
      const problem = shared.connection.problem();
      if (problem) throw new Error(problem);
      const scoring = shared.scoringHistory();
      history = {
        ...scoring,
        open: (txs) => {
          for (const tx of txs) newest = Math.max(newest, tx.timestamp);
          return scoring.open(txs);
        },
      };
    } else {
      // The process's own history, continued from what storage holds (its newest weeks), as a server's after a restart.
      const memory = model.scorer.history as DataTimeHistoryStore;
      restored = (await restoreState({ storage: storage.storage, history: memory })).transactions;
      history = memoryHistory(memory);
    }
    const lastChange = (await storage.storage.thresholdChanges()).at(-1);
    const service = createScoringService({
      model: model.scorer,
      history,
      storage: storage.storage,
      bus: createInProcessEventBus(),
      clock: Date.now,
      limits: config.limits,
      ...(lastChange ? { config: { threshold: lastChange.to } } : {}),
    });
    const examples: RefusedRow[] = [];
    const labels = shared?.labels;
    const result = await backfill({
      file: args.file!,
      service,
      analyst,
      labelDelayMs,
      explain: EXPLAIN[explainText as keyof typeof EXPLAIN],
      limit: limitText === undefined ? undefined : Number(limitText),
      refused: (row) => {
        if (examples.length < 10) examples.push(row);
        err(`backfill: refused line ${row.line}${row.id === undefined ? '' : ` (id ${row.id})`}: ${row.message}`);
      },
      progress: (p) =>
        err(
          `backfill: ${p.rows} rows, ${p.stored} stored, ${p.labelled} labelled in ${(p.elapsedMs / 1000).toFixed(1)} s`,
        ),
      // With REDIS_URL the label counts behind false_positive_rate are shared too (a server counts its own at start).
      ...(labels
        ? {
            labelled: async (applied) => {
              await Promise.all(
                applied.map(({ record, label, at }) =>
                  labels.record(
                    {
                      id: record.id,
                      label,
                      probability: record.probability,
                      threshold: record.threshold,
                      blocked: record.shouldBlock,
                    },
                    at,
                  ),
                ),
              );
            },
          }
        : {}),
    });
    await model.scorer.dispose();
    const seconds = result.elapsedMs / 1000;
    const labelSeconds = result.labelMs / 1000;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    out(
      JSON.stringify({
        file: args.file,
        rows: result.rows,
        stored: result.stored,
        unchanged: result.unchanged,
        refused: result.refused,
        labelled: result.labelled,
        labels_unchanged: result.labelsUnchanged,
        first: iso(result.first),
        last: iso(result.last),
        seconds: Math.round(seconds * 10) / 10,
        rows_per_second: Math.round(result.rows / Math.max(seconds, 0.001)),
        label_seconds: Math.round(labelSeconds * 10) / 10,
        labels_per_second: Math.round((result.labelled + result.labelsUnchanged) / Math.max(labelSeconds, 0.001)),
        storage: storage.kind,
        history: shared ? `redis ${config.redis!.prefix}` : `memory (${restored} restored from storage)`,
        model_version: model.scorer.model.version,
        refused_examples: examples,
      }),
    );
    return EXIT.done;
  } finally {
    await shared?.close();
    await storage.close();
  }
}

async function deploy(
  args: Args,
  config: ServerConfig,
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<number> {
  if (!config.mlflow) throw new UsageError('MLFLOW_TRACKING_URI is not set: deploy follows the MLflow champion');
  const text =
    readFileSync(one(args, '--decision', true)!, 'utf8')
      .trim()
      .split('\n')
      .at(-1) ?? '';
  const decision = JSON.parse(text) as { decision?: string; error?: string; challenger?: { version: string } };
  const client = new MlflowClient({ trackingUri: config.mlflow.trackingUri });
  let champion: string | null;
  try {
    champion = (await client.getVersionByAlias(config.mlflow.modelName, 'champion')).version;
  } catch {
    champion = null;
  }
  const servers = args.flags.get('--server') ?? [];
  const reloaded: { server: string; status: number }[] = [];
  if (decision.decision === 'promoted' && servers.length > 0) {
    const key = env.OPS_API_KEY?.trim();
    if (!key) throw new UsageError('OPS_API_KEY (an admin key of the servers) is needed to reload them');
    for (const server of servers) {
      const res = await fetch(`${server.replace(/\/+$/, '')}/v1/models/reload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(60_000),
      });
      reloaded.push({ server, status: res.status });
      if (!res.ok)
        throw new Error(
          `${server} answered ${res.status} to POST /v1/models/reload: ${(await res.text()).slice(0, 300)}`,
        );
    }
  }
  out(
    JSON.stringify({
      decision: decision.decision ?? null,
      reason: decision.error ?? null,
      champion,
      reloaded,
      follow:
        servers.length === 0 ? 'servers follow the champion alias when they poll (MLFLOW_POLL_INTERVAL)' : 'reloaded',
    }),
  );
  return 0;
}

if (isMain(import.meta.url)) {
  process.exit(await run(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)));
}
