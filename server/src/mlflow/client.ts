// A small client of MLflow's REST API (tracking, model registry, artifacts): fetch with a timeout per attempt
// (AbortController), retries with exponential backoff that honour Retry-After, typed errors (./errors.ts).
// https://mlflow.org/docs/latest/api_reference/rest-api.html
import { errorFromResponse, MlflowUnavailableError, retryable } from './errors.js';

export interface MlflowClientOptions {
  /** http(s)://host:port of the tracking server. */
  trackingUri: string;
  /** Per attempt (default 5 s). */
  timeoutMs?: number;
  /** Extra attempts after a network error, timeout, 429 or 5xx (default 2). */
  retries?: number;
  /** First backoff (default 200 ms, doubled each retry; Retry-After wins when given). */
  backoffMs?: number;
  fetch?: typeof fetch;
}

export interface MlflowTag {
  key: string;
  value: string;
}

export interface ModelVersion {
  name: string;
  version: string;
  run_id?: string;
  source?: string;
  current_stage?: string;
  status?: string;
  creation_timestamp?: number;
  tags?: MlflowTag[];
  aliases?: string[];
}

export interface RegisteredModel {
  name: string;
  aliases?: { alias: string; version: string }[];
  latest_versions?: ModelVersion[];
  tags?: MlflowTag[];
}

export interface Run {
  info: {
    run_id: string;
    run_name?: string;
    experiment_id: string;
    status?: string;
    start_time?: number;
    end_time?: number;
    artifact_uri?: string;
  };
  data: {
    metrics?: { key: string; value: number; step?: number; timestamp?: number }[];
    params?: MlflowTag[];
    tags?: MlflowTag[];
  };
}

export interface Experiment {
  experiment_id: string;
  name: string;
  lifecycle_stage?: string;
  creation_time?: number;
  tags?: MlflowTag[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class MlflowClient {
  readonly base: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: MlflowClientOptions) {
    this.base = options.trackingUri.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.retries = options.retries ?? 2;
    this.backoffMs = options.backoffMs ?? 200;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** One call with retries; resolves to the response of a 2xx answer. */
  private async request(what: string, path: string, init: RequestInit = {}): Promise<Response> {
    let lastError: Error = new MlflowUnavailableError(`MLflow ${what}: no attempt made`);
    let delay = 0;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (delay > 0) await sleep(delay);
      delay = this.backoffMs * 2 ** attempt;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), this.timeoutMs);
      let response: Response;
      try {
        response = await this.fetchImpl(`${this.base}${path}`, { ...init, signal: abort.signal });
      } catch (error) {
        lastError = new MlflowUnavailableError(
          abort.signal.aborted
            ? `MLflow ${what} timed out after ${this.timeoutMs} ms (${this.base})`
            : `MLflow is unreachable at ${this.base}: ${(error as Error).message}`,
          { cause: error },
        );
        continue;
      } finally {
        clearTimeout(timer);
      }
      if (response.ok) return response;
      lastError = errorFromResponse(response.status, await response.text(), what);
      if (!retryable(response.status)) throw lastError;
      const retryAfter = Number(response.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) delay = Math.min(retryAfter, 30) * 1000;
    }
    throw lastError;
  }

  private async json<T>(what: string, path: string, init?: RequestInit): Promise<T> {
    const response = await this.request(what, path, init);
    const text = await response.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  private get<T>(what: string, path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return this.json<T>(what, `${path}${qs ? `?${qs}` : ''}`);
  }

  private post<T>(what: string, path: string, body: unknown): Promise<T> {
    return this.json<T>(what, path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async health(): Promise<void> {
    await this.request('health check', '/health');
  }

  async searchExperiments(maxResults = 100): Promise<Experiment[]> {
    return (
      (
        await this.post<{ experiments?: Experiment[] }>('experiment search', '/api/2.0/mlflow/experiments/search', {
          max_results: maxResults,
        })
      ).experiments ?? []
    );
  }

  async searchRuns(query: {
    experimentIds: string[];
    maxResults?: number;
    orderBy?: string[];
    filter?: string;
  }): Promise<Run[]> {
    const body = {
      experiment_ids: query.experimentIds,
      max_results: query.maxResults ?? 100,
      order_by: query.orderBy ?? ['attributes.start_time DESC'],
      ...(query.filter ? { filter: query.filter } : {}),
    };
    return (await this.post<{ runs?: Run[] }>('run search', '/api/2.0/mlflow/runs/search', body)).runs ?? [];
  }

  async getRun(runId: string): Promise<Run> {
    return (await this.get<{ run: Run }>('run lookup', '/api/2.0/mlflow/runs/get', { run_id: runId })).run;
  }

  async searchRegisteredModels(maxResults = 100): Promise<RegisteredModel[]> {
    return (
      (
        await this.get<{ registered_models?: RegisteredModel[] }>(
          'registered model search',
          '/api/2.0/mlflow/registered-models/search',
          { max_results: maxResults },
        )
      ).registered_models ?? []
    );
  }

  async searchModelVersions(name: string, maxResults = 200): Promise<ModelVersion[]> {
    const filter = `name='${name.replace(/'/g, "\\'")}'`;
    return (
      (
        await this.get<{ model_versions?: ModelVersion[] }>(
          'model version search',
          '/api/2.0/mlflow/model-versions/search',
          { filter, max_results: maxResults },
        )
      ).model_versions ?? []
    );
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return (
      await this.get<{ model_version: ModelVersion }>('model version lookup', '/api/2.0/mlflow/model-versions/get', {
        name,
        version,
      })
    ).model_version;
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return (
      await this.get<{ model_version: ModelVersion }>(
        `alias ${alias} lookup`,
        '/api/2.0/mlflow/registered-models/alias',
        { name, alias },
      )
    ).model_version;
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.post('alias update', '/api/2.0/mlflow/registered-models/alias', { name, alias, version });
  }

  async setVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.post('model version tag', '/api/2.0/mlflow/model-versions/set-tag', { name, version, key, value });
  }

  async transitionStage(
    name: string,
    version: string,
    stage: 'Staging' | 'Production' | 'Archived',
    archiveExisting: boolean,
  ): Promise<void> {
    await this.post('stage transition', '/api/2.0/mlflow/model-versions/transition-stage', {
      name,
      version,
      stage,
      archive_existing_versions: archiveExisting,
    });
  }

  /** The bytes of a run artifact, e.g. `bundle/manifest.json`. */
  async downloadArtifact(runId: string, path: string): Promise<Uint8Array> {
    const response = await this.request(
      `artifact ${path} download`,
      `/get-artifact?${new URLSearchParams({ path, run_uuid: runId })}`,
    );
    return new Uint8Array(await response.arrayBuffer());
  }
}
