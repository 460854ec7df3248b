// The model lifecycle on an MLflow registry: aliases `challenger` (set by `python -m fraudmodels register`) and
// `champion` carry it, mirrored to the Staging / Production stages where the server still accepts transitions.
//  - reload: follow the champion (download, verify, warm, swap through the ModelManager); a refused bundle or an
//    unreachable registry leaves the current model serving and the status degraded with the reason.
//  - promote: the gate (./../models/gate.ts) on the latest labelled window from storage; the decision, the numbers
//    and the reason become tags on the challenger version; if it passes the champion alias moves.
//  - rollback: the champion alias goes back to the version recorded as `previous_champion`.
import {
  ApiError,
  listAll,
  type GateScores,
  type ModelLifecycle,
  type ModelSource,
  type ModelStatus,
  type PromotionOutcome,
  type ReloadOutcome,
  type RollbackOutcome,
  type ScoredTransaction,
  type Storage,
} from '@fraudscore/edge';
import { createScorer, type Scorer } from '@fraudscore/sdk';
import { decide } from '../models/gate.js';
import { evaluate, type Evaluation } from '../models/evaluate.js';
import { BundleRefusedError, type ModelManager } from '../models/manager.js';
import { downloadBundle } from './bundle.js';
import type { MlflowClient, ModelVersion } from './client.js';
import { isNotFound, MlflowRequestError, MlflowUnavailableError } from './errors.js';

export const CHAMPION = 'champion';
export const CHALLENGER = 'challenger';

export interface LifecycleOptions {
  client: MlflowClient;
  /** Registered model name (MLFLOW_MODEL_NAME). */
  name: string;
  storage: Storage;
  /** The running server's models; absent in the CLI (the server then follows the alias by polling). */
  manager?: ModelManager | undefined;
  publicKey?: string | undefined;
  clock?: () => number;
  /** Allowed fall in Average Precision (default 0.01). */
  apTolerance?: number;
  /** The labelled window: transactions of the last windowMs (default 30 days). */
  windowMs?: number;
  /** Fewest labelled transactions (of both classes) to decide on (default 100). */
  minLabels?: number;
}

/** MLflow failures as API errors: unreachable → 503 with the cause; refused → 502 with MLflow's message. */
export function toApiError(error: unknown): unknown {
  if (error instanceof MlflowUnavailableError) return new ApiError(503, 'mlflow_unavailable', error.message);
  if (error instanceof MlflowRequestError) return new ApiError(502, 'mlflow_error', error.message);
  return error;
}

const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    throw toApiError(error);
  }
};

const tagsOf = (v: ModelVersion): Record<string, string> =>
  Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value]));

export class MlflowLifecycle implements ModelLifecycle {
  private state: ModelStatus;
  private readonly clock: () => number;

  constructor(private readonly options: LifecycleOptions) {
    this.clock = options.clock ?? Date.now;
    const source: ModelSource = options.manager?.active().source ?? { kind: 'bundle', location: '(none)' };
    this.state = { source, state: 'ok', reasons: [], checkedAt: null };
  }

  status(): ModelStatus {
    return { ...this.state, source: this.options.manager?.active().source ?? this.state.source };
  }

  private degrade(reason: string): void {
    this.state = {
      ...this.state,
      state: 'degraded',
      reasons: [reason, ...this.state.reasons.filter((r) => r !== reason)].slice(0, 5),
    };
  }

