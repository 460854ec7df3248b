#!/usr/bin/env node
// fraudscore-ops: operations from the command line, for the scheduled pipelines (models/dags: Airflow tasks call only
// these and the `fraudmodels` / fraudscore-lifecycle commands), evaluated on the server's storage (DATABASE_URL or
// DATA_DIR). The commands and their options are in HELP below (`fraudscore-ops --help`); one JSON line on stdout;
// exit codes as every tool's (./command.ts): 0 done (drift above the threshold is an outcome), 2 bad configuration
// or usage, 1 anything else (storage, MLflow or Alertmanager unreachable: the scheduler retries).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DriftMonitor,
  listAll,
  MemoryDriftHistory,
  storedDriftRows,
  type DriftSnapshot,
  type ScoredTransaction,
  type Storage,
} from '@fraudscore/edge';
import { directorySource, MemoryHistoryStore, parseDuration } from '@fraudscore/sdk';
import { CSV_COLUMNS, formatCsvLine, readCsvRecords } from '@fraudscore/simulator';
import { ConfigError, loadConfig, type ServerConfig } from '../config.js';
import { MlflowClient } from '../mlflow/client.js';
import { MlflowLifecycle } from '../mlflow/lifecycle.js';
import { loadModel, ModelManager, type ActiveModel } from '../models/manager.js';
import { openConfiguredStorage } from '../server.js';
import { RedisConnection, RedisHistory, RedisLabelStats } from '../redis/index.js';
import { EXIT, isMain, isParseArgsError, UsageError } from './command.js';

export { UsageError } from './command.js';

const USAGE = [
  'usage: fraudscore-ops export-labelled --since DURATION|ISO [--until ISO] --out FILE.csv [--labelled-only]',
  '       fraudscore-ops training-set --data FILE.csv [--data FILE.csv]... --out FILE.csv [--min-days N]',
  '       fraudscore-ops drift-check --window DURATION [--alertmanager URL] [--threshold PSI]',
  '       fraudscore-ops deploy --decision FILE [--server URL]...',
  '       fraudscore-ops load-history [--replace]',
  '       fraudscore-ops [COMMAND] --help',
].join('\n');

export const HELP = `${USAGE}

Evaluated on the server's storage (DATABASE_URL or DATA_DIR) with the server's settings; one JSON line on stdout.
Exit codes: 0 done (drift above the threshold is an outcome), 2 bad usage or configuration, 1 anything else
(storage, MLflow or Alertmanager unreachable: a scheduler retries).

export-labelled  the scored transactions of the window in the handbook CSV schema \`fraudmodels train --data\` reads;
                 TX_FRAUD is 1 for those analysts labelled fraud (unlabelled ones count as legitimate, as in the
                 handbook's data). --since/--until: a duration before now (90d) or an ISO 8601 time.
training-set     the training set: handbook-schema files (the export, optionally a longer base history) merged in
                 time order, renumbered; fails (exit 1) when it spans fewer than --min-days days (train --folds F
                 needs 7 x (F + 2)).
drift-check      a drift snapshot over the window (per feature and for the score, against the active model's
                 baseline), kept in the drift history; when a PSI exceeds --threshold (default 0.3), alerts are
                 posted to Alertmanager (POST URL/api/v2/alerts).
deploy           after \`fraudscore-lifecycle promote\` (its JSON line in --decision FILE): reports the champion and,
                 when the gate promoted, asks each --server to follow it now (POST /v1/models/reload with the admin
                 key in OPS_API_KEY); servers not named follow the alias at their next MLFLOW_POLL_INTERVAL.
load-history     with REDIS_URL: fills the shared feature history (and the label counts) from storage's retention
                 window, for the model's feature spec; idempotent; --replace deletes what is under REDIS_PREFIX first.`;

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
}

/**
 * Rows as a handbook-schema CSV in the order given: TRANSACTION_ID numbers them from 0, TX_TIME_SECONDS /
 * TX_TIME_DAYS count from midnight UTC of the first row's day.
 */
function handbookCsv(rows: readonly HandbookRow[]): string {
  const start = rows.length > 0 ? Math.floor(rows[0]!.ms / 86_400_000) * 86_400_000 : 0;
  const lines = [formatCsvLine(HANDBOOK_COLUMNS)];
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
      ]),
    );
  });
  return `${lines.join('\n')}\n`;
}

/**
 * Scored transactions as a handbook-schema CSV, in time order (ties by id): TRANSACTION_ID numbers them from 0 (the
 * schema wants integers; the server's ids are text), TX_TIME_SECONDS / TX_TIME_DAYS count from midnight UTC of the
 * first day, TX_FRAUD is 1 for an analyst's fraud label, TX_FRAUD_SCENARIO is 0 (unknown).
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
    })),
  );
}

/** Handbook-schema CSV files merged: rows in time order (stable), renumbered, times recomputed from the first day. */
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

