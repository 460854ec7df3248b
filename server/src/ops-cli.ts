// Operations from the command line, for the scheduled pipelines (models/dags: Airflow tasks call only these and the
// `fraudmodels` / lifecycle commands), evaluated on the server's storage (DATABASE_URL or DATA_DIR):
//   node server/dist/ops-cli.js export-labelled --since 90d|ISO [--until ISO] --out FILE.csv [--labelled-only]
//       the scored transactions of the window in the handbook CSV schema `fraudmodels train --data` reads; TX_FRAUD is
//       1 for those analysts labelled fraud (unlabelled ones count as legitimate, as in the handbook's data)
//   node server/dist/ops-cli.js training-set --data FILE.csv [--data FILE.csv]... --out FILE.csv [--min-days N]
//       the training set: handbook-schema files (the export, optionally a longer base history) merged in time order,
//       renumbered; fails (exit 1) when it spans fewer than N days (train --folds F needs 7 × (F + 2))
//   node server/dist/ops-cli.js drift-check [--window 1d] [--from ISO] [--until ISO] [--alertmanager URL]
//       a drift snapshot (the edge's DriftMonitor: PSI and normalised Wasserstein per feature and for the score,
//       against the active model's baseline) over the window ending now (default DRIFT_WINDOW), over --window ending
//       at --until, or over --from..--until (a past period); kept in the drift history (drift_snapshots, the
//       dashboard's drift view and alerts); every feature or score at level warn or alert is posted to Alertmanager
//       (POST URL/api/v2/alerts; severity warning or critical); insufficient_data is never an alert
//   node server/dist/ops-cli.js deploy --decision FILE [--server URL]...
//       after `lifecycle-cli.js promote` (its JSON line in FILE): reports the champion and, when the gate promoted,
//       asks each running server to follow it now (POST /v1/models/reload with the admin key in OPS_API_KEY);
//       servers not named follow the alias at their next MLFLOW_POLL_INTERVAL
//   node server/dist/ops-cli.js load-history [--replace]
//       with REDIS_URL: fills the shared feature history (and the label counts) from storage's retention window, for
//       the model's feature spec: once when moving a deployment to shared state, or after a model with another spec;
//       idempotent (transactions already there are kept); --replace deletes what is under REDIS_PREFIX first
// One JSON line on stdout. Exit codes: 0 done (drift is an outcome), 2 bad configuration or
// usage, 1 anything else (storage, MLflow or Alertmanager unreachable: the scheduler retries).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DriftMonitor,
  listAll,
  MemoryDriftHistory,
  namesAtLevel,
  SCORE,
  storedDriftRows,
  type DistributionDrift,
  type DriftLevel,
  type DriftSnapshot,
  type ScoredTransaction,
  type Storage,
} from '@fraudscore/edge';
import { directorySource, MemoryHistoryStore } from '@fraudscore/sdk';
import { CSV_COLUMNS } from '@fraudscore/simulator';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import { MlflowClient } from './mlflow/client.js';
import { MlflowLifecycle } from './mlflow/lifecycle.js';
import { loadModel, ModelManager, type ActiveModel } from './models/manager.js';
import { openConfiguredStorage } from './server.js';
import { RedisConnection, RedisHistory, RedisLabelStats } from './redis/index.js';

const USAGE = [
  'usage: ops-cli.js export-labelled --since DURATION|ISO [--until ISO] --out FILE.csv [--labelled-only]',
  '       ops-cli.js training-set --data FILE.csv [--data FILE.csv]... --out FILE.csv [--min-days N]',
  '       ops-cli.js drift-check [--window DURATION] [--from ISO] [--until ISO] [--alertmanager URL]',
  '       ops-cli.js deploy --decision FILE [--server URL]...',
  '       ops-cli.js load-history [--replace]',
].join('\n');

