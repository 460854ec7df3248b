// Token-bucket rate limit per API key (or per client IP when anonymous). A bucket holds `limit` tokens and refills
// continuously at limit/windowMs, so steady clients are never cut off at a window edge and bursts are bounded by `limit`.
// The store is a one-method interface so a shared store (Redis, Durable Objects) can replace the in-memory one.
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from '../../errors.js';
import type { Principal } from '../api-keys/index.js';

export interface RateLimitPolicy {
  /** Bucket size: the most requests allowed at once. */
  readonly limit: number;
  /** Time to refill an empty bucket. */
  readonly windowMs: number;
}

export interface RateLimitResult {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Milliseconds until the next token (0 when allowed). */
  readonly retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
}

/** Takes one token for `key` atomically. Async-capable so a networked store fits the same interface. */
export interface RateLimitStore {
  take(key: string, now: number, policy: RateLimitPolicy): RateLimitResult | Promise<RateLimitResult>;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export interface MemoryStoreOptions {
  /** Upper bound on buckets kept; beyond it idle ones are evicted. */
  maxKeys?: number;
}

/**
 * Buckets in a Map kept in least-recently-used order (a touched key is re-inserted at the end). Memory is bounded:
 * past `maxKeys`, buckets that have refilled completely are dropped first (dropping them changes nothing, a new
 * bucket starts full), then the least recently used ones (at worst that client gets a fresh bucket early).
 */
export class MemoryStore implements RateLimitStore {
  readonly #buckets = new Map<string, Bucket>();
  readonly #maxKeys: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  get size(): number {
    return this.#buckets.size;
  }

  take(key: string, now: number, { limit, windowMs }: RateLimitPolicy): RateLimitResult {
    const rate = limit / windowMs; // tokens per millisecond
    const old = this.#buckets.get(key);
    // A clock that goes backwards must not mint tokens, hence max(0, ...).
    const tokens = old ? Math.min(limit, old.tokens + Math.max(0, now - old.updated) * rate) : limit;
    this.#buckets.delete(key);
    const allowed = tokens >= 1;
    const left = allowed ? tokens - 1 : tokens;
    this.#buckets.set(key, { tokens: left, updated: now });
    if (this.#buckets.size > this.#maxKeys) this.#evict(now, rate, limit);
    return {
      allowed,
      remaining: Math.floor(left),
      retryAfterMs: allowed ? 0 : (1 - left) / rate,
      resetMs: (limit - left) / rate,
    };
  }

  #evict(now: number, rate: number, limit: number): void {
    for (const [k, b] of this.#buckets) if (b.tokens + (now - b.updated) * rate >= limit) this.#buckets.delete(k);
    for (const k of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxKeys) break;
      this.#buckets.delete(k);
    }
  }
}

export interface RateLimitOptions {
  limit?: number;
  windowMs?: number;
  store?: RateLimitStore;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /**
   * Header with the client IP, for anonymous requests. The host must set (overwrite) it: a client-supplied value
   * would let anyone pick their own bucket. `x-real-ip` by default; `cf-connecting-ip` on Cloudflare.
   */
  ipHeader?: string;
  /** Overrides the bucket key; the default is the principal's keyId, else the IP, else one shared anonymous bucket. */
  keyOf?: (c: Context) => string;
}

/** Answers 429 in the error shape with Retry-After once a bucket is empty; every response carries RateLimit-* headers. */
export function rateLimit(options: RateLimitOptions = {}): MiddlewareHandler {
  const { limit = 600, windowMs = 60_000, store = new MemoryStore(), now = Date.now, ipHeader = 'x-real-ip' } = options;
  if (!(limit >= 1 && Number.isFinite(limit))) throw new RangeError(`rateLimit: limit must be >= 1, got ${limit}`);
  if (!(windowMs > 0 && Number.isFinite(windowMs)))
    throw new RangeError(`rateLimit: windowMs must be > 0, got ${windowMs}`);
  const policy: RateLimitPolicy = { limit, windowMs };
  const keyOf =
    options.keyOf ??
    ((c: Context): string => {
      // keyId is a digest prefix, so the store (and any shared store) never holds a plain key.
      const principal = c.get('principal') as Principal | undefined;
      if (principal) return `key:${principal.keyId}`;
      const ip = c.req.header(ipHeader)?.trim();
      return ip ? `ip:${ip}` : 'anonymous';
    });
  // Draft IETF RateLimit headers: policy "limit;w=window-seconds".
  const policyHeader = `${limit};w=${Math.ceil(windowMs / 1000)}`;

  return async (c, next) => {
    const result = await store.take(keyOf(c), now(), policy);
    const headers: Record<string, string> = {
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': String(result.remaining),
      'RateLimit-Reset': String(Math.ceil(result.resetMs / 1000)),
      'RateLimit-Policy': policyHeader,
    };
    if (!result.allowed) {
      // Retry-After is whole seconds, at least 1, rounded up so a client that obeys it is not refused again.
      const retryAfter = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
      throw new ApiError(429, 'rate_limited', `too many requests; retry after ${retryAfter} s`, undefined, {
        ...headers,
        'Retry-After': retryAfter,
      });
    }
    await next();
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
  };
}
