import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_TABLE, ConfigError, DEFAULT_BUNDLE, configTableMarkdown, loadConfig } from './config.js';

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
  ])('%s=%s is refused with a message naming the variable', async (variable, value) => {
    const error = await failure({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('never quotes a key or a database password in errors', async () => {
    const secret = 'SuperSecretKeyValue';
    expect((await failure({ API_KEYS: `${secret}:root` })).message).not.toContain(secret);
    expect((await failure({ DATABASE_URL: `mysql://u:${secret}@h/db` })).message).not.toContain(secret);
  });

  it('documents every variable it reads in one table', () => {
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
    ])
      expect(names).toContain(v);
    expect(configTableMarkdown().split('\n')).toHaveLength(CONFIG_TABLE.length + 2);
    // The root README carries the same table.
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(configTableMarkdown());
  });
});