  private async alias(alias: string): Promise<ModelVersion | undefined> {
    try {
      return await this.options.client.getVersionByAlias(this.options.name, alias);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A version's bundle as a scorer without history (evaluation only). */
  private async evaluationScorer(version: ModelVersion): Promise<Scorer> {
    const files = await downloadBundle(this.options.client, version);
    return createScorer({
      bundle: files,
      backend: 'js',
      history: false,
      cache: false,
      ...(this.options.publicKey ? { publicKey: this.options.publicKey } : {}),
      onWarning: () => {},
    });
  }

  async reload(): Promise<ReloadOutcome> {
    const manager = this.options.manager;
    if (!manager) throw new Error('reload needs the running server');
    this.state = { ...this.state, checkedAt: new Date(this.clock()).toISOString() };
    let champion: ModelVersion | undefined;
    try {
      champion = await this.alias(CHAMPION);
    } catch (error) {
      this.degrade(`the registry could not be read: ${(error as Error).message}`);
      throw toApiError(error);
    }
    const active = manager.active();
    const model = { name: active.scorer.model.name, version: active.scorer.model.version };
    if (!champion)
      return {
        changed: false,
        model,
        source: active.source,
        detail: `${this.options.name} has no champion yet; serving ${active.source.kind === 'bundle' ? active.source.location : 'the current model'}`,
      };
    if (active.source.kind === 'registry' && active.source.version === champion.version) {
      this.state = { ...this.state, state: 'ok', reasons: [] };
      return {
        changed: false,
        model,
        source: active.source,
        detail: `already serving champion version ${champion.version}`,
      };
    }
    const source: ModelSource = {
      kind: 'registry',
      name: this.options.name,
      version: champion.version,
      alias: CHAMPION,
      runId: champion.run_id ?? null,
    };
    try {
      const files = await downloadBundle(this.options.client, champion);
      const next = await manager.swapTo(files, source);
      this.state = { ...this.state, state: 'ok', reasons: [] };
      return {
        changed: true,
        model: { name: next.scorer.model.name, version: next.scorer.model.version },
        source,
        detail: `now serving champion version ${champion.version}`,
      };
    } catch (error) {
      const reason = `champion version ${champion.version} refused: ${(error as Error).message}`;
      this.degrade(reason);
      if (error instanceof BundleRefusedError)
        throw new ApiError(502, 'bundle_refused', `${reason}; still serving ${model.version}`);
      throw toApiError(error);
    }
  }

  async promote(by: string): Promise<PromotionOutcome> {
    return guard(async () => {
      const { client, name } = this.options;
      const challenger = await this.alias(CHALLENGER);
      if (!challenger)
        throw new ApiError(
          409,
          'no_challenger',
          `${name} has no version with the alias ${CHALLENGER}: register one with \`python -m fraudmodels register\``,
        );
      const champion = await this.alias(CHAMPION);
      if (champion?.version === challenger.version)
        throw new ApiError(409, 'already_champion', `version ${challenger.version} is already the champion`);
      const to = this.clock();
      const from = to - (this.options.windowMs ?? 30 * 86_400_000);
      const records = await this.labelledWindow(from, to);
      const frauds = records.filter((r) => r.label?.label === 'fraud').length;
      const minLabels = this.options.minLabels ?? 100;
      if (records.length < minLabels || frauds === 0 || frauds === records.length) {
        throw new ApiError(
          409,
          'too_few_labels',
          `the last ${Math.round((to - from) / 86_400_000)} days hold ${records.length} labelled transactions (${frauds} fraud); the gate needs at least ${minLabels} with both labels`,
        );
      }
      const score = async (version: ModelVersion): Promise<GateScores & Evaluation> => {
        const scorer = await this.evaluationScorer(version);
        try {
          const e = await evaluate(scorer, records);
          return { version: version.version, average_precision: e.averagePrecision, auc_roc: e.aucRoc, ...e };
        } finally {
          await scorer.dispose();
        }
      };
      const challengerScores = await score(challenger);
      const championScores = champion ? await score(champion) : undefined;
      const apTolerance = this.options.apTolerance ?? 0.01;
      const gate = decide({ challenger: challengerScores, champion: championScores, apTolerance });
      const at = new Date(to).toISOString();
      const tags: Record<string, string> = {
        'gate.decision': gate.promote ? 'promoted' : 'rejected',
        'gate.reason': gate.reason,
        'gate.by': by,
        'gate.at': at,
        'gate.challenger_average_precision': String(challengerScores.averagePrecision),
        'gate.challenger_auc_roc': String(challengerScores.aucRoc),
        'gate.champion_version': champion?.version ?? '',
        'gate.champion_average_precision': championScores ? String(championScores.averagePrecision) : '',
        'gate.champion_auc_roc': championScores ? String(championScores.aucRoc) : '',
        'gate.ap_tolerance': String(apTolerance),
        'gate.labels': String(records.length),
        'gate.frauds': String(frauds),
        'gate.window': `${new Date(from).toISOString()}/${at}`,
      };
      for (const [key, value] of Object.entries(tags)) await client.setVersionTag(name, challenger.version, key, value);
      if (gate.promote) {
        if (champion) await client.setVersionTag(name, challenger.version, 'previous_champion', champion.version);
        await client.setAlias(name, CHAMPION, challenger.version);
        await this.mirrorStage(challenger.version, 'Production');
      }
      const active = await this.followIfRunning();
      const strip = (s: GateScores & Evaluation): GateScores => ({
        version: s.version,
        average_precision: s.average_precision,
        auc_roc: s.auc_roc,
      });
      return {
        decision: gate.promote ? 'promoted' : 'rejected',
        reason: gate.reason,
        challenger: strip(challengerScores),
        champion: championScores ? strip(championScores) : null,
        labels: records.length,
        frauds,
        window: { from: new Date(from).toISOString(), to: at },
        active,
      };
    });
  }

  async rollback(by: string): Promise<RollbackOutcome> {
    return guard(async () => {
      const { client, name } = this.options;
      const champion = await this.alias(CHAMPION);
      if (!champion) throw new ApiError(409, 'no_champion', `${name} has no champion to roll back`);
      const previous = tagsOf(champion)['previous_champion'];
      if (!previous)
        throw new ApiError(
          409,
          'no_previous_champion',
          `champion version ${champion.version} has no previous champion to return to`,
        );
      const at = new Date(this.clock()).toISOString();
      await client.setAlias(name, CHAMPION, previous);
      await client.setVersionTag(name, champion.version, 'rolled_back', `${at} by ${by}`);
      await client.setVersionTag(name, previous, 'restored_from', champion.version);
      await this.mirrorStage(previous, 'Production');
      const active = await this.followIfRunning();
      return { champion: { version: previous }, previous: { version: champion.version }, active };
    });
  }

  /** Stages are deprecated in MLflow 3 but still accepted by its server; a refusal is not a failure of the alias move. */
  private async mirrorStage(version: string, stage: 'Production'): Promise<void> {
    try {
      await this.options.client.transitionStage(this.options.name, version, stage, true);
    } catch (error) {
      if (!(error instanceof MlflowRequestError)) throw error;
    }
  }

  /** In the server: swap to the champion now. In the CLI: the servers follow by polling. */
  private async followIfRunning(): Promise<{ name: string; version: string }> {
    const manager = this.options.manager;
    if (!manager) return { name: this.options.name, version: '(the servers follow the champion alias when they poll)' };
    const outcome = await this.reload();
    return outcome.model;
  }

  private labelledWindow(from: number, to: number): Promise<ScoredTransaction[]> {
    return listAll(this.options.storage, { from, to, labelled: true }, 200_000);
  }
}
