// The project's Prometheus metrics on the dependency-free registry. The edge calls recordScore on the scoring path,
// recordLabel when an analyst labels a transaction, recordDrift with each drift snapshot and setModel when the
// active bundle changes; GET /metrics renders registry.render(). The Node host adds process_* lines with
// registry.addCollector.
import type { RiskLevel } from '@fraudscore/sdk';
import {
  dailyAccuracy,
  falsePositiveRate,
  memoryLabelStats,
  type LabelOutcome,
  type LabelStats,
  type LabelStatsStore,
} from './labels.js';
import { Registry, type Counter, type Gauge, type Histogram } from './registry.js';

export * from './registry.js';
export * from './labels.js';

/** Scoring latency buckets in seconds: 0.1 ms .. 1 s, roughly 1-2.5-5 per decade. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** Probability buckets 0.05 wide: 0.05, 0.1, …, 1 (exact decimals, so the `le` labels read cleanly). */
export const SCORE_BUCKETS: readonly number[] = Array.from({ length: 20 }, (_, i) => ((i + 1) * 5) / 100);

export interface ScoreRecord {
  probability: number;
  riskLevel: RiskLevel;
  blocked: boolean;
  latencySeconds: number;
}

/** The part of a drift snapshot the gauges need (structural, so metrics does not depend on drift/). */
interface DriftMeasures {
  psi: number | null;
  /** Normalised Wasserstein distance (absent in snapshots kept before issue 22). */
  wasserstein?: number | null;
  /** ok | warn | alert | insufficient_data. */
  level?: string;
}

export interface DriftScores {
  features: Readonly<Record<string, DriftMeasures>>;
  score: DriftMeasures;
}

/** The drift level as a gauge value (what the Prometheus rules compare); insufficient_data has none. */
const LEVEL_VALUE: Readonly<Record<string, number>> = { ok: 0, warn: 1, alert: 2 };

export interface FraudMetricsOptions {
  /** Epoch milliseconds now; injectable for tests. */
  clock: () => number;
  /** Epoch milliseconds the process (or isolate) started: process_uptime_seconds counts from it. */
  startTime: number;
  /** A registry to add the metrics to (default: a new one). */
  registry?: Registry;
  /** Counts to start from (e.g. rebuilt from storage at start-up) for the in-process counts. */
  labelStats?: LabelStats;
  /** Where label counts live instead (a store shared by replicas); its counts are read at each refresh(). */
  labels?: LabelStatsStore;
}

export interface FraudMetrics {
  readonly registry: Registry;
  readonly latency: Histogram;
  readonly score: Histogram;
  readonly predictions: Counter;
  readonly featureDrift: Gauge;
  readonly scoreDrift: Gauge;
  readonly modelInfo: Gauge;
  recordScore(record: ScoreRecord): void;
  /** `at`: when the analyst labelled it, epoch ms (default now). Resolves once a shared store has counted it. */
  recordLabel(outcome: LabelOutcome, at?: number): Promise<void>;
  /** Reads the label counts from their store (before a scrape); a store that cannot be read keeps the last ones. */
  refresh(): Promise<void>;
  recordDrift(snapshot: DriftScores): void;
  /** Mark `version` as the active model (model_info{version} 1; any previous version's series is dropped). */
  setModel(version: string): void;
  labelStats(): LabelStats;
}

