// What the edge needs from a model registry (MLflow in server/): the bridge routes read it, the lifecycle routes
// act on it. Injected, so the edge stays runtime-free; absent → the routes answer 503 saying it is not configured.

/** Where the active model came from. */
export type ModelSource =
  | { kind: 'bundle'; location: string }
  | { kind: 'registry'; name: string; version: string; alias: string; runId: string | null };

/** The active model's provenance and whether the last attempt to follow the registry worked. */
export interface ModelStatus {
  source: ModelSource;
  state: 'ok' | 'degraded';
  /** Why it is degraded (a refused bundle, the registry unreachable), newest first. */
  reasons: string[];
  /** Last registry check, ISO 8601; null when the server does not follow a registry. */
  checkedAt: string | null;
}

export interface ReloadOutcome {
  changed: boolean;
  /** The model serving now. */
  model: { name: string; version: string };
  source: ModelSource;
  detail: string;
}

export interface GateScores {
  version: string;
  average_precision: number;
  auc_roc: number;
}

export interface PromotionOutcome {
  decision: 'promoted' | 'rejected';
  reason: string;
  challenger: GateScores;
  champion: GateScores | null;
  /** Labelled transactions both were evaluated on, and how many were fraud. */
  labels: number;
  frauds: number;
  window: { from: string; to: string };
  /** The version serving after the decision (promoted: the server has switched to it). */
  active: { name: string; version: string };
}

export interface RollbackOutcome {
  champion: { version: string };
  previous: { version: string };
  active: { name: string; version: string };
}

export interface ModelLifecycle {
  status(): ModelStatus;
  /** Follow the registry's champion now (download, verify, warm, swap). */
  reload(): Promise<ReloadOutcome>;
  /** Evaluate challenger vs champion on the latest labelled window; move the champion alias if the gate passes. */
  promote(by: string): Promise<PromotionOutcome>;
  /** Back to the previous champion. */
  rollback(by: string): Promise<RollbackOutcome>;
}

/** A registered model version as analysts see it: its aliases (and legacy stage), tags and its run's metrics. */
export interface RegistryModelVersion {
  version: string;
  run_id: string | null;
  /** The bundle version the version's artifacts carry (tag bundle_version). */
  bundle_version: string | null;
  stage: string | null;
  aliases: string[];
  status: string | null;
  /** Epoch ms (MLflow's creation_timestamp). */
  created_at: number | null;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

export interface RegistryModel {
  name: string;
  /** alias → version (the registered model's alias map). */
  aliases: Record<string, string>;
  /** Newest first. */
  versions: RegistryModelVersion[];
}

/** Runs side by side: each metric's values per run, the best run per metric and overall. */
export interface RunComparison {
  runs: { run_id: string; run_name: string | null; start_time: number | null }[];
  metrics: Record<
    string,
    { values: Record<string, number>; best_run: string | null; average: number | null; higher_is_better: boolean }
  >;
  /** Most per-metric wins; ties by Average Precision. */
  best_run: string | null;
}

/** Read-only views of the registry for analysts (the original service's /mlflow/* routes). */
export interface RegistryBridge {
  /** JSON as the registry has it. */
  experiments(): Promise<unknown>;
  runs(query: { experimentId?: string | undefined; limit: number }): Promise<unknown>;
  run(runId: string): Promise<unknown>;
  models(): Promise<{ models: RegistryModel[] }>;
  compare(query: { runIds?: string[] | undefined; limit?: number | undefined }): Promise<RunComparison>;
}
