import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../errors.js';
import { bodySizeLimit, corsAllowList, parseOrigins, securityHeaders } from './index.js';

const BANK = 'https://online.bank.example';

function corsHeaders(res: Response): string[] {
  const names: string[] = [];
  res.headers.forEach((_value, name) => {
    if (name.startsWith('access-control-')) names.push(name);
  });
  return names;
}

function makeApp() {
  const app = new Hono();
  app.onError((e, c) => {
    const r = toErrorResponse(e);
    return c.json(r.body, r.status, r.headers);
  });
  app.use('*', securityHeaders());
  app.use('*', corsAllowList({ origins: [BANK] }));
  app.use('*', bodySizeLimit({ maxBytes: 100 }));
  app.get('/', (c) => c.json({ ok: true }));
  app.post('/echo', async (c) => c.json({ length: (await c.req.text()).length }));
  return app;
}

describe('securityHeaders', () => {
  it('sets secure headers for an API', async () => {
    const res = await makeApp().request('/');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('lets options override the defaults', async () => {
    const app = new Hono();
    app.use('*', securityHeaders({ strictTransportSecurity: false }));
    app.get('/', (c) => c.text('ok'));
    expect((await app.request('/')).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('corsAllowList', () => {
  it('answers an allowed origin with CORS headers', async () => {
    const res = await makeApp().request('/', { headers: { origin: BANK } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(BANK);
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('gives a disallowed origin no CORS headers', async () => {
    const res = await makeApp().request('/', { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('answers an allowed preflight with 204 and the allowed methods and headers', async () => {
    const res = await makeApp().request('/echo', {
      method: 'OPTIONS',
      headers: {
        origin: BANK,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(BANK);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('refuses a disallowed preflight with 403 in the error shape and no CORS headers', async () => {
    const res = await makeApp().request('/echo', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: {
        code: 'cors_origin_not_allowed',
        message: 'this origin is not allowed to call the API',
        field: 'origin',
      },
    });
    expect(corsHeaders(res)).toEqual([]);
  });

  it('leaves same-origin and non-browser requests alone', async () => {
    const res = await makeApp().request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('parseOrigins', () => {
  it('parses a list and refuses paths, wildcards and non-URLs', () => {
    expect(parseOrigins(` ${BANK}, http://localhost:5173 ,`)).toEqual([BANK, 'http://localhost:5173']);
    expect(() => parseOrigins(`${BANK}/app`)).toThrow(/must be exactly/);
    expect(() => parseOrigins('*')).toThrow(/not a URL/);
    expect(() => parseOrigins('https://*.bank.example')).toThrow();
  });
});

describe('bodySizeLimit', () => {
  it('accepts a body within the limit', async () => {
    const res = await makeApp().request('/echo', { method: 'POST', body: 'x'.repeat(100) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ length: 100 });
  });

  it('answers 413 in the error shape for an oversized body (declared or streamed)', async () => {
    const expected = {
      error: { code: 'payload_too_large', message: 'the request body exceeds 100 bytes', field: 'body' },
    };
    const declared = await makeApp().request('/echo', {
      method: 'POST',
      body: 'x'.repeat(101),
      headers: { 'content-length': '101' },
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual(expected);
    const streamed = await makeApp().request('/echo', { method: 'POST', body: 'x'.repeat(1000) });
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toEqual(expected);
  });

  it('judges a declared length without opening the body stream (hosts build one per request when asked)', async () => {
    // The request as the host hands it over; `body` throws, the route's own read (text()) does not go through it.
    const untouched = (request: Request): Request =>
      new Proxy(request, {
        get(target, key) {
          if (key === 'body') throw new Error('the body stream was opened');
          const value: unknown = Reflect.get(target, key, target);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    const post = (length: number) =>
      untouched(
        new Request('http://localhost/echo', {
          method: 'POST',
          body: 'x'.repeat(length),
          headers: { 'content-length': String(length) },
        }),
      );
    const within = await makeApp().fetch(post(100));
    expect(within.status).toBe(200);
    expect(await within.json()).toEqual({ length: 100 });
    expect((await makeApp().fetch(post(101))).status).toBe(413);
    expect((await makeApp().fetch(untouched(new Request('http://localhost/')))).status).toBe(200);
  });
});
