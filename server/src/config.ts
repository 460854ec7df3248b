// Every setting of the Node host, from environment variables. Each bad value throws a ConfigError naming its variable;
// the CONFIG_TABLE below is the single documentation of the settings (server/README.md renders it).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKeyConfigError, DEFAULT_MIN_ROWS, parseApiKeys, parseOrigins, type HashedApiKey } from '@fraudscore/edge';
import {
  DEFAULT_MAX_AMOUNT,
  MAX_AMOUNT_CEILING,
  parseDuration,
  type InputLimits,
  type TimeWindow,
} from '@fraudscore/sdk';

/** The repository root: src/ and dist/ both sit two levels below it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_BUNDLE = join(REPO_ROOT, 'models', 'bundles', 'default');

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerConfig {
  port: number;
  host: string;
  /** An absolute directory path, or an http(s) URL of a bundle. */
  bundle: string;
  databaseUrl: string | undefined;
  /** Shared state (feature history, label counts, rate limits, change notifications); undefined: in process. */
  redis: { url: string; prefix: string } | undefined;
  /** Server processes sharing the port (node:cluster); more than 1 needs `redis` and `databaseUrl`. */
  workers: number;
  /** The embedded store's data directory (absolute); undefined: in memory. Ignored with DATABASE_URL. */
  dataDir: string | undefined;
  /** The embedded store runs on a worker thread of its own (default), off the thread that scores. */
  pgliteThread: boolean;
  /** The model registry; undefined: the server serves BUNDLE only. */
  mlflow: { trackingUri: string; modelName: string; pollIntervalMs: number } | undefined;
  /** Ed25519 public key that bundles must be signed with (hex or base64); undefined: hashes only. */
  bundlePublicKey: string | undefined;
  promotion: { apTolerance: number; windowMs: number; minLabels: number };
  /** Drift snapshots: how often, and over how long a window (ms). */
  driftIntervalMs: number;
  driftWindowMs: number;
  /** Fewest values a drift comparison needs for a level (fewer: insufficient_data). */
  driftMinRows: number;
  /** Hashed keys from API_KEYS; null when API_KEYS is absent (the server then generates one admin key). */
  apiKeys: HashedApiKey[] | null;
  /** Without API_KEYS: where the generated admin key is kept across restarts (absolute); undefined: in memory only. */
  apiKeyFile: string | undefined;
  corsOrigins: string[];
  /** Requests per minute per key; false when RATE_LIMIT_PER_MINUTE=0. */
  rateLimitPerMinute: number | false;
  openai: { apiKey: string | undefined; baseUrl: string | undefined; model: string };
  demo: boolean;
  demoRate: number;
  /** The streaming pipeline; brokers empty: the in-process log. */
  kafka: KafkaConfig;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  /** The input contract's limits for every entry point (HTTP, KServe, the stream). */
  limits: InputLimits & { timeWindow: TimeWindow };
}

export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  groupId: string;
  replicationFactor: number;
  instanceId: string | undefined;
  explain: 'alerts' | 'all';
  securityProtocol: KafkaSecurityProtocol;
  /** PEM contents, read at start (SSL, SASL_SSL). */
  tls: { ca?: string; cert?: string; key?: string; keyPassword?: string; serverName?: string | undefined } | undefined;
  /** SASL_PLAINTEXT, SASL_SSL. */
  sasl: { mechanism: (typeof SASL_MECHANISMS)[number]; username: string; password: string } | undefined;
  sessionTimeoutMs: number;
  transactionTimeoutMs: number;
}

/** One documented setting. */
export interface ConfigEntry {
  name: string;
  default: string;
  meaning: string;
}

