import { createScorer, directorySource, MemoryHistoryStore, type Scorer } from '@fraudscore/sdk';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { memoryHistory } from './service/history.js';
import { createTestEdge, tx } from './testing/index.js';
import { DEFAULT_BUNDLE_DIR, readBundleJson } from '../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);

describe('createApp', () => {
  it('unknown routes and methods → 404 in the error shape', async () => {
    const { app } = await createTestEdge(BUNDLE);
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/v1/score'],
      ['DELETE', '/v1/transactions/x'],
    ] as const) {
      const res = await app.request(path, { method });
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe('not_found');
    }
  });

  it('an unexpected error → 500 in the error shape without internals', async () => {
    const history = (await createTestEdge(BUNDLE)).history;
    const broken = {
      get model() {
        throw new Error('secret detail');
      },
    } as unknown as Scorer;
    const logged: [string, Record<string, unknown> | undefined][] = [];
    const app = createApp({
      model: () => broken,
      history: memoryHistory(history),
      logger: { warn: () => {}, error: (event, fields) => void logged.push([event, fields]) },
    });
    const res = await app.request('/health');
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({
      error: { code: 'internal_error', message: 'internal error; the request was not completed', requestId },
    });
    expect(logged).toEqual([
      [
        'http.unexpected_error',
        { requestId, method: 'GET', path: '/health', error: 'Error', message: 'secret detail' },
      ],
    ]);
    // A caller's own plain request id is kept (and echoed on every response, errors included).
    const mine = await app.request('/health', { headers: { 'x-request-id': 'gw-123.abc' } });
    expect(mine.headers.get('x-request-id')).toBe('gw-123.abc');
    expect(
      (await app.request('/nope', { headers: { 'x-request-id': 'bad id\n' } })).headers.get('x-request-id'),
    ).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads the current model from a provider function (hot reload)', async () => {
    const clock = (): number => Date.parse('2026-03-20T12:00:00Z');
    const scorer = await createScorer({
      bundle: BUNDLE,
      backend: 'js',
      history: (spec) => new MemoryHistoryStore(spec, { clock }),
      cache: false,
    });
    const history = scorer.history as MemoryHistoryStore;
    let current = scorer;
    const app = createApp({ model: () => current, history: memoryHistory(history), clock });
    expect(
      (
        await app.request('/v1/score', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(tx('a1')),
        })
      ).status,
    ).toBe(200);
    current = { ...scorer, model: { ...scorer.model, version: '9.9.9' } } as Scorer;
    expect((await (await app.request('/v1/models')).json()).active.version).toBe('9.9.9');
  });

  it('runs the middleware hook before the routes', async () => {
    const { app } = await createTestEdge(BUNDLE, {
      installMiddleware: (a) =>
        a.use('/v1/*', async (c, next) =>
          c.req.header('x-key') === 'k' ? next() : c.json({ error: { code: 'unauthorized', message: 'no key' } }, 401),
        ),
    });
    expect((await app.request('/v1/models')).status).toBe(401);
    expect((await app.request('/v1/models', { headers: { 'x-key': 'k' } })).status).toBe(200);
    expect((await app.request('/health')).status).toBe(200);
  });
});

describe('createApp with security', () => {
  it('401 without a key, 403 without the scope, 200 with it; /health stays open; secure headers', async () => {
    const { parseApiKeys } = await import('./middleware/index.js');
    const scoreKey = 'score-key-0123456789abcdef';
    const analystKey = 'analyst-key-0123456789abcdef';
    const keys = await parseApiKeys(`${scoreKey}:score,${analystKey}:analyst`);
    const { app } = await createTestEdge(BUNDLE, { security: { keys } });
    const auth = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
    const noKey = await app.request('/v1/models');
    expect(noKey.status).toBe(401);
    expect((await noKey.json()).error.code).toBe('unauthorized');
    expect((await app.request('/v1/models', { headers: auth(scoreKey) })).status).toBe(403);
    expect((await app.request('/v1/models', { headers: auth(analystKey) })).status).toBe(200);
    const body = JSON.stringify(tx('a1'));
    expect((await app.request('/v1/score', { method: 'POST', body, headers: auth(analystKey) })).status).toBe(403);
    expect(
      (
        await app.request('/v1/score/batch', {
          method: 'POST',
          body: JSON.stringify({ transactions: [tx('a2')] }),
          headers: auth(analystKey),
        })
      ).status,
    ).toBe(403);
    expect((await app.request('/v1/score', { method: 'POST', body, headers: auth(scoreKey) })).status).toBe(200);
    expect(
      (
        await app.request('/v1/transactions/a1/label', {
          method: 'POST',
          body: JSON.stringify({ label: 'fraud', analyst: 'x' }),
          headers: auth(scoreKey),
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await app.request('/v1/transactions/a1/label', {
          method: 'POST',
          body: JSON.stringify({ label: 'fraud', analyst: 'x' }),
          headers: auth(analystKey),
        })
      ).status,
    ).toBe(200);
    const health = await app.request('/health');
    expect(health.status).toBe(200);
    expect(health.headers.get('x-frame-options')).toBe('DENY');
  });

  it('serves bundle files without a key, and nothing else under /v1/models', async () => {
    const { parseApiKeys } = await import('./middleware/index.js');
    const keys = await parseApiKeys('analyst-key-0123456789abcdef:analyst');
    const files = { 'trees.json': new TextEncoder().encode('{}') };
    const { app } = await createTestEdge(BUNDLE, {
      security: { keys },
      bundle: (v) => (v === '1.0.0' ? { version: v, files, sha256: { 'trees.json': 'abc' } } : undefined),
    });
    expect((await app.request('/v1/models/1.0.0/bundle/trees.json')).status).toBe(200);
    expect((await app.request('/v1/models')).status).toBe(401);
    expect((await app.request('/v1/models/1.0.0/bundle/trees.json', { method: 'POST' })).status).toBe(401);
  });
});

describe('createApp wiring of explanations, metrics and drift', () => {
  it('serves them over the same stored transactions', async () => {
    const { parseReference } = await import('./drift/index.js');
    const reference = parseReference(readBundleJson('reference.json'));
    const { app } = await createTestEdge(BUNDLE, { driftReference: reference });
    const post = (path: string, body: unknown) =>
      app.request(path, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    expect((await post('/v1/score', tx('m1', { amount: 400 }))).status).toBe(200);
    expect((await post('/v1/score', tx('m2', { amount: 20, timestamp: '2026-03-20T10:05:00Z' }))).status).toBe(200);

    const explanation = await (await app.request('/v1/transactions/m1/explanation?lang=ru')).json();
    expect(explanation).toMatchObject({ transactionId: 'm1', lang: 'ru', source: 'template' });
    expect(explanation.text).toMatch(/[а-я]/);

    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toMatch(/predictions_total\{risk_level="[A-Z]+",blocked="(true|false)"\} 1/);
    expect(metrics).toMatch(/model_info\{version="1\.0\.0"\} 1/);
    expect(metrics).toMatch(/fraud_detection_latency_seconds_count 2/);

    const drift = await (await app.request('/v1/drift?window=1d')).json();
    expect(drift.rows).toBe(2);
    expect(Object.keys(drift.features)).toContain('TX_AMOUNT');
  });
});
