// The state every server process shares through Redis (REDIS_URL): one connection for the feature history, the label
// counts, the rate-limit buckets, turns (one drift snapshot per interval across replicas) and the change channel.
import type { ServerHistory } from '@fraudscore/edge';
import type { CompiledSpec } from '@fraudscore/sdk';
import { ChangeChannel, type ChangeChannelOptions } from './changes.js';
import { RedisConnection, redactUrl, unavailable } from './connection.js';
import { RedisHistory } from './history.js';
import { RedisLabelStats } from './label-stats.js';
import { RedisRateLimitStore } from './rate-limit.js';

export { ChangeChannel, type SharedChange } from './changes.js';
export { RedisConnection, redactUrl } from './connection.js';
export { RedisHistory, type RedisHistoryOptions } from './history.js';
export { RedisLabelStats } from './label-stats.js';
export { RedisRateLimitStore } from './rate-limit.js';

export interface SharedStateOptions {
  url: string;
  /** Key and channel prefix (REDIS_PREFIX). */
  prefix: string;
  /** The running model's compiled feature spec (the history's layout). */
  spec: CompiledSpec;
  clock?: () => number;
  /** Connection errors and rate-limit fallbacks (logged by the host, at most once per outage). */
  onError?: (error: unknown) => void;
}

export class SharedState {
  readonly connection: RedisConnection;
  readonly history: RedisHistory;
  readonly labels: RedisLabelStats;
  readonly rateLimit: RedisRateLimitStore;
  private changes: ChangeChannel | undefined;

  private constructor(private readonly options: SharedStateOptions) {
    this.connection = new RedisConnection({
      url: options.url,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    this.history = new RedisHistory(this.connection, options.spec, {
      prefix: options.prefix,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.labels = new RedisLabelStats(this.connection, { prefix: options.prefix });
    this.rateLimit = new RedisRateLimitStore(this.connection, {
      prefix: options.prefix,
      ...(options.onError ? { onFallback: options.onError } : {}),
    });
  }

  /**
   * Connects (waiting up to `waitMs` for Redis; an unreachable one leaves the server up and degraded, answering 503
   * to scoring, until it is back) and checks that the history there was written for this feature spec.
   */
  static async open(options: SharedStateOptions, waitMs = 10_000): Promise<SharedState> {
    const state = new SharedState(options);
    await state.connection.connect(waitMs);
    if (state.connection.problem() === undefined) await state.history.checkLayout();
    return state;
  }

  /** Subscribes to the changes other processes make. */
  async listen(options: Omit<ChangeChannelOptions, 'prefix'>): Promise<ChangeChannel> {
    this.changes = new ChangeChannel(this.connection, { ...options, prefix: this.options.prefix });
    await this.changes.start();
    return this.changes;
  }

  /**
   * The history as the scoring service uses it, refusing (503) while this process may be out of sync with the
   * others (its change subscription is down): it would tier at a threshold another replica has changed.
   */
  scoringHistory(): ServerHistory {
    const history = this.history;
    const inSync = (): void => {
      const problem = this.changes?.problem();
      if (problem !== undefined) throw unavailable(this.connection, 'scoring', new Error(problem));
    };
    return {
      retentionMs: history.retentionMs,
      async open(txs) {
        inSync();
        return history.open(txs);
      },
      remove: (txs) => history.remove(txs),
      replace: (tx) => history.replace(tx),
      setLabel: (id, label, knownAt) => history.setLabel(id, label, knownAt),
    };
  }

  /**
   * One process's turn out of all sharing this Redis, for `ttlMs` (e.g. the drift snapshot of an interval): true for
   * the first caller; also true when Redis cannot be asked (a duplicate snapshot is harmless, a missing one is not).
   */
  async takeTurn(name: string, ttlMs: number): Promise<boolean> {
    try {
      const reply = await this.connection.client.set(`${this.options.prefix}turn:${name}`, '1', {
        condition: 'NX',
        expiration: { type: 'PX', value: Math.max(1, Math.round(ttlMs)) },
      });
      return reply === 'OK';
    } catch {
      return true;
    }
  }

  /** Why the shared state cannot be used (for /health); empty when it can. */
  problems(): string[] {
    const problem = this.connection.problem() ?? this.changes?.problem();
    return problem === undefined ? [] : [problem];
  }

  /** Where it is, for the start-up log (no password). */
  describe(): string {
    return `redis ${redactUrl(this.options.url)} prefix ${this.options.prefix}`;
  }

  async close(): Promise<void> {
    this.changes?.stop();
    await this.connection.close();
  }
}
