// The drift monitor: compares windows of scored transactions with the baseline (the active bundle's reference.json,
// or a window of live traffic an operator chose), keeps snapshots, and changes the baseline with an audit trail.
// Routes (/v1/drift, the original /drift/check and /drift/set-baseline) and the host's scheduler all go through it.
import { buildReference } from './baseline.js';
import type { BaselineInfo, DriftBaseline, DriftHistory, DriftSnapshot } from './history.js';
import { computeDrift, type DriftOptions, type DriftReference, type DriftRow } from './psi.js';

/** Rows scored in (from, to] (epoch ms); the edge backs it with storage. */
export type DriftRowsSource = (from: number, to: number) => Promise<readonly DriftRow[]>;

export interface DriftModel {
  version: string;
  features: readonly string[];
  /** The bundle's reference.json. */
  reference: DriftReference;
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
    if (latest) return { ...latest, reference: model.reference };
    return {
      source: 'bundle',
      modelVersion: model.version,
      window: null,
      rows: null,
      setBy: null,
      setAt: null,
      reference: model.reference,
    };
  }

  /** The drift of the window (to - windowMs, to] against the baseline, not kept. */
  async snapshot(windowMs: number, to: number = this.options.clock()): Promise<DriftSnapshot> {
    const from = to - windowMs;
    const { reference, ...info } = this.baseline();
    const rows = await this.options.rows(from, to);
    const report = computeDrift(reference, rows, this.options.model().features, this.options.drift);
    return {
      ...report,
      window: { from: iso(from), to: iso(to) },
      computedAt: iso(this.options.clock()),
      baseline: info,
    };
  }

  /** A snapshot over the window ending now, kept in the history and reported (the scheduler and /drift/check). */
  async check(windowMs: number): Promise<DriftSnapshot> {
    const snapshot = await this.snapshot(windowMs);
    await this.options.history.append(snapshot);
    await this.options.onSnapshot?.(snapshot);
    return snapshot;
  }

  /** Makes the scored transactions of the window ending now the baseline; recorded with who and when. */
  async setBaseline(windowMs: number, by: string): Promise<BaselineInfo> {
    const to = this.options.clock();
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
      setAt: iso(to),
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