/** One Alertmanager alert per feature and for the score whose PSI is above the threshold (none when all are below). */
export function driftAlerts(
  snapshot: DriftSnapshot,
  threshold: number,
  validForMs = 6 * 3_600_000,
): AlertmanagerAlert[] {
  const startsAt = snapshot.computedAt;
  const endsAt = new Date(Date.parse(snapshot.computedAt) + validForMs).toISOString();
  const base = {
    alertname: 'DriftAlert',
    severity: 'warning',
    service: 'fraudscore',
    source: 'forte_drift_monitoring',
    model_version: snapshot.baseline.modelVersion,
  };
  const window = `${snapshot.window.from} – ${snapshot.window.to}`;
  const alerts: AlertmanagerAlert[] = [];
  for (const [feature, drift] of Object.entries(snapshot.features)) {
    if (drift.psi !== null && drift.psi > threshold) {
      alerts.push({
        labels: { ...base, feature },
        annotations: {
          summary: `Feature ${feature} drift (PSI) is ${drift.psi.toFixed(3)} (above ${threshold})`,
          description: `${drift.count} scored transactions in ${window}`,
        },
        startsAt,
        endsAt,
      });
    }
  }
  if (snapshot.score.psi !== null && snapshot.score.psi > threshold) {
    alerts.push({
      labels: { ...base, feature: 'score' },
      annotations: {
        summary: `Score drift (PSI) is ${snapshot.score.psi.toFixed(3)} (above ${threshold})`,
        description: `${snapshot.rows} scored transactions in ${window}`,
      },
      startsAt,
      endsAt,
    });
  }
  return alerts;
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
  const history = (spec: ConstructorParameters<typeof MemoryHistoryStore>[0]) => new MemoryHistoryStore(spec);
  const source = /^https?:\/\//i.test(config.bundle) ? config.bundle : directorySource(config.bundle);
  const initial = await loadModel(
    source,
    { kind: 'bundle', location: config.bundle },
    { history, publicKey: config.bundlePublicKey },
  );
  if (!config.mlflow) return { model: initial };
  const manager = new ModelManager(initial, {
    history: initial.scorer.history as MemoryHistoryStore,
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
  'drift-check': { window: text, alertmanager: text, threshold: text },
  deploy: { decision: text, server: many },
  'load-history': { replace: flag },
} as const;

/** The command and its options; undefined when help was asked for. */
function parseCommandLine(argv: readonly string[]): Args | undefined {
  const [command = '', ...rest] = argv;
  if (command === '--help' || command === '-h') return undefined;
  if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command ${command || '(none)'}`);
  const options = { ...COMMANDS[command as keyof typeof COMMANDS], help: { type: 'boolean', short: 'h' } } as const;
  const { values } = parseArgs({ args: [...rest], options, strict: true, allowPositionals: false });
  if (values.help) return undefined;
  const flags = new Map<string, string[]>();
  const switches = new Set<string>();
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'boolean') {
      if (value) switches.add(`--${name}`);
    } else if (value !== undefined) flags.set(`--${name}`, Array.isArray(value) ? value : [value]);
  }
  return { command, flags, switches };
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
        return await driftCheck(args, config, out, now);
      case 'load-history':
        return await loadHistory(args, config, out, now());
      default:
        return await deploy(args, config, env, out);
    }
  } catch (error) {
    out(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    return error instanceof UsageError ? EXIT.usage : EXIT.failed;
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
  out: (line: string) => void,
  now: () => number,
): Promise<number> {
  const windowMs = durationArgument(one(args, '--window', true)!);
  const thresholdText = one(args, '--threshold') ?? '0.3';
  const threshold = Number(thresholdText);
  if (!Number.isFinite(threshold) || threshold <= 0)
    throw new UsageError(`--threshold: expected a positive number, got "${thresholdText}"`);
  const alertmanager = one(args, '--alertmanager');
  const storage = await openConfiguredStorage(config);
  try {
    const { model, note } = await activeModel(config, storage.storage);
    const features = model.scorer.model.features;
    const monitor = new DriftMonitor({
      model: () => ({ version: model.scorer.model.version, features, reference: model.reference }),
      rows: storedDriftRows(storage.storage, () => features),
      history: storage.driftHistory ?? new MemoryDriftHistory(),
      clock: now,
    });
    await monitor.restore();
    const snapshot = await monitor.check(windowMs);
    const alerts = driftAlerts(snapshot, threshold);
    if (alerts.length > 0 && alertmanager) await postAlerts(alertmanager, alerts);
    await model.scorer.dispose();
    out(
      JSON.stringify({
        level: snapshot.level,
        rows: snapshot.rows,
        window: snapshot.window,
        model_version: snapshot.baseline.modelVersion,
        baseline: snapshot.baseline.source,
        score_psi: snapshot.score.psi,
        features: Object.fromEntries(Object.entries(snapshot.features).map(([k, v]) => [k, v.psi])),
        threshold,
        alerts: alerts.map((a) => a.labels.feature),
        alerted: alerts.length > 0 && alertmanager !== undefined,
        kept: storage.driftHistory !== undefined,
        ...(note ? { model: note } : {}),
      }),
    );
    return 0;
  } finally {
    await storage.close();
  }
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
      const flags = await history.addMany(
        chunk.map((r) => ({ ...r.transaction, label: r.label ? (r.label.label === 'fraud' ? 1 : 0) : null })),
        { replace: true },
      );
      added += flags.filter(Boolean).length;
      // Already there: labels set since are brought up to date (the commands of a chunk go in one pipeline).
      await Promise.all(
        chunk.flatMap((r, k) =>
          !flags[k] && r.label ? [history.setLabel(r.id, r.label.label === 'fraud' ? 1 : 0)] : [],
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