export function createFraudMetrics(options: FraudMetricsOptions): FraudMetrics {
  const { clock, startTime } = options;
  const registry = options.registry ?? new Registry();
  const local = memoryLabelStats(options.labelStats);
  const shared = options.labels;
  // The gauges read synchronously: the process's own counts, or the last counts refresh() read from a shared store.
  let fetched: LabelStats = local.read();
  const stats = (): LabelStats => (shared ? fetched : local.read());

  const latency = registry.histogram({
    name: 'fraud_detection_latency_seconds',
    help: 'Time to score one transaction, in seconds.',
    buckets: LATENCY_BUCKETS,
  });
  const score = registry.histogram({
    name: 'fraud_score',
    help: 'Fraud probability of scored transactions.',
    buckets: SCORE_BUCKETS,
  });
  const predictions = registry.counter({
    name: 'predictions_total',
    help: 'Scored transactions by risk level and block decision.',
    labelNames: ['risk_level', 'blocked'],
  });
  const featureDrift = registry.gauge({
    name: 'feature_drift_score',
    help: 'Population stability index of each feature against the reference distribution.',
    labelNames: ['feature'],
  });
  const scoreDrift = registry.gauge({
    name: 'score_drift_score',
    help: 'Population stability index of the fraud probability against the reference distribution.',
  });
  const featureDistance = registry.gauge({
    name: 'feature_drift_distance',
    help: "Wasserstein distance of each feature from the reference, over the reference's standard deviation.",
    labelNames: ['feature'],
  });
  const scoreDistance = registry.gauge({
    name: 'score_drift_distance',
    help: "Wasserstein distance of the fraud probability from the reference, over the reference's standard deviation.",
  });
  const featureLevel = registry.gauge({
    name: 'feature_drift_level',
    help: 'Drift level of each feature in the last snapshot: 0 ok, 1 warn, 2 alert; absent with insufficient data.',
    labelNames: ['feature'],
  });
  const scoreLevel = registry.gauge({
    name: 'score_drift_level',
    help: 'Drift level of the fraud probability in the last snapshot: 0 ok, 1 warn, 2 alert; absent with insufficient data.',
  });
  const setOrRemove = <L extends Record<string, string>>(
    gauge: Gauge,
    value: number | null | undefined,
    labels?: L,
  ): void => {
    if (value === null || value === undefined) gauge.remove(labels);
    else gauge.set(value, labels);
  };
  registry.gauge({
    name: 'false_positive_rate',
    help: 'Share of labelled blocked transactions that were labelled legitimate.',
    collect: () => falsePositiveRate(stats()),
  });
  registry.gauge({
    name: 'model_accuracy_daily',
    help: "Share of today's (UTC) labels that the prediction at the threshold agreed with.",
    collect: () => dailyAccuracy(stats(), clock()),
  });
  const modelInfo = registry.gauge({
    name: 'model_info',
    help: 'The active model version (value 1).',
    labelNames: ['version'],
  });
  registry.gauge({
    name: 'process_uptime_seconds',
    help: 'Seconds since the process started.',
    collect: () => Math.max(0, (clock() - startTime) / 1000),
  });

  return {
    registry,
    latency,
    score,
    predictions,
    featureDrift,
    scoreDrift,
    modelInfo,
    recordScore({ probability, riskLevel, blocked, latencySeconds }) {
      latency.observe(latencySeconds);
      score.observe(probability);
      predictions.inc({ risk_level: riskLevel, blocked: blocked ? 'true' : 'false' });
    },
    recordLabel(outcome, at = clock()) {
      if (!shared) {
        local.record(outcome, at);
        return Promise.resolve();
      }
      return Promise.resolve(shared.record(outcome, at));
    },
    async refresh() {
      if (!shared) return;
      try {
        fetched = await shared.read();
      } catch {
        // Unreachable for now: the last counts stay (the outage shows in /health).
      }
    },
    recordDrift(snapshot) {
      for (const [feature, d] of Object.entries(snapshot.features)) {
        setOrRemove(featureDrift, d.psi, { feature });
        setOrRemove(featureDistance, d.wasserstein, { feature });
        setOrRemove(featureLevel, LEVEL_VALUE[d.level ?? ''], { feature });
      }
      setOrRemove(scoreDrift, snapshot.score.psi);
      setOrRemove(scoreDistance, snapshot.score.wasserstein);
      setOrRemove(scoreLevel, LEVEL_VALUE[snapshot.score.level ?? '']);
    },
    setModel(version) {
      modelInfo.reset();
      modelInfo.set(1, { version });
    },
    labelStats: stats,
  };
}
