// The live feed: scored transactions from GET /v1/stream (fetch streaming with the key header), buffered off-screen
// and handed to the DOM once per animation frame, so 1,000 events a second cost ~60 renders, not 1,000. Throughput
// is counted per second from the stream; latency is the scoring latency from /metrics (Δsum / Δcount).
import { authHeaders, describeError } from './api.js';
import { readSse } from './sse.js';
import type { RiskLevel, ScoredTransaction } from './types.js';

const KEEP = 2000;
const SECONDS = 60;

/** The records the feed has shown, by id: a transaction opened from the feed shows at once (the stream carries the
 * same ScoredTransaction as GET /v1/transactions/{id}), even before storage has committed it. */
// A plain Map on purpose: a lookup on navigation, not state that any component renders.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
export const seen = new Map<string, ScoredTransaction>();

export class LiveFeed {
  /** Newest first; replaced (not mutated) once per frame. */
  items = $state.raw<ScoredTransaction[]>([]);
  status = $state<'connecting' | 'live' | 'error' | 'stopped'>('stopped');
  error = $state('');
  paused = $state(false);
  received = $state(0);
  throughput = $state.raw<number[]>([]);
  latencyMs = $state.raw<number[]>([]);

  private pending: ScoredTransaction[] = [];
  private frame = 0;
  private abort: AbortController | undefined;
  private countThisSecond = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastMetrics: { sum: number; count: number } | undefined;

  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    void this.connect(this.abort.signal);
    this.timer = setInterval(() => this.tick(), 1000);
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    clearInterval(this.timer);
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.status = 'stopped';
  }

  togglePause(): void {
    this.paused = !this.paused;
    if (!this.paused) this.schedule();
  }

  private async connect(signal: AbortSignal): Promise<void> {
    let delay = 1000;
    while (!signal.aborted) {
      this.status = 'connecting';
      try {
        const response = await fetch('/v1/stream', {
          headers: { ...authHeaders(), accept: 'text/event-stream' },
          signal,
        });
        if (!response.ok)
          throw new Error(response.status === 401 ? 'the API key was refused' : `HTTP ${response.status}`);
        this.status = 'live';
        this.error = '';
        delay = 1000;
        await readSse(
          response,
          (event) => {
            if (event.event !== 'scored') return;
            this.accept(JSON.parse(event.data) as ScoredTransaction);
          },
          signal,
        );
      } catch (error) {
        if (signal.aborted) return;
        this.status = 'error';
        this.error = `The live stream is down: ${describeError(error)}. Retrying…`;
      }
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  }

  /** One event in: counted now, drawn at the next frame. */
  accept(record: ScoredTransaction): void {
    this.countThisSecond += 1;
    this.pending.push(record);
    if (this.pending.length > KEEP) this.pending.splice(0, this.pending.length - KEEP);
    this.schedule();
  }

  private schedule(): void {
    if (this.frame || this.paused) return;
    this.frame = requestAnimationFrame(() => this.flush());
  }

  /** Moves everything pending into `items` in one assignment. */
  flush(): void {
    this.frame = 0;
    if (this.paused || this.pending.length === 0) return;
    const incoming = this.pending.reverse();
    this.pending = [];
    this.received += incoming.length;
    for (const record of incoming.slice(0, KEEP)) seen.set(record.id, record);
    if (seen.size > KEEP * 2) for (const id of [...seen.keys()].slice(0, seen.size - KEEP)) seen.delete(id);
    this.items =
      incoming.length >= KEEP ? incoming.slice(0, KEEP) : incoming.concat(this.items.slice(0, KEEP - incoming.length));
  }

  private tick(): void {
    this.throughput = [...this.throughput, this.countThisSecond].slice(-SECONDS);
    this.countThisSecond = 0;
    void this.sampleLatency();
  }

  private async sampleLatency(): Promise<void> {
    try {
      const text = await (await fetch('/metrics')).text();
      const sum = Number(/^fraud_detection_latency_seconds_sum (\S+)/m.exec(text)?.[1]);
      const count = Number(/^fraud_detection_latency_seconds_count (\S+)/m.exec(text)?.[1]);
      if (!Number.isFinite(sum) || !Number.isFinite(count)) return;
      const last = this.lastMetrics;
      this.lastMetrics = { sum, count };
      if (last && count > last.count)
        this.latencyMs = [...this.latencyMs, ((sum - last.sum) / (count - last.count)) * 1000].slice(-SECONDS);
    } catch {
      // metrics are optional for the feed
    }
  }
}

export function matches(
  record: ScoredTransaction,
  tiers: ReadonlySet<RiskLevel>,
  blockedOnly: boolean,
  text: string,
): boolean {
  if (!tiers.has(record.riskLevel)) return false;
  if (blockedOnly && !record.shouldBlock) return false;
  if (
    text &&
    !`${record.id} ${record.transaction.customerId} ${record.transaction.terminalId}`
      .toLowerCase()
      .includes(text.toLowerCase())
  )
    return false;
  return true;
}

/** The rows a virtual list draws: those in view plus a margin. */
export function visibleRange(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  total: number,
  overscan = 8,
): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(total, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return { start, end };
}
