// Drift snapshots and baselines kept for charts and audit, and the scheduler that takes a snapshot every N ms.
import type { DriftReference, DriftReport } from './psi.js';

export interface DriftSnapshot extends DriftReport {
  /** The window compared, ISO 8601: (from, to]. */
  window: { from: string; to: string };
  /** When the snapshot was computed, ISO 8601. */
  computedAt: string;
  /** What it was compared with. */
  baseline: BaselineInfo;
}

/** Which reference drift is measured against: the bundle's reference.json, or a window of live traffic. */
export interface BaselineInfo {
  source: 'bundle' | 'window';
  /** The model the baseline belongs to (a new model starts from its own bundle's reference). */
  modelVersion: string;
  /** For a window baseline: the scored transactions it was built from. */
  window: { from: string; to: string } | null;
  rows: number | null;
  setBy: string | null;
  setAt: string | null;
}

export interface DriftBaseline extends BaselineInfo {
  reference: DriftReference;
}

export interface DriftHistory {
  append(snapshot: DriftSnapshot): Promise<void>;
  /** Snapshots whose computedAt is in [from, to] (epoch ms; open ends when absent), oldest first. */
  list(range?: { from?: number; to?: number }): Promise<DriftSnapshot[]>;
  /** Records a baseline change (a reset to the bundle is recorded too). */
  appendBaseline(baseline: DriftBaseline): Promise<void>;
  /** The last recorded baseline, if any. */
  latestBaseline(): Promise<DriftBaseline | undefined>;
}

/** Keeps the newest `capacity` snapshots (default 1,000: 250 days at one per 6 h) and the baseline changes. */
export class MemoryDriftHistory implements DriftHistory {
  private readonly snapshots: DriftSnapshot[] = [];
  private readonly baselines: DriftBaseline[] = [];

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
    return Promise.resolve(
      this.snapshots.filter((s) => {
        const at = Date.parse(s.computedAt);
        return at >= from && at <= to;
      }),
    );
  }

  appendBaseline(baseline: DriftBaseline): Promise<void> {
    this.baselines.push(baseline);
    return Promise.resolve();
  }

  latestBaseline(): Promise<DriftBaseline | undefined> {
    return Promise.resolve(this.baselines.at(-1));
  }
}

export const SIX_HOURS = 6 * 60 * 60 * 1000;

export interface DriftSchedulerOptions {
  /** Takes and keeps one snapshot (DriftMonitor.check over the window). */
  check: () => Promise<DriftSnapshot>;
  /** Between snapshots; default 6 h. */
  intervalMs?: number;
  /** Timer functions (injected so tests control ticks); default the global ones. */
  setInterval?: (tick: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
  /** A failed tick; the schedule goes on. Default: ignored. */
  onError?: (error: unknown) => void;
}

export class DriftScheduler {
  readonly intervalMs: number;
  private handle: unknown = undefined;
  private running: Promise<DriftSnapshot> | undefined;

  constructor(private readonly options: DriftSchedulerOptions) {
    this.intervalMs = options.intervalMs ?? SIX_HOURS;
    if (!(this.intervalMs > 0)) throw new Error('drift scheduler: intervalMs must be positive');
  }

  get started(): boolean {
    return this.handle !== undefined;
  }

  /** Starts ticking every intervalMs (no snapshot at once unless `immediately`). Idempotent. */
  start({ immediately = false }: { immediately?: boolean } = {}): void {
    if (this.handle !== undefined) return;
    const set =
      this.options.setInterval ?? ((tick: () => void, ms: number): unknown => globalThis.setInterval(tick, ms));
    this.handle = set(() => void this.tick(), this.intervalMs);
    if (immediately) void this.tick();
  }

  stop(): void {
    if (this.handle === undefined) return;
    const clear =
      this.options.clearInterval ??
      ((h: unknown) => globalThis.clearInterval(h as Parameters<typeof globalThis.clearInterval>[0]));
    clear(this.handle);
    this.handle = undefined;
  }

  /** One snapshot now; a call while one runs shares it. */
  async runOnce(): Promise<DriftSnapshot> {
    if (this.running) return this.running;
    const run = this.options.check();
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
