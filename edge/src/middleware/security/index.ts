// Browser-facing protections for a JSON API: secure headers, a CORS allow-list for the banking front ends that embed
// the SDK, and a request body size limit. Thin wrappers over Hono's built-ins with API defaults and the one error shape.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { ApiError } from '../../errors.js';

export type SecurityHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;

/**
 * Hono's secure headers (HSTS, nosniff, frame denial, no X-Powered-By, ...) plus a CSP that loads nothing: responses
 * are JSON, SSE or model files, never pages, so a response rendered by mistake can run no script. Options override.
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    ...options,
  });
}

/** Splits a comma-separated origin list (e.g. a CORS_ORIGINS setting); each must be exactly `scheme://host[:port]`. */
export function parseOrigins(text: string): string[] {
  return text
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => {
      let origin: string;
      try {
        origin = new URL(o).origin;
      } catch {
        throw new Error(`CORS origin "${o}" is not a URL; expected scheme://host[:port]`);
      }
      // Only http(s), no paths, trailing slashes or wildcards: browsers send the bare origin and we compare it exactly.
      if (origin === 'null' || origin.includes('*') || !/^https?:/.test(origin) || origin !== o.toLowerCase())
        throw new Error(`CORS origin "${o}" must be exactly scheme://host[:port] (got origin ${origin})`);
      return origin;
    });
}

export interface CorsAllowListOptions {
  /** Allowed origins, compared exactly. Empty: no cross-origin access at all. */
  origins: readonly string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  /** Seconds a browser may cache a preflight. */
  maxAge?: number;
}

/**
 * Hono's cors for allowed origins only. A disallowed origin gets no CORS headers at all (Hono's cors would still send
 * Allow-Methods and Expose-Headers), and its preflight a 403 in the error shape; `Vary: Origin` is always sent so a
 * cache never serves one origin's answer to another. API keys travel in headers, not cookies, so no credentials.
 */
export function corsAllowList(options: CorsAllowListOptions): MiddlewareHandler {
  const allowed = new Set(options.origins.map((o) => o.toLowerCase()));
  const allow = cors({
    origin: (origin) => (allowed.has(origin.toLowerCase()) ? origin : null),
    allowMethods: options.allowMethods ?? ['GET', 'POST', 'OPTIONS'],
    allowHeaders: options.allowHeaders ?? ['Authorization', 'X-API-Key', 'Content-Type', 'If-None-Match'],
    // Clients need these to back off and to revalidate bundle files.
    exposeHeaders: options.exposeHeaders ?? [
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'RateLimit-Policy',
      'ETag',
    ],
    maxAge: options.maxAge ?? 600,
  });
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && allowed.has(origin.toLowerCase())) return allow(c, next);
    const preflight =
      c.req.method === 'OPTIONS' && origin !== undefined && c.req.header('access-control-request-method') !== undefined;
    if (preflight)
      throw new ApiError(403, 'cors_origin_not_allowed', 'this origin is not allowed to call the API', 'origin', {
        Vary: 'Origin',
      });
    await next();
    if (origin !== undefined) c.header('Vary', 'Origin', { append: true });
  };
}

export interface BodySizeLimitOptions {
  /** Default 1 MiB: a full batch of 1,000 transactions is a few hundred KB. */
  maxBytes?: number;
}

/** 413 in the error shape (field `body`) when Content-Length, or the streamed body, exceeds `maxBytes`. */
export function bodySizeLimit(options: BodySizeLimitOptions = {}): MiddlewareHandler {
  const { maxBytes = 1024 * 1024 } = options;
  const tooLarge = (): never => {
    throw new ApiError(413, 'payload_too_large', `the request body exceeds ${maxBytes} bytes`, 'body');
  };
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return (c, next) => {
    // Hono's bodyLimit asks for `c.req.raw.body` first. On @hono/node-server that builds a web Request with a stream
    // over the socket for every request (8% of a scored request's CPU, profiled), and the body is then read through
    // that stream. It decides the same as here for a request without a body (GET, HEAD) or with a declared length and
    // no Transfer-Encoding: judged without the body, which stays for the route to read directly.
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined)
      return parseInt(declared, 10) > maxBytes ? tooLarge() : next();
    return streamed(c, next);
  };
}
