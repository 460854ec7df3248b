// Changes made through one replica reach every other one over Redis pub/sub: the threshold in force, the drift
// baseline, a new drift snapshot (for the gauges), the model lifecycle (reload, promote, rollback). A message arrives
// within milliseconds; Redis pub/sub delivers at most once, so a process whose subscription broke re-reads every
// setting from where it is recorded (storage) as soon as it is subscribed again, and until then it is not in sync:
// `problem()` says so and the server refuses to score (503) rather than tier at a stale threshold. The bound is
// therefore: a change is in force on every replica that scores within the time pub/sub takes (typically < 10 ms,
// measured < 1 s under load by the scale-out test), or that replica does not score.
import { randomUUID } from 'node:crypto';
import { RedisConnection, type RedisClient } from './connection.js';

export type SharedChange =
  | { kind: 'threshold'; threshold: number }
  | { kind: 'drift-baseline' }
  | { kind: 'drift-snapshot' }
  | { kind: 'model' };

export interface ChangeChannelOptions {
  /** Key prefix (default "fraudscore:"); the channel is "<prefix>changes". */
  prefix?: string;
  /** Applies a change made by another process. */
  onChange: (change: SharedChange) => void | Promise<void>;
  /** Re-reads every setting (after (re)subscribing, when messages may have been missed). */
  resync: () => Promise<void>;
  /** A change or resync that failed (logged by the host). */
  onError?: (error: unknown) => void;
}

export class ChangeChannel {
  private readonly channel: string;
  /** This process's messages come back to it too: they carry its id and are skipped. */
  private readonly origin = randomUUID();
  private subscriber: RedisClient | undefined;
  private synced = false;
  private syncing: Promise<void> | undefined;
  /** Messages received so far: a resync that overlapped one runs again (it may have read the older value). */
  private received = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: ChangeChannelOptions,
  ) {
    this.channel = `${options.prefix ?? 'fraudscore:'}changes`;
  }

  /** Subscribes (and resyncs each time the subscription is established again). */
  async start(): Promise<void> {
    const subscriber = await this.connection.subscriberClient();
    this.subscriber = subscriber;
    const lost = () => (this.synced = false);
    subscriber.on('error', lost);
    subscriber.on('end', lost);
    subscriber.on('reconnecting', lost);
    subscriber.on('ready', () => void this.resync());
    try {
      await subscriber.subscribe(this.channel, (message) => void this.receive(message));
      await this.resync();
    } catch (error) {
      // Not reachable yet: the client resubscribes when it is, and 'ready' resyncs.
      this.options.onError?.(error);
    }
  }

  /** Why this process may not be in sync with the others; undefined when it is. */
  problem(): string | undefined {
    if (this.synced && this.subscriber?.isReady) return undefined;
    return `not subscribed to changes made by other replicas (${this.connection.problem() ?? 'resynchronising'})`;
  }

  /** Tells the other processes (this one applied the change already). */
  async publish(change: SharedChange): Promise<void> {
    await this.connection.client.publish(this.channel, JSON.stringify({ origin: this.origin, change }));
  }

  private async receive(message: string): Promise<void> {
    try {
      const { origin, change } = JSON.parse(message) as { origin: string; change: SharedChange };
      if (origin === this.origin) return;
      this.received += 1;
      await this.options.onChange(change);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  /** Stops retrying a failed resync (the connection itself is closed by its owner). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private resync(): Promise<void> {
    this.syncing ??= (async () => {
      this.synced = false;
      try {
        for (;;) {
          const seen = this.received;
          await this.options.resync();
          if (this.received === seen) break;
        }
        this.synced = this.subscriber?.isReady ?? false;
      } catch (error) {
        // Storage may be down too: try again in a second (the process does not score meanwhile).
        this.options.onError?.(error);
        clearTimeout(this.retry);
        if (!this.stopped) this.retry = setTimeout(() => void this.resync(), 1_000).unref();
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }
}
