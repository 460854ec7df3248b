// One connection to the shared state (REDIS_URL): Redis 7.0+ or Valkey, through the official node-redis client core
// (@redis/client). It speaks only commands both servers have: no client-info or maintenance handshakes, RESP2, Lua
// scripts by EVALSHA with EVAL on NOSCRIPT. Commands fail fast while the connection is down (no offline queue) and
// after `commandTimeoutMs`, so callers answer 503 instead of hanging; the client reconnects on its own with backoff.
import { createHash } from 'node:crypto';
import { createClient, ErrorReply } from '@redis/client';
import { ApiError } from '@fraudscore/edge';

export type RedisClient = ReturnType<typeof createRedisClient>;

export interface RedisConnectionOptions {
  url: string;
  /** A command (or script) that has not answered by then fails (default 2 s). */
  commandTimeoutMs?: number;
  /** Longest wait between reconnection attempts (default 1 s). */
  maxReconnectDelayMs?: number;
  /** Called with each connection error (already reflected in problem()). */
  onError?: (error: unknown) => void;
}

function createRedisClient(options: RedisConnectionOptions) {
  const maxDelay = options.maxReconnectDelayMs ?? 1_000;
  return createClient({
    url: options.url,
    RESP: 2,
    disableClientInfo: true,
    maintNotifications: 'disabled',
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs ?? 2_000 },
    socket: {
      connectTimeout: 2_000,
      // Retry forever: scoring answers 503 meanwhile and resumes by itself when Redis is back.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), maxDelay),
    },
  });
}

/** A Lua script run by its SHA1 (EVAL once when the server does not know it yet, e.g. after a restart). */
export interface Script {
  readonly source: string;
  readonly sha1: string;
}

export const script = (source: string): Script => ({
  source,
  sha1: createHash('sha1').update(source).digest('hex'),
});

/** Redis answered with an error: a bug or a wrong server, not an outage (500, not 503). */
export const isReplyError = (error: unknown): boolean => error instanceof ErrorReply;

export class RedisConnection {
  readonly client: RedisClient;
  readonly url: string;
  private lastError: string | undefined = 'not connected yet';
  private subscriber: RedisClient | undefined;

  constructor(private readonly options: RedisConnectionOptions) {
    this.url = options.url;
    this.client = createRedisClient(options);
    this.client.on('ready', () => (this.lastError = undefined));
    this.client.on('error', (error: Error) => {
      this.lastError = error.message || error.name;
      options.onError?.(error);
    });
    this.client.on('end', () => (this.lastError = 'connection closed'));
  }

  /** Connects (waits for the first connection only up to `waitMs`; the client keeps trying in the background). */
  async connect(waitMs = 10_000): Promise<void> {
    const connecting = this.client.connect().then(() => undefined);
    connecting.catch(() => {}); // reported through problem()
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([connecting, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  /** Why the shared state cannot be used right now; undefined when it can. */
  problem(): string | undefined {
    if (this.client.isReady) return undefined;
    return `Redis at ${redactUrl(this.url)} is unreachable (${this.lastError ?? 'reconnecting'})`;
  }

  /** Runs a script; a missing script is loaded by EVAL (the server may have restarted and lost its cache). */
  async run(script: Script, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    try {
      return await this.client.sendCommand(['EVALSHA', script.sha1, String(keys.length), ...keys, ...args]);
    } catch (error) {
      if (error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))
        return this.client.sendCommand(['EVAL', script.source, String(keys.length), ...keys, ...args]);
      throw error;
    }
  }

  /** A second connection in subscriber mode (pub/sub needs its own); created on first use. */
  async subscriberClient(): Promise<RedisClient> {
    if (!this.subscriber) {
      this.subscriber = this.client.duplicate();
      this.subscriber.on('error', (error: Error) => this.options.onError?.(error));
      const connecting = this.subscriber.connect();
      connecting.catch(() => {});
      await Promise.race([connecting, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    return this.subscriber;
  }

  async close(): Promise<void> {
    for (const client of [this.subscriber, this.client]) {
      if (!client) continue;
      try {
        if (client.isOpen) await client.close();
      } catch {
        client.destroy();
      }
    }
  }
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'REDIS_URL';
  }
}

/**
 * The error a caller answers with when a Redis call failed: 503 with the reason for an outage (the caller may retry
 * after a second), the error itself for what Redis refused (a bug).
 */
export function unavailable(connection: RedisConnection, what: string, error: unknown): Error {
  if (isReplyError(error) || error instanceof ApiError) return error as Error;
  const reason = connection.problem() ?? `Redis did not answer (${(error as Error)?.message ?? String(error)})`;
  return new ApiError(503, 'shared_state_unavailable', `${what} is unavailable: ${reason}; retry shortly`, undefined, {
    'Retry-After': '1',
  });
}
