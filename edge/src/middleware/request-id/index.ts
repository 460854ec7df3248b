// Request ids: every response carries X-Request-Id (the caller's, when it sent a safe one, else a new UUID), and an
// unexpected error is logged once with it, through the logger the host injects (the edge has no console of its own
// to rely on). A 5xx body names the id too, so a bank's support desk can find the log line.
import type { Context, MiddlewareHandler } from 'hono';

export const REQUEST_ID_HEADER = 'x-request-id';
/** A caller's id is kept only when it is short and plain (it ends up in logs). */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type RequestIdEnv = { Variables: { requestId: string } };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** What the edge logs through; the Node host passes its structured JSON logger. */
export interface EdgeLogger {
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export const silentEdgeLogger: EdgeLogger = { warn: () => {}, error: () => {} };

export function requestId(): MiddlewareHandler<RequestIdEnv> {
  return async (c, next) => {
    const given = c.req.header(REQUEST_ID_HEADER);
    const id = given !== undefined && SAFE_ID.test(given) ? given : crypto.randomUUID();
    c.set('requestId', id);
    await next();
    try {
      c.res.headers.set(REQUEST_ID_HEADER, id);
    } catch {
      // an immutable response (passed through from fetch): it goes out without the header
    }
  };
}

/** The request's id (set by requestId(); a fresh one if the middleware was not mounted). */
export function requestIdOf(c: Context): string {
  return (c.get('requestId' as never) as string | undefined) ?? crypto.randomUUID();
}

/** The request path with ids replaced, so logs hold no transaction ids and no query (filters may name customers). */
export function redactPath(pathname: string): string {
  return pathname.replace(/^(\/v1\/transactions\/)[^/]+/, '$1:id').replace(/^(\/v1\/models\/)[^/]+/, '$1:version');
}

/** Logs an unexpected error (a 5xx) with the request's id, method and redacted path: the error's class and message only. */
export function logUnexpected(logger: EdgeLogger, c: Context, error: unknown): string {
  const id = requestIdOf(c);
  logger.error('http.unexpected_error', {
    requestId: id,
    method: c.req.method,
    path: redactPath(c.req.path),
    ...(error instanceof Error ? { error: error.name, message: error.message } : { error: String(error) }),
  });
  return id;
}