export const CONFIG_TABLE: readonly ConfigEntry[] = [
  {
    name: 'PORT',
    default: '8000',
    meaning: 'TCP port to listen on; 0 picks any free port (the URL printed at start says which).',
  },
  {
    name: 'HOST',
    default: '127.0.0.1',
    meaning: 'Interface to listen on; `0.0.0.0` to accept connections from other machines.',
  },
  {
    name: 'BUNDLE',
    default: 'models/bundles/default',
    meaning:
      'Model bundle: a directory (relative to the working directory; the default is resolved from the repository root) or an http(s) URL.',
  },
  {
    name: 'DATABASE_URL',
    default: '(none: embedded store)',
    meaning: 'PostgreSQL connection URL; without it the server uses its embedded store.',
  },
  {
    name: 'REDIS_URL',
    default: '(none: state in the process)',
    meaning:
      'Redis 7+ or Valkey (`redis://[:password@]host:port[/db]`, `rediss://` for TLS) holding the state every replica, stream processor and worker shares: the online feature history, label counts, rate-limit buckets, and change notifications (threshold, drift baseline, model). Start-up then restores nothing from storage. Needed for more than one replica or `WORKERS` > 1.',
  },
  {
    name: 'REDIS_PREFIX',
    default: 'fraudscore:',
    meaning: 'Prefix of every key and channel the server uses in Redis (several deployments can share one Redis).',
  },
  {
    name: 'WORKERS',
    default: '1',
    meaning:
      'Server processes on this machine sharing the port (node:cluster), e.g. one per core; each runs the HTTP API and, with `KAFKA_BROKERS`, a stream processor in the same consumer group. More than 1 needs `REDIS_URL` and `DATABASE_URL`.',
  },
  {
    name: 'DATA_DIR',
    default: '(none: in memory)',
    meaning:
      'Directory of the embedded store (PGlite), created if missing, so scored transactions, labels and drift history survive restarts. Ignored with `DATABASE_URL`.',
  },
  {
    name: 'PGLITE_THREAD',
    default: 'on',
    meaning:
      'The embedded store (PGlite) runs on a worker thread of its own, so storing never holds up scoring; `off` runs it on the scoring thread (the behaviour before 0.2, for comparison). Ignored with `DATABASE_URL`.',
  },
  {
    name: 'DRIFT_INTERVAL',
    default: '1d',
    meaning: 'How often a drift snapshot is taken and kept: an integer with `m`, `h` or `d` (at least 1m).',
  },
  {
    name: 'DRIFT_WINDOW',
    default: '(DRIFT_INTERVAL)',
    meaning:
      'The window of transactions each snapshot (and `GET /v1/drift` without a window) compares with the baseline, same format. Calendar features (night, weekend) are compared over the window widened to whole days or weeks; shorter than a day, the other features see only part of the daily cycle.',
  },
  {
    name: 'DRIFT_MIN_ROWS',
    default: '1000',
    meaning:
      'Fewest values a drift comparison (a feature or the score in one window) needs for a level; fewer give `insufficient_data`, never an alarm.',
  },
  {
    name: 'MLFLOW_TRACKING_URI',
    default: '(none: serve BUNDLE only)',
    meaning:
      "MLflow tracking server (http://host:port). The server then follows the registered model's `champion` alias (hot swap) and serves `/mlflow/*`, `POST /v1/models/reload|promote|rollback`.",
  },
  {
    name: 'MLFLOW_MODEL_NAME',
    default: 'fraud-ensemble',
    meaning: 'Registered model the server follows and promotes.',
  },
  {
    name: 'MLFLOW_POLL_INTERVAL',
    default: '60s',
    meaning:
      'How often the server checks the champion alias: an integer with `s`, `m`, `h` or `d`; `0` checks only at start and on `POST /v1/models/reload`.',
  },
  {
    name: 'BUNDLE_PUBLIC_KEY',
    default: '(none: sha256 only)',
    meaning:
      'Ed25519 public key (hex or base64) every bundle must be signed with (`python -m fraudmodels keygen`); unsigned or badly signed bundles are refused.',
  },
  {
    name: 'PROMOTION_AP_TOLERANCE',
    default: '0.01',
    meaning: 'Promotion gate: how far Average Precision may fall (absolute); AUC ROC may not fall at all.',
  },
  {
    name: 'PROMOTION_WINDOW',
    default: '30d',
    meaning: 'Promotion gate: the labelled transactions of this last window are the evaluation set.',
  },
  {
    name: 'PROMOTION_MIN_LABELS',
    default: '100',
    meaning: 'Promotion gate: fewest labelled transactions (both labels present) to decide on.',
  },
  {
    name: 'API_KEYS',
    default: '(none: one admin key generated and printed at start)',
    meaning:
      'Comma-separated `key:scope+scope` entries; scopes `score`, `analyst`, `admin` (admin implies the others). Keys need at least 16 characters.',
  },
  {
    name: 'API_KEY_FILE',
    default: '(DATA_DIR/api-key with DATA_DIR; else none: a new key each start)',
    meaning:
      'Without `API_KEYS`: the file that keeps the generated admin key, so the printed key survives restarts (created once, mode 0600; delete it for a new key). `scripts/start.sh` uses `.fraudscore/api-key`.',
  },
  {
    name: 'CORS_ORIGINS',
    default: '(none)',
    meaning: 'Comma-separated origins (`scheme://host[:port]`) allowed to call the API from a browser.',
  },
  {
    name: 'RATE_LIMIT_PER_MINUTE',
    default: '600',
    meaning: 'Requests per minute per API key on /v1 (429 with Retry-After beyond); 0 disables the limit.',
  },
  {
    name: 'OPENAI_API_KEY',
    default: '(none)',
    meaning: 'Key for the explanation narratives; without it they use the deterministic template.',
  },
  { name: 'OPENAI_BASE_URL', default: '(OpenAI)', meaning: 'Base URL of any OpenAI-compatible server.' },
  { name: 'OPENAI_MODEL', default: 'gpt-4o-mini', meaning: 'Model for the explanation narratives.' },
  {
    name: 'DEMO',
    default: 'on',
    meaning: 'Built-in simulated transaction stream (`on`/`off`, also `1`/`0`, `true`/`false`, `yes`/`no`).',
  },
  { name: 'DEMO_RATE', default: '5', meaning: 'Demo transactions scored per second (0 < rate <= 1000).' },
  {
    name: 'KAFKA_BROKERS',
    default: '(none: in-process log)',
    meaning:
      'Comma-separated `host:port` bootstrap brokers of the streaming pipeline (topics created at start); without it the same processor runs on an in-process log.',
  },
  { name: 'KAFKA_CLIENT_ID', default: 'fraudscore', meaning: 'Kafka client id.' },
  {
    name: 'KAFKA_GROUP_ID',
    default: 'fraudscore-processor',
    meaning: 'Consumer group of the processors: those with the same group share the partitions of `transactions_raw`.',
  },
  {
    name: 'KAFKA_REPLICATION_FACTOR',
    default: '1',
    meaning: 'Replication factor of the topics the server creates (1 for a single broker; 3 in production).',
  },
  {
    name: 'STREAM_EXPLAIN',
    default: '`alerts` with KAFKA_BROKERS, else `all`',
    meaning:
      "Which streamed transactions get SHAP: `alerts` (HIGH and CRITICAL only: the throughput setting) or `all` (every one, so analysts can open any transaction's waterfall: the default of the in-process stream the demo feeds).",
  },
  {
    name: 'KAFKA_SECURITY_PROTOCOL',
    default: 'PLAINTEXT',
    meaning:
      "How the processor talks to the brokers, as Kafka names it: `PLAINTEXT`, `SSL` (TLS), `SASL_PLAINTEXT` or `SASL_SSL` (SASL over TLS: managed Kafka such as MSK, Confluent Cloud or Aiven, or a bank's secured cluster).",
  },
  {
    name: 'KAFKA_TLS_CA',
    default: "(Node's public CAs)",
    meaning:
      "PEM file of the CA certificates the brokers' certificates must chain to (`SSL`, `SASL_SSL`); unset for brokers with publicly trusted certificates.",
  },
  {
    name: 'KAFKA_TLS_CERT',
    default: '(none)',
    meaning:
      'PEM file of the client certificate, for brokers that require TLS client authentication (with `KAFKA_TLS_KEY`).',
  },
  { name: 'KAFKA_TLS_KEY', default: '(none)', meaning: "PEM file of the client certificate's private key." },
  {
    name: 'KAFKA_TLS_KEY_PASSWORD',
    default: '(none)',
    meaning: 'Passphrase of `KAFKA_TLS_KEY` when the key is encrypted.',
  },
  {
    name: 'KAFKA_TLS_SERVER_NAME',
    default: '(the host in KAFKA_BROKERS)',
    meaning:
      "Name the brokers' certificates must carry, sent as SNI: for brokers reached by an address their certificate does not name.",
  },
  {
    name: 'KAFKA_SASL_MECHANISM',
    default: '(none)',
    meaning: 'SASL mechanism (`SASL_PLAINTEXT`, `SASL_SSL`): `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`.',
  },
  { name: 'KAFKA_SASL_USERNAME', default: '(none)', meaning: 'SASL user name.' },
  { name: 'KAFKA_SASL_PASSWORD', default: '(none)', meaning: 'SASL password (never logged).' },
  {
    name: 'KAFKA_SESSION_TIMEOUT',
    default: '10s',
    meaning:
      "A processor not heard from for this long leaves its group and its partitions go to the others; when it comes back, its transaction is refused (fenced by the group generation). 6s to 30m, within the brokers' group session limits.",
  },
  {
    name: 'KAFKA_TRANSACTION_TIMEOUT',
    default: '15s',
    meaning:
      "The longest a processor's transaction may stay open: a processor that dies mid-batch holds back `read_committed` readers of the outputs for at most this long. 1s to 15m (the brokers' `transaction.max.timeout.ms`).",
  },
  {
    name: 'KAFKA_INSTANCE_ID',
    default: '(host name)',
    meaning:
      'Stable id of this processor, unique in its group and kept across restarts: its transactional id is `<KAFKA_GROUP_ID>-<KAFKA_INSTANCE_ID>`, so a restart fences its predecessor. With `WORKERS`, worker n adds `-w<n>`.',
  },
  {
    name: 'MAX_AMOUNT',
    default: String(DEFAULT_MAX_AMOUNT),
    meaning: `The largest transaction amount accepted (a number above 0, at most ${MAX_AMOUNT_CEILING}); larger ones are refused (422, or the DLQ) so a customer's window sums stay finite.`,
  },
  {
    name: 'TIMESTAMP_MAX_AGE',
    default: '30d',
    meaning:
      'How far before the server\'s clock a transaction\'s timestamp may be (`30m`, `6h`, `30d`; at least 1m, at most 365d). Back-fills opt out: `?backfill=true` on the scoring routes (admin scope), `"backfill": true` in a `transactions_raw` message (the replay command sets it).',
  },
  {
    name: 'TIMESTAMP_MAX_AHEAD',
    default: '15m',
    meaning:
      "How far after the server's clock a timestamp may be (clock skew of terminals): `0`, or a duration like `30s`, `15m`, `1h`.",
  },
  { name: 'LOG_LEVEL', default: 'info', meaning: `JSON log lines at this level and above: ${LOG_LEVELS.join(', ')}.` },
  {
    name: 'SHUTDOWN_TIMEOUT_MS',
    default: '10000',
    meaning: 'On SIGINT/SIGTERM, how long in-flight requests may take before their connections are closed.',
  },
];

