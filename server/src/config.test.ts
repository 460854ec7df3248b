import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIG_TABLE,
  ConfigError,
  DEFAULT_BUNDLE,
  configTableMarkdown,
  loadConfig,
  loadKafkaConfig,
} from './config.js';

const KEY = 'k'.repeat(20);

async function failure(env: Record<string, string>): Promise<ConfigError> {
  try {
    await loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(Object.keys(env))}`);
}

describe('loadConfig', () => {
  it('has defaults for everything', async () => {
    const config = await loadConfig({});
    expect(config).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      bundle: DEFAULT_BUNDLE,
      databaseUrl: undefined,
      apiKeys: null,
      corsOrigins: [],
      rateLimitPerMinute: 600,
      openai: { apiKey: undefined, baseUrl: undefined, model: 'gpt-4o-mini' },
      demo: true,
      demoRate: 5,
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
      limits: { maxAmount: 1e9, timeWindow: { pastMs: 30 * 86_400_000, futureMs: 15 * 60_000 } },
    });
  });

  it('keeps the generated key in API_KEY_FILE, or in DATA_DIR/api-key, unless API_KEYS is set', async () => {
    const cwd = '/srv/fraudscore';
    expect((await loadConfig({}, { cwd })).apiKeyFile).toBeUndefined();
    expect((await loadConfig({ DATA_DIR: 'data' }, { cwd })).apiKeyFile).toBe('/srv/fraudscore/data/api-key');
    expect((await loadConfig({ API_KEY_FILE: '.fraudscore/api-key', DATA_DIR: 'data' }, { cwd })).apiKeyFile).toBe(
      '/srv/fraudscore/.fraudscore/api-key',
    );
    expect((await loadConfig({ API_KEYS: `${KEY}:admin`, API_KEY_FILE: 'k', DATA_DIR: 'd' }, { cwd })).apiKeyFile).toBe(
      undefined,
    );
  });

  it('reads the input limits and refuses impossible ones', async () => {
    const config = await loadConfig({ MAX_AMOUNT: '250000.50', TIMESTAMP_MAX_AGE: '7d', TIMESTAMP_MAX_AHEAD: '0' });
    expect(config.limits).toEqual({ maxAmount: 250000.5, timeWindow: { pastMs: 7 * 86_400_000, futureMs: 0 } });
    expect((await failure({ MAX_AMOUNT: '1e308' })).variable).toBe('MAX_AMOUNT');
    expect((await failure({ MAX_AMOUNT: '0' })).variable).toBe('MAX_AMOUNT');
    expect((await failure({ TIMESTAMP_MAX_AGE: '0' })).variable).toBe('TIMESTAMP_MAX_AGE');
    expect((await failure({ TIMESTAMP_MAX_AHEAD: 'soon' })).variable).toBe('TIMESTAMP_MAX_AHEAD');
  });

  it('reads every setting', async () => {
    const config = await loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      BUNDLE: DEFAULT_BUNDLE,
      DATABASE_URL: 'postgres://u:p@localhost:5432/db',
      API_KEYS: `${KEY}:score,${'a'.repeat(20)}:analyst+score`,
      CORS_ORIGINS: 'https://bank.example, http://localhost:5173',
      RATE_LIMIT_PER_MINUTE: '0',
      OPENAI_API_KEY: 'sk-x',
      OPENAI_BASE_URL: 'http://localhost:11434/v1',
      OPENAI_MODEL: 'llama3',
      DEMO: 'off',
      DEMO_RATE: '2.5',
      LOG_LEVEL: 'WARN',
      SHUTDOWN_TIMEOUT_MS: '500',
    });
    expect(config.port).toBe(0);
    expect(config.host).toBe('0.0.0.0');
    expect(config.databaseUrl).toBe('postgres://u:p@localhost:5432/db');
    expect(config.apiKeys?.map((k) => k.scopes)).toEqual([['score'], ['score', 'analyst']]);
    expect(config.corsOrigins).toEqual(['https://bank.example', 'http://localhost:5173']);
    expect(config.rateLimitPerMinute).toBe(false);
    expect(config.openai).toEqual({ apiKey: 'sk-x', baseUrl: 'http://localhost:11434/v1', model: 'llama3' });
    expect(config.demo).toBe(false);
    expect(config.demoRate).toBe(2.5);
    expect(config.logLevel).toBe('warn');
    expect(config.shutdownTimeoutMs).toBe(500);
    // Hashed: the plain key is not kept.
    expect(JSON.stringify(config, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v))).not.toContain(KEY);
  });

  it('resolves a relative BUNDLE against the working directory and accepts URLs', async () => {
    expect(
      (
        await loadConfig(
          { BUNDLE: 'models/bundles/default' },
          { cwd: DEFAULT_BUNDLE.replace(/models\/bundles\/default\/?$/, '') },
        )
      ).bundle,
    ).toBe(DEFAULT_BUNDLE.replace(/\/$/, ''));
    expect((await loadConfig({ BUNDLE: 'https://models.example/bundles/v1/' })).bundle).toBe(
      'https://models.example/bundles/v1/',
    );
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['HOST', 'a b'],
    ['BUNDLE', '/nonexistent/bundle'],
    ['BUNDLE', 'ftp://x/y'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['API_KEYS', 'short:score'],
    ['API_KEYS', `${KEY}:root`],
    ['API_KEYS', `${KEY}`],
    ['API_KEYS', ','],
    ['CORS_ORIGINS', 'https://bank.example/path'],
    ['CORS_ORIGINS', 'nope'],
    ['RATE_LIMIT_PER_MINUTE', '1.5'],
    ['RATE_LIMIT_PER_MINUTE', 'many'],
    ['OPENAI_BASE_URL', 'localhost:11434'],
    ['DEMO', 'maybe'],
    ['DEMO_RATE', '0'],
    ['DEMO_RATE', 'fast'],
    ['DEMO_RATE', '5000'],
    ['LOG_LEVEL', 'verbose'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['WORKERS', '0'],
    ['WORKERS', 'many'],
  ])('%s=%s is refused with a message naming the variable', async (variable, value) => {
    const error = await failure({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('reads the shared state and allows WORKERS > 1 only with REDIS_URL and DATABASE_URL', async () => {
    expect(await loadConfig({})).toMatchObject({ redis: undefined, workers: 1 });
    const shared = {
      REDIS_URL: 'redis://:pw@cache:6379/2',
      DATABASE_URL: 'postgres://u:p@db/fraud',
      REDIS_PREFIX: 'bank-a:',
      WORKERS: '4',
    };
    expect(await loadConfig(shared)).toMatchObject({
      redis: { url: 'redis://:pw@cache:6379/2', prefix: 'bank-a:' },
      workers: 4,
    });
    for (const [missing, env] of [
      ['REDIS_URL and DATABASE_URL', { WORKERS: '2' }],
      ['REDIS_URL', { WORKERS: '2', DATABASE_URL: shared.DATABASE_URL }],
      ['DATABASE_URL', { WORKERS: '2', REDIS_URL: shared.REDIS_URL }],
    ] as const) {
      const error = await failure(env);
      expect(error.variable).toBe('WORKERS');
      expect(error.message).toContain('REDIS_URL');
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).toContain(`missing ${missing}`);
    }
    expect((await failure({ REDIS_URL: 'redis://h', REDIS_PREFIX: 'a b' })).variable).toBe('REDIS_PREFIX');
  });

  it('never quotes a key or a database password in errors', async () => {
    const secret = 'SuperSecretKeyValue';
    expect((await failure({ API_KEYS: `${secret}:root` })).message).not.toContain(secret);
    expect((await failure({ DATABASE_URL: `mysql://u:${secret}@h/db` })).message).not.toContain(secret);
  });

  it('documents every variable it reads in one table', () => {
    for (const name of Object.keys(loadKafkaConfigEnvForDocs)) expect(CONFIG_TABLE.map((e) => e.name)).toContain(name);
    const names = CONFIG_TABLE.map((e) => e.name);
    for (const v of [
      'PORT',
      'HOST',
      'BUNDLE',
      'DATABASE_URL',
      'API_KEYS',
      'CORS_ORIGINS',
      'RATE_LIMIT_PER_MINUTE',
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
      'OPENAI_MODEL',
      'DEMO',
      'DEMO_RATE',
      'LOG_LEVEL',
      'REDIS_URL',
      'REDIS_PREFIX',
      'WORKERS',
    ])
      expect(names).toContain(v);
    expect(configTableMarkdown().split('\n')).toHaveLength(CONFIG_TABLE.length + 2);
    // The root README carries the same table.
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(configTableMarkdown());
  });
});

