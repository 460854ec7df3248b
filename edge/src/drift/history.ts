// Drift snapshots kept for charts, and the scheduler that takes one every N ms (default 6 h).
import { computeDrift, type DriftOptions, type DriftReference, type DriftReport, type DriftRow } from './psi.js';

export interface DriftSnapshot extends DriftReport {
  /** The window compared, ISO 8601: (from, to]. */
  window: { from: string; to: string };
  /** When the snapshot was computed, ISO 8601. */
  computedAt: string;
}

/** Rows scored in (from, to] (epoch ms); the edge backs it with storage. */
export type DriftRowsSource = (from: number, to: number) => Promise<readonly DriftRow[]>;

export interface DriftHistory {
  append(snapshot: DriftSnapshot): Promise<void>;
  /** Snapshots whose computedAt is in [from, to] (epoch ms; open ends when absent), oldest first. */
  list(range?: { from?: number; to?: number }): Promise<DriftSnapshot[]>;
}

/** Keeps the newest `capacity` snapshots (default 1,000: 250 days at one per 6 h). */
export class MemoryDriftHistory implements DriftHistory {
  private readonly snapshots: DriftSnapshot[] = [];

  constructor(private readonly capacity = 1000) {}

  append(snapshot: DriftSnapshot): Promise<void> {
    const at = Date.parse(snapshot.computedAt);
    let i = this.snapshots.length;
    while (i > 0 && Date.parse(this.snapshots[i - 1]!.computedAt) > at) i--;
    this.snapshots.splice(i, 0, snapshot);
    if (this.snapshots.length > this.capacity) this.snapshots.splice(0, this.snapshots.length - this.capacity);
    return Promise.resolve();
  }

  list(range: { from?: number; to?: number } = {}): Promise<DriftSnapshot[]> {
    const from = range.from ?? -Infinity;
    const to = range.to ?? Infinity;
    return Promise.resolve(this.snapshots.filter((s) => {
      const at = Date.parse(s.computedAt);
      return at >= from && at <= to;
    }));
  }
}

/** The drift of the rows in (to - windowMs, to], as a snapshot computed at `now`. */
export async function takeSnapshot(
  input: { reference: DriftReference; featureNames: readonly string[]; rows: DriftRowsSource; options?: DriftOptions },
  to: number,
  windowMs: number,
  now: number = to,
): Promise<DriftSnapshot> {
  const from = to - windowMs;
  const rows = await input.rows(from, to);
  const report = computeDrift(input.reference, rows, input.featureNames, input.options);
  return { ...report, window: { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, computedAt: new Date(now).toISOString() };
}

export const SIX_HOURS = 6 * 60 * 60 * 1000;

export interface DriftSchedulerOptions {
  reference: DriftReference;
  featureNames: readonly string[];
  rows: DriftRowsSource;
  history: DriftHistory;
  /** Epoch ms now. */
  clock: () => number;
  /** Between snapshots; default 6 h. */
  intervalMs?: number;
  /** The window each snapshot compares; default the interval. */
  windowMs?: number;
  drift?: DriftOptions;
  /** Timer functions (injected so tests control ticks); default the global ones. */
  setInterval?: (tick: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
  /** Called with each kept snapshot (e.g. FraudMetrics.recordDrift). */
  onSnapshot?: (snapshot: DriftSnapshot) => void;
  /** A failed tick (rows source or history); the schedule goes on. Default: ignored. */
  onError?: (error: unknown) => void;
}

export class DriftScheduler {
  readonly intervalMs: number;
  readonly windowMs: number;
  private handle: unknown = undefined;
  private running: Promise<DriftSnapshot> | undefined;

  constructor(private readonly options: DriftSchedulerOptions) {
    this.intervalMs = options.intervalMs ?? SIX_HOURS;
    this.windowMs = options.windowMs ?? this.intervalMs;
    if (!(this.intervalMs > 0) || !(this.windowMs > 0)) throw new Error('drift scheduler: intervalMs and windowMs must be positive');
  }

  get started(): boolean {
    return this.handle !== undefined;
  }

  /** Starts ticking every intervalMs (no snapshot at once unless `immediately`). Idempotent. */
  start({ immediately = false }: { immediately?: boolean } = {}): void {
    if (this.handle !== undefined) return;
    const set = this.options.setInterval ?? ((tick: () => void, ms: number): unknown => globalThis.setInterval(tick, ms));
    this.handle = set(() => void this.tick(), this.intervalMs);
    if (immediately) void this.tick();
  }

  stop(): void {
    if (this.handle === undefined) return;
    const clear = this.options.clearInterval ?? ((h: unknown) => globalThis.clearInterval(h as Parameters<typeof globalThis.clearInterval>[0]));
    clear(this.handle);
    this.handle = undefined;
  }

  /** One snapshot now: computed, appended to the history, reported. A tick while one runs is skipped. */
  async runOnce(): Promise<DriftSnapshot> {
    if (this.running) return this.running;
    const run = (async () => {
      const now = this.options.clock();
      const snapshot = await takeSnapshot(
        { reference: this.options.reference, featureNames: this.options.featureNames, rows: this.options.rows, ...(this.options.drift ? { options: this.options.drift } : {}) },
        now,
        this.windowMs,
      );
      await this.options.history.append(snapshot);
      this.options.onSnapshot?.(snapshot);
      return snapshot;
    })();
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
    }
  }

  /** The running tick, for hosts and tests that want to await it. */
  get pending(): Promise<DriftSnapshot> | undefined {
    return this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    try {
      await this.runOnce();
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