/** A bad setting; `variable` names the environment variable. Messages never quote secrets. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The variable's trimmed value; undefined when unset or blank. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = read(env, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new ConfigError(name, `expected an integer from ${min} to ${max}, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) throw new ConfigError(name, `expected an integer from ${min} to ${max}, got ${text}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const text = read(env, name)?.toLowerCase();
  if (text === undefined) return fallback;
  if (['1', 'true', 'on', 'yes'].includes(text)) return true;
  if (['0', 'false', 'off', 'no'].includes(text)) return false;
  throw new ConfigError(name, `expected on/off (1/0, true/false, yes/no), got "${text}"`);
}

function httpUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(name, 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(name, `expected an http(s) URL, got a ${url.protocol} URL`);
  return url.href;
}

function bundle(env: Env, cwd: string): string {
  const text = read(env, 'BUNDLE');
  if (text === undefined) return checkBundleDirectory(DEFAULT_BUNDLE);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    if (text.toLowerCase().startsWith('file://')) return checkBundleDirectory(fileURLToPath(text));
    return httpUrl('BUNDLE', text);
  }
  return checkBundleDirectory(resolve(cwd, text));
}

function checkBundleDirectory(directory: string): string {
  if (!existsSync(directory) || !statSync(directory).isDirectory())
    throw new ConfigError('BUNDLE', `no bundle directory at ${directory}`);
  if (!existsSync(join(directory, 'manifest.json')))
    throw new ConfigError('BUNDLE', `${directory} has no manifest.json (not a model bundle)`);
  return directory;
}

function redis(env: Env): ServerConfig['redis'] {
  const text = read(env, 'REDIS_URL');
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError('REDIS_URL', 'not a valid URL (expected redis://[:password@]host:port[/db])');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new ConfigError('REDIS_URL', `expected a redis:// or rediss:// URL, got a ${url.protocol} URL`);
  const prefix = read(env, 'REDIS_PREFIX') ?? 'fraudscore:';
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(prefix))
    throw new ConfigError(
      'REDIS_PREFIX',
      `expected 1-64 letters, digits, '.', '_', ':' or '-', got "${prefix.slice(0, 40)}"`,
    );
  return { url: text, prefix };
}

/** WORKERS, allowed above 1 only with the state shared: each worker is its own process. */
function workers(env: Env, shared: { redis: boolean; database: boolean }): number {
  const count = integer(env, 'WORKERS', 1, 1, 64);
  const missing = [...(shared.redis ? [] : ['REDIS_URL']), ...(shared.database ? [] : ['DATABASE_URL'])];
  if (count > 1 && missing.length > 0) {
    throw new ConfigError(
      'WORKERS',
      `WORKERS=${count} runs ${count} processes that must share their state: set REDIS_URL (feature history, label counts, rate limits, changes) and DATABASE_URL (PostgreSQL storage); missing ${missing.join(' and ')}`,
    );
  }
  return count;
}

