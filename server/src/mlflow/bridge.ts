// The original service's read-only MLflow routes, answered from MLflow's REST API: experiments, runs, one run,
// registered models with their versions (aliases, stages, tags, the run's metrics), and run comparison.
import { ApiError, type RegistryBridge, type RegistryModelVersion, type RunComparison } from '@fraudscore/edge';
import type { MlflowClient, MlflowTag, ModelVersion, Run } from './client.js';
import { isNotFound } from './errors.js';
import { toApiError } from './lifecycle.js';

const record = (tags: readonly MlflowTag[] | undefined, skipSystem = false): Record<string, string> =>
  Object.fromEntries(
    (tags ?? []).filter((t) => !(skipSystem && t.key.startsWith('mlflow.'))).map((t) => [t.key, t.value]),
  );

/** A run as the routes show it: metrics and params as objects. */
export function runView(run: Run) {
  return {
    run_id: run.info.run_id,
    run_name: run.info.run_name ?? null,
    experiment_id: run.info.experiment_id,
    status: run.info.status ?? null,
    start_time: run.info.start_time ?? null,
    end_time: run.info.end_time ?? null,
    metrics: Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value])),
    params: record(run.data.params),
    tags: record(run.data.tags, true),
  };
}

/** Lower is better for these metric names; higher for every other. */
const LOWER_IS_BETTER = /(loss|error|_std$|std_|false_positive|fpr|latency|seconds)/i;

export function compareRuns(runs: ReturnType<typeof runView>[]): RunComparison {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const wins = new Map<string, number>(runs.map((r) => [r.run_id, 0]));
  const metrics: RunComparison['metrics'] = {};
  for (const name of names) {
    const values: Record<string, number> = {};
    for (const r of runs)
      if (typeof r.metrics[name] === 'number' && Number.isFinite(r.metrics[name])) values[r.run_id] = r.metrics[name]!;
    const entries = Object.entries(values);
    const higher = !LOWER_IS_BETTER.test(name);
    const best = entries.reduce<[string, number] | null>(
      (b, e) => (b === null || (higher ? e[1] > b[1] : e[1] < b[1]) ? e : b),
      null,
    );
    if (best) wins.set(best[0], (wins.get(best[0]) ?? 0) + 1);
    metrics[name] = {
      values,
      best_run: best?.[0] ?? null,
      average: entries.length ? entries.reduce((s, e) => s + e[1], 0) / entries.length : null,
      higher_is_better: higher,
    };
  }
  // Overall: most per-metric wins; ties by Average Precision when logged.
  const ap = (id: string) => runs.find((r) => r.run_id === id)?.metrics['average_precision'] ?? -Infinity;
  const bestRun = [...wins.entries()].sort((a, b) => b[1] - a[1] || ap(b[0]) - ap(a[0]))[0]?.[0] ?? null;
  return {
    runs: runs.map((r) => ({ run_id: r.run_id, run_name: r.run_name, start_time: r.start_time })),
    metrics,
    best_run: bestRun,
  };
}

export class MlflowBridge implements RegistryBridge {
  constructor(private readonly client: MlflowClient) {}

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toApiError(error);
    }
  }

  private async allExperimentIds(): Promise<string[]> {
    return (await this.client.searchExperiments()).map((e) => e.experiment_id);
  }

  experiments() {
    return this.guard(async () => ({
      experiments: (await this.client.searchExperiments()).map((e) => ({
        experiment_id: e.experiment_id,
        name: e.name,
        lifecycle_stage: e.lifecycle_stage ?? null,
        creation_time: e.creation_time ?? null,
      })),
    }));
  }

  runs({ experimentId, limit }: { experimentId?: string | undefined; limit: number }) {
    return this.guard(async () => {
      const ids = experimentId ? [experimentId] : await this.allExperimentIds();
      if (ids.length === 0) return { runs: [] };
      return { runs: (await this.client.searchRuns({ experimentIds: ids, maxResults: limit })).map(runView) };
    });
  }

  run(runId: string) {
    return this.guard(async () => {
      try {
        return runView(await this.client.getRun(runId));
      } catch (error) {
        if (isNotFound(error)) throw new ApiError(404, 'not_found', `run ${runId} not found`, 'run_id');
        throw error;
      }
    });
  }

  models() {
    return this.guard(async () => {
      const models = await this.client.searchRegisteredModels();
      const runMetrics = new Map<string, Record<string, number>>();
      const metricsOf = async (runId: string | undefined) => {
        if (!runId) return {};
        if (!runMetrics.has(runId))
          runMetrics.set(
            runId,
            await this.client.getRun(runId).then(
              (r) => runView(r).metrics,
              () => ({}),
            ),
          );
        return runMetrics.get(runId)!;
      };
      // Version searches do not always carry aliases; the registered model's alias map is authoritative.
      const view = async (v: ModelVersion, aliasMap: Record<string, string>): Promise<RegistryModelVersion> => {
        const tags = record(v.tags);
        const aliases = [
          ...new Set([
            ...(v.aliases ?? []),
            ...Object.entries(aliasMap)
              .filter(([, version]) => version === v.version)
              .map(([alias]) => alias),
          ]),
        ];
        return {
          version: v.version,
          run_id: v.run_id ?? null,
          bundle_version: tags['bundle_version'] ?? null,
          stage: v.current_stage ?? null,
          aliases,
          status: v.status ?? null,
          created_at: v.creation_timestamp ?? null,
          tags,
          metrics: await metricsOf(v.run_id),
        };
      };
      return {
        models: await Promise.all(
          models.map(async (m) => {
            const versions = await this.client.searchModelVersions(m.name);
            versions.sort((a, b) => Number(b.version) - Number(a.version));
            const aliases = Object.fromEntries((m.aliases ?? []).map((a) => [a.alias, a.version]));
            return { name: m.name, aliases, versions: await Promise.all(versions.map((v) => view(v, aliases))) };
          }),
        ),
      };
    });
  }

  compare({ runIds, limit }: { runIds?: string[] | undefined; limit?: number | undefined }) {
    return this.guard(async () => {
      let runs: Run[];
      if (runIds) {
        runs = [];
        for (const id of runIds) {
          try {
            runs.push(await this.client.getRun(id));
          } catch (error) {
            if (isNotFound(error)) throw new ApiError(404, 'not_found', `run ${id} not found`, 'run_ids');
            throw error;
          }
        }
      } else {
        const ids = await this.allExperimentIds();
        runs = ids.length ? await this.client.searchRuns({ experimentIds: ids, maxResults: limit ?? 10 }) : [];
      }
      return compareRuns(runs.map(runView));
    });
  }
}
