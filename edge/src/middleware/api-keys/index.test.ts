import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../errors.js';
import { ApiKeyConfigError, apiKeyAuth, generateApiKey, parseApiKeys, requireScope, type ApiKeyEnv } from './index.js';

const SCORE_KEY = 'score-key-0123456789';
const ANALYST_KEY = 'analyst-key-0123456789';
const ADMIN_KEY = 'admin-key-0123456789';

async function makeApp(header: 'authorization' | 'x-api-key' = 'authorization') {
  const keys = await parseApiKeys(`${SCORE_KEY}:score, ${ANALYST_KEY}:analyst ,${ADMIN_KEY}:admin`);
  const app = new Hono<ApiKeyEnv>();
  app.onError((e, c) => {
    const r = toErrorResponse(e);
    return c.json(r.body, r.status, r.headers);
  });
  app.use('*', apiKeyAuth({ keys, header }));
  app.get('/whoami', (c) => c.json({ principal: c.var.principal, vars: JSON.stringify(c.var) }));
  app.post('/score', requireScope('score'), (c) => c.text('scored'));
  app.post('/label', requireScope('analyst'), (c) => c.text('labelled'));
  app.post('/threshold', requireScope('admin'), (c) => c.text('set'));
  return app;
}
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

describe('apiKeyAuth', () => {
  it('passes a valid key and sets the principal, without the plain key anywhere in c.var', async () => {
    const app = await makeApp();
    const res = await app.request('/whoami', bearer(SCORE_KEY));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { principal: { keyId: string; scopes: string[] }; vars: string };
    expect(body.principal.scopes).toEqual(['score']);
    expect(body.principal.keyId).toMatch(/^[0-9a-f]{12}$/);
    expect(body.vars).not.toContain(SCORE_KEY);
    expect(Object.keys(body.principal).sort()).toEqual(['keyId', 'scopes']);
  });

  it('reads x-api-key when configured', async () => {
    const app = await makeApp('x-api-key');
    expect((await app.request('/whoami', { headers: { 'x-api-key': ANALYST_KEY } })).status).toBe(200);
    const res = await app.request('/whoami', bearer(ANALYST_KEY));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('ApiKey realm="fraudscore", header="x-api-key"');
  });

  it.each([
    ['missing', {}, undefined],
    ['unknown', bearer('not-a-configured-key-123'), 'invalid_token'],
    ['malformed (Basic)', { headers: { authorization: 'Basic abc' } }, 'invalid_request'],
    ['malformed (empty bearer)', { headers: { authorization: 'Bearer ' } }, 'invalid_request'],
    ['malformed (two tokens)', { headers: { authorization: `Bearer ${SCORE_KEY} extra` } }, 'invalid_request'],
  ])('answers 401 in the error shape for a %s key', async (_name, init, error) => {
    const app = await makeApp();
    const res = await app.request('/whoami', init);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string; field: string } };
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.field).toBe('authorization');
    expect(typeof body.error.message).toBe('string');
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="fraudscore"${error ? `, error="${error}"` : ''}`);
  });

  it('accepts a case-insensitive Bearer scheme', async () => {
    const app = await makeApp();
    expect((await app.request('/whoami', { headers: { authorization: `bearer ${SCORE_KEY}` } })).status).toBe(200);
  });
});

describe('requireScope', () => {
  it('answers 403 naming the missing scope', async () => {
    const app = await makeApp();
    const res = await app.request('/label', { method: 'POST', ...bearer(SCORE_KEY) });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: { code: 'forbidden', message: 'this API key lacks the "analyst" scope' },
    });
  });

  it('admin implies analyst and score; analyst does not imply score', async () => {
    const app = await makeApp();
    for (const path of ['/score', '/label', '/threshold'])
      expect((await app.request(path, { method: 'POST', ...bearer(ADMIN_KEY) })).status).toBe(200);
    expect((await app.request('/label', { method: 'POST', ...bearer(ANALYST_KEY) })).status).toBe(200);
    expect((await app.request('/score', { method: 'POST', ...bearer(ANALYST_KEY) })).status).toBe(403);
    expect((await app.request('/threshold', { method: 'POST', ...bearer(ANALYST_KEY) })).status).toBe(403);
  });

  it('fails closed with 401 when apiKeyAuth is not mounted', async () => {
    const app = new Hono<ApiKeyEnv>();
    app.onError((e, c) => {
      const r = toErrorResponse(e);
      return c.json(r.body, r.status, r.headers);
    });
    app.get('/x', requireScope('score'), (c) => c.text('ok'));
    expect((await app.request('/x')).status).toBe(401);
  });
});

describe('parseApiKeys', () => {
  it('parses entries, expands implied scopes and keeps only digests', async () => {
    const keys = await parseApiKeys(`${SCORE_KEY}:score,${ANALYST_KEY}:analyst+score,${ADMIN_KEY}:admin,`);
    expect(keys.map((k) => k.scopes)).toEqual([['score'], ['score', 'analyst'], ['score', 'analyst', 'admin']]);
    for (const [i, plain] of [SCORE_KEY, ANALYST_KEY, ADMIN_KEY].entries()) {
      const k = keys[i]!;
      expect(k.digest).toHaveLength(32);
      expect(new TextDecoder().decode(k.digest)).not.toBe(plain);
      expect(Buffer.from(k.digest).toString('hex')).not.toContain(Buffer.from(plain).toString('hex'));
      expect(JSON.stringify({ ...k, digest: Array.from(k.digest) })).not.toContain(plain);
      expect(plain).not.toContain(k.keyId);
    }
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(3);
  });

  it('gives no keys for empty text', async () => {
    expect(await parseApiKeys('')).toEqual([]);
    expect(await parseApiKeys('  ')).toEqual([]);
  });

  it.each([
    [`${SCORE_KEY}`, /entry 1: expected key:scope\+scope/],
    [`${SCORE_KEY}:score,:admin`, /entry 2 \(scopes "admin"\): the key is empty/],
    [`${SCORE_KEY}:`, /entry 1 \(scopes ""\): no scopes/],
    [`${SCORE_KEY}:scroe`, /entry 1 \(scopes "scroe"\): unknown scope "scroe"; valid scopes are score, analyst, admin/],
    [`${SCORE_KEY}:score+`, /unknown scope ""/],
    ['short:score', /entry 1 \(scopes "score"\): the key has 5 characters, at least 16/],
    [`${SCORE_KEY}:score,${SCORE_KEY}:admin`, /entry 2 \(scopes "admin"\): the same key as entry 1/],
    ['bad key with spaces:score', /printable ASCII/],
  ])('rejects %j with a message naming the entry', async (text, message) => {
    const error = await parseApiKeys(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiKeyConfigError);
    expect((error as Error).message).toMatch(message);
    // The secret part never appears in the message.
    expect((error as Error).message).not.toContain(SCORE_KEY);
  });

  it('allows short keys when asked (tests)', async () => {
    expect(await parseApiKeys('k:score', { minKeyLength: 1 })).toHaveLength(1);
  });
});

describe('generateApiKey', () => {
  it('makes distinct 32-byte base64url keys that parse', async () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await parseApiKeys(`${a}:admin`)).toHaveLength(1);
  });
});