function databaseUrl(env: Env): string | undefined {
  const text = read(env, 'DATABASE_URL');
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Never echo the value: it usually carries a password.
    throw new ConfigError('DATABASE_URL', 'not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new ConfigError('DATABASE_URL', `expected a postgres:// or postgresql:// URL, got a ${url.protocol} URL`);
  return text;
}

/** `<integer><s|m|h|d>` from `minMs` (default 1 minute) to 365 days; `allowZero`: also `0`. */
function duration(
  env: Env,
  name: string,
  fallback: string,
  { minMs = 60_000, allowZero = false }: { minMs?: number; allowZero?: boolean } = {},
): number {
  const text = read(env, name) ?? fallback;
  if (allowZero && text === '0') return 0;
  const ms = parseDuration(text) ?? NaN;
  if (!(ms >= minMs && ms <= 365 * 86_400_000)) {
    throw new ConfigError(
      name,
      `expected a duration like ${minMs < 60_000 ? '30s, ' : ''}30m, 6h or 1d (at least ${minMs / 1000}s, at most 365d${allowZero ? ', or 0' : ''}), got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return ms;
}

function mlflow(env: Env): ServerConfig['mlflow'] {
  const uri = read(env, 'MLFLOW_TRACKING_URI');
  if (uri === undefined) return undefined;
  return {
    trackingUri: httpUrl('MLFLOW_TRACKING_URI', uri),
    modelName: read(env, 'MLFLOW_MODEL_NAME') ?? 'fraud-ensemble',
    pollIntervalMs: duration(env, 'MLFLOW_POLL_INTERVAL', '60s', { minMs: 1_000, allowZero: true }),
  };
}

function fraction(env: Env, name: string, fallback: number): number {
  const text = read(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || !(value >= 0 && value < 1))
    throw new ConfigError(name, `expected a number from 0 (inclusive) to 1, got ${JSON.stringify(text.slice(0, 40))}`);
  return value;
}

function dataDir(env: Env, cwd: string): string | undefined {
  const text = read(env, 'DATA_DIR');
  return text === undefined ? undefined : resolve(cwd, text);
}

function apiKeyFile(env: Env, cwd: string): string | undefined {
  if (read(env, 'API_KEYS') !== undefined) return undefined;
  const text = read(env, 'API_KEY_FILE');
  if (text !== undefined) return resolve(cwd, text);
  const data = dataDir(env, cwd);
  return data === undefined ? undefined : join(data, 'api-key');
}

async function apiKeys(env: Env): Promise<HashedApiKey[] | null> {
  const text = read(env, 'API_KEYS');
  if (text === undefined) return null;
  let keys: HashedApiKey[];
  try {
    keys = await parseApiKeys(text);
  } catch (error) {
    // parseApiKeys' messages start with "API_KEYS entry n" and never quote a key.
    if (error instanceof ApiKeyConfigError) throw new ConfigError('API_KEYS', error.message.replace(/^API_KEYS /, ''));
    throw error;
  }
  if (keys.length === 0)
    throw new ConfigError('API_KEYS', 'set but holds no entries; unset it to have a key generated');
  return keys;
}

function origins(env: Env): string[] {
  const text = read(env, 'CORS_ORIGINS');
  if (text === undefined) return [];
  try {
    return parseOrigins(text);
  } catch (error) {
    throw new ConfigError('CORS_ORIGINS', (error as Error).message);
  }
}

function demoRate(env: Env): number {
  const text = read(env, 'DEMO_RATE');
  if (text === undefined) return 5;
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || !(value > 0 && value <= 1000))
    throw new ConfigError('DEMO_RATE', `expected transactions per second, a number > 0 and <= 1000, got "${text}"`);
  return value;
}

/** A PEM file's contents (read at start, so a wrong path fails at once, naming the variable). */
function pemFile(env: Env, name: string): string | undefined {
  const path = read(env, name);
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(name, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text)) throw new ConfigError(name, `${path} is not a PEM file`);
  return text;
}

function certificate(env: Env, name: string): string | undefined {
  const pem = pemFile(env, name);
  if (pem === undefined) return undefined;
  try {
    new X509Certificate(pem);
  } catch (error) {
    throw new ConfigError(name, `${read(env, name)} holds no valid PEM certificate (${(error as Error).message})`);
  }
  return pem;
}

function kafkaTls(env: Env, protocol: KafkaSecurityProtocol): KafkaConfig['tls'] {
  const names = ['KAFKA_TLS_CA', 'KAFKA_TLS_CERT', 'KAFKA_TLS_KEY', 'KAFKA_TLS_KEY_PASSWORD', 'KAFKA_TLS_SERVER_NAME'];
  if (protocol !== 'SSL' && protocol !== 'SASL_SSL') {
    const set = names.find((n) => read(env, n) !== undefined);
    if (set)
      throw new ConfigError(
        set,
        `is set, but KAFKA_SECURITY_PROTOCOL is ${protocol}: TLS settings need SSL or SASL_SSL`,
      );
    return undefined;
  }
  const ca = certificate(env, 'KAFKA_TLS_CA');
  const cert = certificate(env, 'KAFKA_TLS_CERT');
  const key = pemFile(env, 'KAFKA_TLS_KEY');
  const keyPassword = read(env, 'KAFKA_TLS_KEY_PASSWORD');
  if ((cert === undefined) !== (key === undefined))
    throw new ConfigError(
      cert === undefined ? 'KAFKA_TLS_CERT' : 'KAFKA_TLS_KEY',
      'KAFKA_TLS_CERT and KAFKA_TLS_KEY go together',
    );
  if (cert !== undefined && key !== undefined) {
    let privateKey;
    try {
      privateKey = createPrivateKey({ key, ...(keyPassword !== undefined ? { passphrase: keyPassword } : {}) });
    } catch (error) {
      const encrypted = /ENCRYPTED/.test(key);
      throw new ConfigError(
        encrypted ? 'KAFKA_TLS_KEY_PASSWORD' : 'KAFKA_TLS_KEY',
        encrypted
          ? `cannot decrypt KAFKA_TLS_KEY (${read(env, 'KAFKA_TLS_KEY')}): wrong or missing passphrase`
          : `${read(env, 'KAFKA_TLS_KEY')} holds no valid private key (${(error as Error).message})`,
      );
    }
    if (!new X509Certificate(cert).checkPrivateKey(privateKey))
      throw new ConfigError('KAFKA_TLS_KEY', `${read(env, 'KAFKA_TLS_KEY')} is not the key of KAFKA_TLS_CERT`);
  }
  const serverName = read(env, 'KAFKA_TLS_SERVER_NAME');
  if (serverName !== undefined && !/^[A-Za-z0-9.-]{1,253}$/.test(serverName))
    throw new ConfigError('KAFKA_TLS_SERVER_NAME', `expected a host name, got "${serverName.slice(0, 40)}"`);
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(keyPassword !== undefined ? { keyPassword } : {}),
    ...(serverName !== undefined ? { serverName } : {}),
  };
}

function kafkaSasl(env: Env, protocol: KafkaSecurityProtocol): KafkaConfig['sasl'] {
  const names = ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'];
  if (protocol !== 'SASL_PLAINTEXT' && protocol !== 'SASL_SSL') {
    const set = names.find((n) => read(env, n) !== undefined);
    if (set)
      throw new ConfigError(
        set,
        `is set, but KAFKA_SECURITY_PROTOCOL is ${protocol}: SASL settings need SASL_PLAINTEXT or SASL_SSL`,
      );
    return undefined;
  }
  const mechanism = read(env, 'KAFKA_SASL_MECHANISM')?.toUpperCase();
  if (mechanism === undefined || !(SASL_MECHANISMS as readonly string[]).includes(mechanism))
    throw new ConfigError(
      'KAFKA_SASL_MECHANISM',
      `expected ${SASL_MECHANISMS.join(', ')} with KAFKA_SECURITY_PROTOCOL=${protocol}, got ${mechanism === undefined ? 'nothing' : `"${mechanism.slice(0, 40)}"`}`,
    );
  const username = read(env, 'KAFKA_SASL_USERNAME');
  if (username === undefined)
    throw new ConfigError('KAFKA_SASL_USERNAME', `required with KAFKA_SECURITY_PROTOCOL=${protocol}`);
  // The password is taken as it is (not trimmed) and never echoed.
  const password = env.KAFKA_SASL_PASSWORD;
  if (password === undefined || password === '')
    throw new ConfigError('KAFKA_SASL_PASSWORD', `required with KAFKA_SECURITY_PROTOCOL=${protocol}`);
  return { mechanism: mechanism as (typeof SASL_MECHANISMS)[number], username, password };
}

/** `<integer>s` or `<integer>m` within [minMs, maxMs]. */
function timeout(env: Env, name: string, fallback: string, minMs: number, maxMs: number): number {
  const text = read(env, name) ?? fallback;
  const ms = parseDuration(text, ['ms', 's', 'm']) ?? NaN;
  if (!(ms >= minMs && ms <= maxMs))
    throw new ConfigError(
      name,
      `expected a duration from ${minMs / 1000}s to ${maxMs / 60_000}m (like 10s or 2m), got ${JSON.stringify(text.slice(0, 40))}`,
    );
  return ms;
}

/** The streaming pipeline's settings (the server, the stand-alone worker and the replay command). */
export function loadKafkaConfig(env: Env = process.env): KafkaConfig {
  const brokers = (read(env, 'KAFKA_BROKERS') ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const broker of brokers)
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker))
      throw new ConfigError('KAFKA_BROKERS', `expected comma-separated host:port entries, got "${broker}"`);
  const name = (variable: string, fallback: string | undefined): string | undefined => {
    const text = read(env, variable) ?? fallback;
    if (text !== undefined && !/^[A-Za-z0-9._-]{1,200}$/.test(text))
      throw new ConfigError(variable, `expected letters, digits, '.', '_' or '-', got "${text.slice(0, 40)}"`);
    return text;
  };
  const protocol = (read(env, 'KAFKA_SECURITY_PROTOCOL') ?? 'PLAINTEXT').toUpperCase();
  if (!(KAFKA_SECURITY_PROTOCOLS as readonly string[]).includes(protocol))
    throw new ConfigError(
      'KAFKA_SECURITY_PROTOCOL',
      `expected ${KAFKA_SECURITY_PROTOCOLS.join(', ')}, got "${protocol.slice(0, 40)}"`,
    );
  const securityProtocol = protocol as KafkaSecurityProtocol;
  return {
    brokers,
    clientId: name('KAFKA_CLIENT_ID', 'fraudscore')!,
    groupId: name('KAFKA_GROUP_ID', 'fraudscore-processor')!,
    replicationFactor: integer(env, 'KAFKA_REPLICATION_FACTOR', 1, 1, 32),
    instanceId: name('KAFKA_INSTANCE_ID', undefined),
    explain: streamExplain(env, brokers.length > 0 ? 'alerts' : 'all'),
    securityProtocol,
    tls: kafkaTls(env, securityProtocol),
    sasl: kafkaSasl(env, securityProtocol),
    sessionTimeoutMs: timeout(env, 'KAFKA_SESSION_TIMEOUT', '10s', 6000, 30 * 60_000),
    transactionTimeoutMs: timeout(env, 'KAFKA_TRANSACTION_TIMEOUT', '15s', 1000, 15 * 60_000),
  };
}

function streamExplain(env: Env, fallback: 'alerts' | 'all'): 'alerts' | 'all' {
  const text = read(env, 'STREAM_EXPLAIN') ?? fallback;
  if (text !== 'alerts' && text !== 'all')
    throw new ConfigError('STREAM_EXPLAIN', `expected alerts or all, got "${text.slice(0, 40)}"`);
  return text;
}

function maxAmount(env: Env): number {
  const text = read(env, 'MAX_AMOUNT');
  if (text === undefined) return DEFAULT_MAX_AMOUNT;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0 && value <= MAX_AMOUNT_CEILING)) {
    throw new ConfigError(
      'MAX_AMOUNT',
      `expected a number above 0 and at most ${MAX_AMOUNT_CEILING} (plain digits, like 1000000000), got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return value;
}

function logLevel(env: Env): LogLevel {
  const text = read(env, 'LOG_LEVEL')?.toLowerCase();
  if (text === undefined) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(text))
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${text}"`);
  return text as LogLevel;
}

function host(env: Env): string {
  const text = read(env, 'HOST');
  if (text === undefined) return '127.0.0.1';
  if (/[\s/]/.test(text)) throw new ConfigError('HOST', `expected a host name or IP address, got "${text}"`);
  return text;
}

export interface LoadConfigOptions {
  /** Relative BUNDLE paths resolve against this (default process.cwd()). */
  cwd?: string;
}

/** Reads and validates every setting; throws ConfigError (naming the variable) on the first bad one. */
export async function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): Promise<ServerConfig> {
  const port = integer(env, 'PORT', 8000, 0, 65535);
  const rate = integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000);
  const openaiBase = read(env, 'OPENAI_BASE_URL');
  const database = databaseUrl(env);
  const shared = redis(env);
  return {
    port,
    host: host(env),
    bundle: bundle(env, options.cwd ?? process.cwd()),
    databaseUrl: database,
    redis: shared,
    workers: workers(env, { redis: shared !== undefined, database: database !== undefined }),
    dataDir: dataDir(env, options.cwd ?? process.cwd()),
    pgliteThread: boolean(env, 'PGLITE_THREAD', true),
    mlflow: mlflow(env),
    bundlePublicKey: read(env, 'BUNDLE_PUBLIC_KEY'),
    promotion: {
      apTolerance: fraction(env, 'PROMOTION_AP_TOLERANCE', 0.01),
      windowMs: duration(env, 'PROMOTION_WINDOW', '30d'),
      minLabels: integer(env, 'PROMOTION_MIN_LABELS', 100, 2, 10_000_000),
    },
    driftIntervalMs: duration(env, 'DRIFT_INTERVAL', '1d'),
    driftWindowMs: duration(env, 'DRIFT_WINDOW', read(env, 'DRIFT_INTERVAL') ?? '1d'),
    driftMinRows: integer(env, 'DRIFT_MIN_ROWS', DEFAULT_MIN_ROWS, 1, 100_000_000),
    apiKeys: await apiKeys(env),
    apiKeyFile: apiKeyFile(env, options.cwd ?? process.cwd()),
    corsOrigins: origins(env),
    rateLimitPerMinute: rate === 0 ? false : rate,
    openai: {
      apiKey: read(env, 'OPENAI_API_KEY'),
      baseUrl: openaiBase === undefined ? undefined : httpUrl('OPENAI_BASE_URL', openaiBase),
      model: read(env, 'OPENAI_MODEL') ?? 'gpt-4o-mini',
    },
    demo: boolean(env, 'DEMO', true),
    demoRate: demoRate(env),
    kafka: loadKafkaConfig(env),
    logLevel: logLevel(env),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    limits: {
      maxAmount: maxAmount(env),
      timeWindow: {
        pastMs: duration(env, 'TIMESTAMP_MAX_AGE', '30d'),
        futureMs: duration(env, 'TIMESTAMP_MAX_AHEAD', '15m', { minMs: 1_000, allowZero: true }),
      },
    },
  };
}

/** The configuration table as Markdown (server/README.md). */
export function configTableMarkdown(): string {
  const rows = CONFIG_TABLE.map((e) => `| \`${e.name}\` | ${e.default} | ${e.meaning} |`);
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
