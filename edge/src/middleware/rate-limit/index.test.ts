import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../errors.js';
import { apiKeyAuth, parseApiKeys } from '../api-keys/index.js';
import { MemoryStore, rateLimit, type RateLimitOptions } from './index.js';

function makeApp(options: RateLimitOptions) {
  const app = new Hono();
  app.onError((e, c) => {
    const r = toErrorResponse(e);
    return c.json(r.body, r.status, r.headers);
  });
  app.use('*', rateLimit(options));
  app.get('/', (c) => c.text('ok'));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  return app;
}

describe('rateLimit', () => {
  it('allows the limit, then 429 with Retry-After, then recovers with the clock', async () => {
    let t = 1_000_000;
    const app = makeApp({ limit: 3, windowMs: 60_000, now: () => t });
    const ip = { headers: { 'x-real-ip': '203.0.113.7' } };
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/', ip);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('3');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(2 - i));
      expect(res.headers.get('ratelimit-policy')).toBe('3;w=60');
    }
    const limited = await app.request('/', ip);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20'); // one token per 20 s
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('ratelimit-reset')).toBe('60');
    expect(await limited.json()).toEqual({
      error: { code: 'rate_limited', message: 'too many requests; retry after 20 s' },
    });

    t += 19_999;
    expect((await app.request('/', ip)).status).toBe(429);
    t += 1;
    expect((await app.request('/', ip)).status).toBe(200);
    t += 60_000; // a whole window: the bucket is full again
    for (let i = 0; i < 3; i++) expect((await app.request('/', ip)).status).toBe(200);
    expect((await app.request('/', ip)).status).toBe(429);
  });

  it('keeps separate buckets per IP and per API key', async () => {
    const t = 0;
    const keys = await parseApiKeys('aaaaaaaaaaaaaaaaaaaa:score,bbbbbbbbbbbbbbbbbbbb:score');
    const app = new Hono();
    app.onError((e, c) => {
      const r = toErrorResponse(e);
      return c.json(r.body, r.status, r.headers);
    });
    app.use('/v1/*', apiKeyAuth({ keys }));
    app.use('*', rateLimit({ limit: 1, windowMs: 1_000, now: () => t }));
    app.get('/v1/x', (c) => c.text('ok'));
    app.get('/open', (c) => c.text('ok'));
    const a = { headers: { authorization: 'Bearer aaaaaaaaaaaaaaaaaaaa', 'x-real-ip': '1.1.1.1' } };
    const b = { headers: { authorization: 'Bearer bbbbbbbbbbbbbbbbbbbb', 'x-real-ip': '1.1.1.1' } };
    expect((await app.request('/v1/x', a)).status).toBe(200);
    expect((await app.request('/v1/x', a)).status).toBe(429);
    expect((await app.request('/v1/x', b)).status).toBe(200);
    expect((await app.request('/open', { headers: { 'x-real-ip': '1.1.1.1' } })).status).toBe(200);
    expect((await app.request('/open', { headers: { 'x-real-ip': '2.2.2.2' } })).status).toBe(200);
    expect((await app.request('/open', { headers: { 'x-real-ip': '1.1.1.1' } })).status).toBe(429);
  });

  it('adds headers to error responses too', async () => {
    const app = makeApp({ limit: 5, now: () => 0 });
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    expect(res.headers.get('ratelimit-remaining')).toBe('4');
  });

  it('rejects a bad policy at start-up', () => {
    expect(() => rateLimit({ limit: 0 })).toThrow(RangeError);
    expect(() => rateLimit({ windowMs: 0 })).toThrow(RangeError);
  });
});

describe('MemoryStore', () => {
  const policy = { limit: 2, windowMs: 1_000 };

  it('stays within maxKeys, evicting refilled buckets first, then the least recently used', () => {
    const store = new MemoryStore({ maxKeys: 3 });
    store.take('a', 0, policy);
    store.take('a', 0, policy); // a is empty
    store.take('b', 0, policy);
    store.take('c', 0, policy);
    store.take('d', 0, policy); // over the bound at t=0: nothing refilled, so LRU (a) goes
    expect(store.size).toBe(3);
    expect(store.take('a', 0, policy).remaining).toBe(1); // a fresh bucket
    for (let i = 0; i < 100; i++) store.take(`k${i}`, 10_000 + i, policy);
    expect(store.size).toBeLessThanOrEqual(3);
  });

  it('does not mint tokens when the clock goes backwards', () => {
    const store = new MemoryStore();
    store.take('a', 1_000, policy);
    store.take('a', 1_000, policy);
    expect(store.take('a', 0, policy).allowed).toBe(false);
  });
});
