// The rate limit's token buckets on Redis (the edge's RateLimitStore), so every replica and worker process draws
// from the same bucket per API key: the limit no longer multiplies by the number of processes. One script per
// request takes a token atomically with the same arithmetic as the edge's MemoryStore. If Redis cannot be reached,
// each process falls back to its own in-memory buckets (the limit then holds per process, as before) rather than
// refusing every request: the outage already shows in /health and scoring answers 503 on its own.
import { MemoryStore, type RateLimitPolicy, type RateLimitResult, type RateLimitStore } from '@fraudscore/edge';
import { isReplyError, RedisConnection, script } from './connection.js';

// KEYS[1] = the bucket; ARGV = now (ms), limit, windowMs. Returns { allowed 0/1, tokens left (string) }.
// The bucket expires once it would be full again: dropping a full bucket changes nothing.
const TAKE = script(`
local now, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local rate = limit / window
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = limit
if stored[1] then
  local elapsed = math.max(0, now - tonumber(stored[2]))
  tokens = math.min(limit, tonumber(stored[1]) + elapsed * rate)
end
local allowed = 0
if tokens >= 1 then
  allowed = 1
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((limit - tokens) / rate)))
return { allowed, tostring(tokens) }
`);

export interface RedisRateLimitOptions {
  /** Key prefix (default "fraudscore:"). */
  prefix?: string;
  /** Called when Redis could not be used and the local buckets answered. */
  onFallback?: (error: unknown) => void;
}

export class RedisRateLimitStore implements RateLimitStore {
  private readonly fallback = new MemoryStore();
  private readonly prefix: string;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisRateLimitOptions = {},
  ) {
    this.prefix = `${options.prefix ?? 'fraudscore:'}rl:`;
  }

  async take(key: string, now: number, policy: RateLimitPolicy): Promise<RateLimitResult> {
    let reply: [number, string];
    try {
      reply = (await this.connection.run(
        TAKE,
        [this.prefix + key],
        [String(now), String(policy.limit), String(policy.windowMs)],
      )) as [number, string];
    } catch (error) {
      if (isReplyError(error)) throw error;
      this.options.onFallback?.(error);
      return this.fallback.take(key, now, policy);
    }
    const allowed = Number(reply[0]) === 1;
    const left = Number(reply[1]);
    const rate = policy.limit / policy.windowMs;
    return {
      allowed,
      remaining: Math.floor(left),
      retryAfterMs: allowed ? 0 : (1 - left) / rate,
      resetMs: (policy.limit - left) / rate,
    };
  }
}
