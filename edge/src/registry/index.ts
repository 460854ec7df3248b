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

/** Read-only views of the registry for analysts (the original service's /mlflow/* routes). JSON as the registry has it. */
export interface RegistryBridge {
  experiments(): Promise<unknown>;
  runs(query: { experimentId?: string | undefined; limit: number }): Promise<unknown>;
  run(runId: string): Promise<unknown>;
  models(): Promise<unknown>;
  compare(query: { runIds?: string[] | undefined; limit?: number | undefined }): Promise<unknown>;
}
