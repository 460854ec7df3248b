// The drift monitor: compares windows of scored transactions with the baseline (the active bundle's reference.json,
// or a window of live traffic an operator chose), keeps snapshots, and changes the baseline with an audit trail.
// Routes (/v1/drift, the original /drift/check and /drift/set-baseline) and the host's scheduler all go through it.
import { buildReference } from './baseline.js';
import type { BaselineInfo, DriftBaseline, DriftHistory, DriftSnapshot } from './history.js';
import { computeDrift, type DriftOptions, type DriftReference, type DriftRow } from './psi.js';

/** Rows of the transactions in [from, to) by transaction time (epoch ms); the edge backs it with storage. */
export type DriftRowsSource = (from: number, to: number) => Promise<readonly DriftRow[]>;

export interface DriftModel {
  version: string;
  features: readonly string[];
  /** The bundle's reference.json. */
  reference: DriftReference;
  /** Calendar features' periods in ms (ModelInfo.periodMs): each is compared over whole periods only. */
  periodMs?: Readonly<Record<string, number>>;
}

export interface DriftMonitorOptions {
  /** The active model (read on every call, so a hot-swapped model brings its own reference). */
  model: () => DriftModel;
  rows: DriftRowsSource;
  history: DriftHistory;
  /** Epoch ms. */
  clock: () => number;
  drift?: DriftOptions;
  /** Called with every kept snapshot (e.g. FraudMetrics.recordDrift). */
  onSnapshot?: (snapshot: DriftSnapshot) => unknown;
  /** Called after a baseline change is recorded (other replicas then restore() it). */
  onBaseline?: () => unknown;
  /** A window baseline needs at least this many scored transactions (default 500). */
  minBaselineRows?: number;
}

/** Too few transactions in the window to make a baseline; the message says how many there were. */
export class BaselineTooSmallError extends Error {
  constructor(
    readonly rows: number,
    readonly required: number,
  ) {
    super(`the window holds ${rows} scored transactions; a baseline needs at least ${required}`);
    this.name = 'BaselineTooSmallError';
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The window a feature with period `periodMs` is compared over: the window widened to whole periods, ending at the
 * same time. A 6-hour window holds no weekend at all on a Tuesday and only weekend on a Saturday, so a calendar flag
 * compared over it against a reference of whole weeks "drifts" by the calendar alone (issue 22 measured PSI 2.4–7.2
 * on an unchanged week). Over whole days every hour, and over whole weeks every weekday, is covered exactly once, so
 * the share of night or weekend traffic changes only when the traffic does. The reference must span whole periods
 * too (training's 7-day windows do). We widen rather than restrict the reference to the window's hours because
 * reference.json holds marginal distributions only, and widening needs no change to its format.
 */
export function wholePeriods(windowMs: number, periodMs: number): number {
  return Math.ceil(windowMs / periodMs) * periodMs;
}

/** The baseline's own window and size: a window baseline's, or the bundle reference's training window. */
function referenceWindow(reference: DriftReference): { from: string; to: string } | null {
  const w = reference.window;
  return typeof w?.from === 'string' && typeof w.to === 'string' ? { from: w.from, to: w.to } : null;
}

export class DriftMonitor {
  /** The last recorded change (a window baseline, or a reset to the bundle). */
  private latest: DriftBaseline | undefined;
  readonly minBaselineRows: number;

  constructor(private readonly options: DriftMonitorOptions) {
    this.minBaselineRows = options.minBaselineRows ?? 500;
  }

  /** Loads the last recorded baseline (after a restart); it applies only while its model is the active one. */
  async restore(): Promise<BaselineInfo> {
    this.latest = await this.options.history.latestBaseline();
    return this.info();
  }

  /** The baseline in force. */
  baseline(): DriftBaseline {
    const model = this.options.model();
    const latest = this.latest?.modelVersion === model.version ? this.latest : undefined;
    if (latest?.source === 'window') return latest;
    const bundle = {
      window: referenceWindow(model.reference),
      rows: model.reference.score.count,
      reference: model.reference,
    };
    if (latest) return { ...latest, ...bundle };
    return { source: 'bundle', modelVersion: model.version, setBy: null, setAt: null, ...bundle };
  }

  /**
   * The drift of the window [to - windowMs, to) against the baseline, not kept. Calendar features are compared
   * over the window widened to their whole periods (wholePeriods), reported in their own `window`.
   */
  async snapshot(windowMs: number, to: number = this.options.clock()): Promise<DriftSnapshot> {
    const from = to - windowMs;
    const { reference, ...info } = this.baseline();
    const model = this.options.model();
    const widened = Object.entries(model.periodMs ?? {})
      .filter(([name]) => model.features.includes(name))
      .map(([name, period]) => ({ name, from: to - wholePeriods(windowMs, period) }))
      .filter((w) => w.from < from);
    const earliest = Math.min(from, ...widened.map((w) => w.from));
    const all = await this.options.rows(earliest, to);
    const rows = earliest === from ? all : all.filter((r) => r.timestamp === undefined || r.timestamp >= from);
    const featureRows = Object.fromEntries(
      widened.map((w) => [w.name, all.filter((r) => r.timestamp === undefined || r.timestamp >= w.from)]),
    );
    const report = computeDrift(reference, rows, model.features, { ...this.options.drift, featureRows });
    for (const w of widened) report.features[w.name]!.window = { from: iso(w.from), to: iso(to) };
    return {
      ...report,
      window: { from: iso(from), to: iso(to) },
      computedAt: iso(this.options.clock()),
      baseline: info,
    };
  }

  /**
   * A snapshot kept in the history and reported (the scheduler, /drift/check, ops-cli drift-check): over the window
   * ending now, or ending at `to` for a past period.
   */
  async check(windowMs: number, to?: number): Promise<DriftSnapshot> {
    const snapshot = await this.snapshot(windowMs, to);
    await this.options.history.append(snapshot);
    await this.options.onSnapshot?.(snapshot);
    return snapshot;
  }

  /**
   * Makes the scored transactions of the window ending now (or at `until`, for a back-filled past period) the
   * baseline; recorded with who and when.
   */
  async setBaseline(windowMs: number, by: string, until?: number): Promise<BaselineInfo> {
    const now = this.options.clock();
    const to = until ?? now;
    const from = to - windowMs;
    const rows = await this.options.rows(from, to);
    if (rows.length < this.minBaselineRows) throw new BaselineTooSmallError(rows.length, this.minBaselineRows);
    const model = this.options.model();
    const baseline: DriftBaseline = {
      source: 'window',
      modelVersion: model.version,
      window: { from: iso(from), to: iso(to) },
      rows: rows.length,
      setBy: by,
      setAt: iso(now),
      reference: buildReference(rows, model.features),
    };
    // Recorded first: a baseline that could not be recorded is not applied.
    await this.options.history.appendBaseline(baseline);
    this.latest = baseline;
    await this.options.onBaseline?.();
    return this.info();
  }

  /** Back to the bundle's reference.json; recorded too. */
  async resetBaseline(by: string): Promise<BaselineInfo> {
    const model = this.options.model();
    const reset: DriftBaseline = {
      source: 'bundle',
      modelVersion: model.version,
      window: null,
      rows: null,
      setBy: by,
      setAt: iso(this.options.clock()),
      reference: model.reference,
    };
    await this.options.history.appendBaseline(reset);
    this.latest = reset;
    await this.options.onBaseline?.();
    return this.info();
  }

  /** The baseline in force without its (large) reference. */
  info(): BaselineInfo {
    const { reference: _reference, ...info } = this.baseline();
    return info;
  }
}