export class UsageError extends Error {}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "6h", "30d", "90m" → ms. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError(`expected a duration like 30m, 6h or 7d, got "${text}"`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** A duration before `now`, or an ISO 8601 instant → epoch ms. */
export function parseInstant(text: string, now: number): number {
  if (/^\d+[mhd]$/.test(text.trim())) return now - parseDuration(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`expected a duration (6h, 30d) or an ISO 8601 time, got "${text}"`);
  return ms;
}

/** The handbook's CSV columns, as the simulator writes them. */
export const HANDBOOK_COLUMNS = CSV_COLUMNS;

const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const pad = (n: number): string => String(n).padStart(2, '0');
const datetime = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

/**
 * Scored transactions as a handbook-schema CSV, in time order (ties by id): TRANSACTION_ID numbers them from 0 (the
 * schema wants integers; the server's ids are text), TX_TIME_SECONDS / TX_TIME_DAYS count from midnight UTC of the
 * first day, TX_FRAUD is 1 for an analyst's fraud label, TX_FRAUD_SCENARIO is 0 (unknown).
 */
export function toHandbookCsv(records: readonly ScoredTransaction[]): string {
  const sorted = [...records].sort(
    (a, b) => a.transaction.timestamp - b.transaction.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const lines = [HANDBOOK_COLUMNS.join(',')];
  const start = sorted.length > 0 ? Math.floor(sorted[0]!.transaction.timestamp / 86_400_000) * 86_400_000 : 0;
  sorted.forEach((r, i) => {
    const t = r.transaction;
    const seconds = Math.floor((t.timestamp - start) / 1000);
    lines.push(
      [
        String(i),
        datetime(t.timestamp),
        csvField(String(t.customerId)),
        csvField(String(t.terminalId)),
        String(t.amount),
        String(seconds),
        String(Math.floor(seconds / 86_400)),
        r.label?.label === 'fraud' ? '1' : '0',
        '0',
      ].join(','),
    );
  });
  return `${lines.join('\n')}\n`;
}

/** Splits one CSV line (RFC 4180 quotes). */
export function csvSplit(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** Handbook-schema CSV texts merged: rows in time order (stable), renumbered, times recomputed from the first day. */
export function mergeHandbookCsv(texts: readonly { name: string; text: string }[]): {
  csv: string;
  rows: number;
  frauds: number;
  days: number;
} {
  const rows: { ms: number; customer: string; terminal: string; amount: string; fraud: string; scenario: string }[] =
    [];
  for (const { name, text } of texts) {
    const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
    const header = csvSplit(lines[0] ?? '');
    const at = (col: string): number => {
      const i = header.indexOf(col);
      if (i < 0 && col !== 'TX_FRAUD_SCENARIO')
        throw new Error(`${name}: missing column ${col}; expected header ${HANDBOOK_COLUMNS.join(',')}`);
      return i;
    };
    const [dt, customer, terminal, amount, fraud, scenario] = [
      'TX_DATETIME',
      'CUSTOMER_ID',
      'TERMINAL_ID',
      'TX_AMOUNT',
      'TX_FRAUD',
      'TX_FRAUD_SCENARIO',
    ].map(at) as number[];
    lines.slice(1).forEach((line, i) => {
      const f = csvSplit(line);
      const ms = Date.parse(`${f[dt!]!.replace(' ', 'T')}Z`);
      if (Number.isNaN(ms))
        throw new Error(`${name} line ${i + 2}: TX_DATETIME "${f[dt!]}" is not YYYY-MM-DD HH:MM:SS`);
      rows.push({
        ms,
        customer: f[customer!]!,
        terminal: f[terminal!]!,
        amount: f[amount!]!,
        fraud: f[fraud!]!,
        scenario: scenario! >= 0 ? (f[scenario!] ?? '0') : '0',
      });
    });
  }
  rows.sort((a, b) => a.ms - b.ms);
  const start = rows.length > 0 ? Math.floor(rows[0]!.ms / 86_400_000) * 86_400_000 : 0;
  const lines = [HANDBOOK_COLUMNS.join(',')];
  rows.forEach((r, i) => {
    const seconds = Math.floor((r.ms - start) / 1000);
    lines.push(
      [
        String(i),
        datetime(r.ms),
        csvField(r.customer),
        csvField(r.terminal),
        r.amount,
        String(seconds),
        String(Math.floor(seconds / 86_400)),
        r.fraud,
        r.scenario,
      ].join(','),
    );
  });
  const days = rows.length > 0 ? Math.floor(rows.at(-1)!.ms / 86_400_000) - start / 86_400_000 + 1 : 0;
  return { csv: `${lines.join('\n')}\n`, rows: rows.length, frauds: rows.filter((r) => r.fraud === '1').length, days };
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

function parseArgs(argv: readonly string[], valued: readonly string[], switches: readonly string[]): Args {
  const [command = '', ...rest] = argv;
  const flags = new Map<string, string[]>();
  const on = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (switches.includes(arg)) on.add(arg);
    else if (valued.includes(arg) && rest[i + 1] !== undefined) flags.set(arg, [...(flags.get(arg) ?? []), rest[++i]!]);
    else throw new UsageError(`unknown or incomplete argument ${arg}`);
  }
  return { command, flags, switches: on };
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
): Promise<number> {
  let args: Args;
  let config: ServerConfig;
  try {
    const specs: Record<string, [string[], string[]]> = {
      'export-labelled': [['--since', '--until', '--out'], ['--labelled-only']],
      'training-set': [['--data', '--out', '--min-days'], []],
      'drift-check': [['--window', '--from', '--until', '--alertmanager'], []],
      deploy: [['--decision', '--server'], []],
      'load-history': [[], ['--replace']],
    };
    const spec = specs[argv[0] ?? ''];
    if (!spec) throw new UsageError(`unknown command ${argv[0] ?? '(none)'}`);
    args = parseArgs(argv, spec[0], spec[1]);
    config = await loadConfig(env);
  } catch (error) {
    if (error instanceof UsageError) {
      out(JSON.stringify({ error: `${error.message}\n${USAGE}` }));
      return 2;
    }
    if (error instanceof ConfigError) {
      out(JSON.stringify({ error: error.message }));
      return 2;
    }
    throw error;
  }
  try {
    switch (args.command) {
      case 'export-labelled':
        return await exportLabelled(args, config, out, now());
      case 'training-set':
        return trainingSet(args, out);
      case 'drift-check':
        return await driftCheck(args, config, out, now);
      case 'load-history':
        return await loadHistory(args, config, out, now());
      default:
        return await deploy(args, config, env, out);
    }
  } catch (error) {
    out(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    return error instanceof UsageError ? 2 : 1;
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

function trainingSet(args: Args, out: (line: string) => void): number {
  const inputs = args.flags.get('--data') ?? [];
  if (inputs.length === 0) throw new UsageError('training-set needs at least one --data FILE.csv');
  const file = one(args, '--out', true)!;
  const minDaysText = one(args, '--min-days') ?? '0';
  if (!/^\d+$/.test(minDaysText)) throw new UsageError(`--min-days: expected a whole number, got "${minDaysText}"`);
  const merged = mergeHandbookCsv(inputs.map((name) => ({ name, text: readFileSync(name, 'utf8') })));
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
  const windowText = one(args, '--window');
  const fromText = one(args, '--from');
  const untilText = one(args, '--until');
  if (windowText !== undefined && fromText !== undefined) throw new UsageError('give --window or --from, not both');
  const until = untilText === undefined ? now() : parseInstant(untilText, now());
  const from =
    fromText === undefined
      ? until - (windowText === undefined ? config.driftWindowMs : parseDuration(windowText))
      : parseInstant(fromText, now());
  if (!(from < until)) throw new UsageError('--from must be before --until');
  const alertmanager = one(args, '--alertmanager');
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit(await run(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)));
}