// Every Kafka variable, so the table test can check each is documented.
const loadKafkaConfigEnvForDocs = {
  KAFKA_BROKERS: '',
  KAFKA_CLIENT_ID: '',
  KAFKA_GROUP_ID: '',
  KAFKA_REPLICATION_FACTOR: '',
  KAFKA_INSTANCE_ID: '',
  KAFKA_SECURITY_PROTOCOL: '',
  KAFKA_TLS_CA: '',
  KAFKA_TLS_CERT: '',
  KAFKA_TLS_KEY: '',
  KAFKA_TLS_KEY_PASSWORD: '',
  KAFKA_TLS_SERVER_NAME: '',
  KAFKA_SASL_MECHANISM: '',
  KAFKA_SASL_USERNAME: '',
  KAFKA_SASL_PASSWORD: '',
  KAFKA_SESSION_TIMEOUT: '',
  KAFKA_TRANSACTION_TIMEOUT: '',
  STREAM_EXPLAIN: '',
};

describe('loadKafkaConfig: security settings', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fraudscore-config-tls-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    for (const name of ['one', 'two'])
      openssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
      );
    openssl('pkey', '-in', 'one.key', '-aes256', '-passout', 'pass:secret', '-out', 'one-encrypted.key');
    writeFileSync(file('garbage.pem'), 'not a certificate\n');
    writeFileSync(file('bad.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sasl = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: ' p w ' };

  it('plaintext by default; reads TLS files, SASL and timeouts', () => {
    expect(loadKafkaConfig({})).toMatchObject({
      securityProtocol: 'PLAINTEXT',
      tls: undefined,
      sasl: undefined,
      sessionTimeoutMs: 10_000,
      transactionTimeoutMs: 15_000,
    });
    const config = loadKafkaConfig({
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_TLS_CA: file('two.pem'),
      KAFKA_TLS_CERT: file('one.pem'),
      KAFKA_TLS_KEY: file('one-encrypted.key'),
      KAFKA_TLS_KEY_PASSWORD: 'secret',
      KAFKA_TLS_SERVER_NAME: 'kafka.bank.example',
      KAFKA_SESSION_TIMEOUT: '45s',
      KAFKA_TRANSACTION_TIMEOUT: '2m',
      ...sasl,
    });
    expect(config.securityProtocol).toBe('SASL_SSL');
    expect(config.tls?.ca).toBe(readFileSync(file('two.pem'), 'utf8'));
    expect(config.tls?.cert).toContain('BEGIN CERTIFICATE');
    expect(config.tls?.keyPassword).toBe('secret');
    expect(config.tls?.serverName).toBe('kafka.bank.example');
    // The password is kept as given (not trimmed).
    expect(config.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'u', password: ' p w ' });
    expect([config.sessionTimeoutMs, config.transactionTimeoutMs]).toEqual([45_000, 120_000]);
    expect(loadKafkaConfig({ KAFKA_SECURITY_PROTOCOL: 'SSL' }).tls).toEqual({});
  });

  it.each([
    ['KAFKA_SECURITY_PROTOCOL', { KAFKA_SECURITY_PROTOCOL: 'TLS' }],
    ['KAFKA_TLS_CA', { KAFKA_TLS_CA: '/x.pem' }], // TLS settings with PLAINTEXT
    ['KAFKA_SASL_USERNAME', { KAFKA_SASL_USERNAME: 'u' }], // SASL settings with PLAINTEXT
    ['KAFKA_SASL_MECHANISM', { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }],
    ['KAFKA_SASL_MECHANISM', { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'GSSAPI' }],
    ['KAFKA_SASL_USERNAME', { KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN' }],
    [
      'KAFKA_SASL_PASSWORD',
      { KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u' },
    ],
    ['KAFKA_TLS_CA', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CA: '/nonexistent/ca.pem' }],
    ['KAFKA_TLS_CA', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CA: 'garbage.pem' }],
    ['KAFKA_TLS_CA', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CA: 'bad.pem' }],
    ['KAFKA_TLS_KEY', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT: 'one.pem' }],
    ['KAFKA_TLS_CERT', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_KEY: 'one.key' }],
    ['KAFKA_TLS_KEY', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT: 'one.pem', KAFKA_TLS_KEY: 'two.key' }],
    ['KAFKA_TLS_KEY', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT: 'one.pem', KAFKA_TLS_KEY: 'one.pem' }],
    [
      'KAFKA_TLS_KEY_PASSWORD',
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT: 'one.pem', KAFKA_TLS_KEY: 'one-encrypted.key' },
    ],
    [
      'KAFKA_TLS_KEY_PASSWORD',
      {
        KAFKA_SECURITY_PROTOCOL: 'SSL',
        KAFKA_TLS_CERT: 'one.pem',
        KAFKA_TLS_KEY: 'one-encrypted.key',
        KAFKA_TLS_KEY_PASSWORD: 'wrong',
      },
    ],
    ['KAFKA_TLS_SERVER_NAME', { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_SERVER_NAME: 'kafka bank' }],
    ['KAFKA_SESSION_TIMEOUT', { KAFKA_SESSION_TIMEOUT: '2s' }],
    ['KAFKA_SESSION_TIMEOUT', { KAFKA_SESSION_TIMEOUT: 'soon' }],
    ['KAFKA_TRANSACTION_TIMEOUT', { KAFKA_TRANSACTION_TIMEOUT: '1h' }],
  ] as const)('%s: %j is refused, naming the variable', (variable, env) => {
    const resolved = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, /^[\w-]+\.(pem|key)$/.test(v) ? file(v) : v]),
    );
    let error: unknown;
    try {
      loadKafkaConfig(resolved);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message.startsWith(`${variable}: `)).toBe(true);
    expect((error as ConfigError).message).not.toContain('secret');
  });

  it('the server refuses a bad Kafka setting at start like any other', async () => {
    expect((await failure({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).variable).toBe('KAFKA_SASL_MECHANISM');
  });
});
