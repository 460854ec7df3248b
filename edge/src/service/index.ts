// The scoring service: the one place the authoritative flow lives.
// validate → server-side history (every entity) → features → score → SHAP top factors → tier and block → persist
// → publish. Labels update storage and the history with the analyst's decision time, so terminal risk features read
// them (after the spec's delay, or from that time on in windows over labels as known at scoring time).
import {
  ValidationError,
  riskLevel,
  shouldBlock,
  type NormalizedTransaction,
  type ScoreResult,
  type Scorer,
  type Transaction,
} from '@fraudscore/sdk';
import type { EventBus } from '../bus/index.js';
import { notFound } from '../errors.js';
import type { HistoryStore } from '@fraudscore/sdk';
import { acknowledgeBody, labelBody, transactionInput, validate } from '../schemas/index.js';
import {
  ALERT_LEVELS,
  groupCalls,
  isAlert,
  type DeviceScore,
  type LabelValue,
  type ScoredTransaction,
  type Storage,
  type TransactionLabel,
} from '../storage/index.js';

/** The active model: a loaded scorer, or a function returning the current one (hot reload). */
export type ModelProvider = Scorer | (() => Scorer);

export interface EdgeConfig {
  /** Overrides the bundle's threshold for tiers and blocking (changed at run time by the threshold route later). */
  threshold?: number;
}

/** The history the scorer reads and records into, with look-up by id (the SDK's MemoryHistoryStore has both). */
export type ServerHistory = HistoryStore & { get(id: string): Readonly<NormalizedTransaction> | undefined };

/** Only when the history no longer holds the entry (older than its retention): the SDK reads zone-less ISO as UTC. */
function fallbackTime(timestamp: string | number): number {
  if (typeof timestamp === 'number') return timestamp;
  return Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(timestamp) || !timestamp.includes('T') ? timestamp : `${timestamp}Z`);
}

export interface ScoringServiceDeps {
  /** The scorer must have been created with `history: <the same store as below>`. */
  model: ModelProvider;
  history: ServerHistory;
  storage: Storage;
  bus: EventBus;
  /** Epoch ms. */
  clock: () => number;
  config?: EdgeConfig;
}

export interface ScoreCallOptions {
  /** SHAP top factors (default true). */
  /** SHAP top factors: true (default), false, or 'alerts' (only for HIGH and CRITICAL at the threshold in force). */
  explain?: boolean | 'alerts';
}

export interface LabelInput {
  label: LabelValue;
  analyst: string;
  at?: string;
}

export interface ScoringService {
  currentModel(): Scorer;
  /** The threshold in force (config override, else the model's). */
  threshold(): number;
  score(input: unknown, options?: ScoreCallOptions): Promise<ScoredTransaction>;
  scoreBatch(inputs: readonly unknown[], options?: ScoreCallOptions): Promise<ScoredTransaction[]>;
  label(id: string, input: unknown): Promise<ScoredTransaction>;
  /** Marks the alert as taken by an analyst ({ analyst, at? }); shared by everyone working the queue. */
  acknowledge(id: string, input: unknown): Promise<ScoredTransaction>;
}

interface Prepared {
  id: string;
  tx: Transaction;
  deviceScore: DeviceScore | null;
}

/**
 * Checks the request against the published transaction schema (the one /openapi.json documents; 422 naming the field,
 * under `prefix` in a batch); the SDK checks the fields of the model's feature spec when scoring.
 */
function prepare(input: unknown, prefix: string): Prepared {
  const checked = validate(transactionInput, input, prefix ? { at: prefix } : { field: 'transaction' });
  const { preScore, label: _ignored, ...tx } = input as Record<string, unknown>;
  // A label never comes with a transaction to score: labels arrive through the label route only.
  return { id: String(checked.id), tx: tx as Transaction, deviceScore: checked.preScore ?? null };
}

export function createScoringService(deps: ScoringServiceDeps): ScoringService {
  const { history, storage, bus, clock } = deps;
  const currentModel = (): Scorer => (typeof deps.model === 'function' ? deps.model() : deps.model);
  const override = (): number | undefined => deps.config?.threshold;
  const threshold = (): number => override() ?? currentModel().model.threshold;
  // Concurrent requests share one storage call (one multi-row statement in SQL) instead of one call each.
  const getMany = groupCalls((ids: readonly string[]) => storage.getMany(ids));
  const saveMany = groupCalls((records: readonly ScoredTransaction[]) => storage.saveMany(records));

  /** When an analyst decided: the time given (any ISO 8601 offset), normalised to UTC, else now. */
  const decidedAt = (at: string | undefined): string =>
    new Date(at === undefined ? clock() : Date.parse(at)).toISOString();

  /** `scorer`: the model this request scored with (a hot swap mid-request must not mix two models' tiers). */
  function toRecord(p: Prepared, result: ScoreResult, scoredAt: string, scorer: Scorer): ScoredTransaction {
    const t = override();
    const level = t === undefined ? result.riskLevel : riskLevel(result.probability, t, scorer.model.riskTiers);
    const block = t === undefined ? result.shouldBlock : shouldBlock(result.probability, t);
    const { transactionId: _id, ...rest } = result;
    const { label: _label, ...transaction } = history.get(p.id) ?? {
      ...p.tx,
      id: p.id,
      timestamp: fallbackTime(p.tx.timestamp),
    };
    return {
      id: p.id,
      transaction: transaction as NormalizedTransaction,
      probability: rest.probability,
      riskLevel: level,
      shouldBlock: block,
      threshold: t ?? scorer.model.threshold,
      topFactors: rest.topFactors,
      shap: rest.shap && { baseValue: rest.shap.baseValue, values: rest.shap.values },
      features: rest.features,
      margins: rest.margins,
      modelVersion: rest.modelVersion,
      scoredAt,
      deviceScore: p.deviceScore,
      agreement: p.deviceScore && {
        sameTier: p.deviceScore.riskLevel === level,
        delta: rest.probability - p.deviceScore.probability,
      },
      label: null,
      acknowledged: null,
    };
  }

  /** Stores the records; publishes those newly stored (a concurrent request may have stored the same id first). */
  async function persistAndPublish(
    records: readonly ScoredTransaction[],
    latencySeconds: number,
  ): Promise<ScoredTransaction[]> {
    const saved = await saveMany(records);
    for (const { record, created } of saved) {
      if (!created) continue;
      await bus.publish({ type: 'scored', transaction: record, latencySeconds });
      if (isAlert(record.riskLevel)) await bus.publish({ type: 'alert', transaction: record });
    }
    return saved.map((s) => s.record);
  }

  /** Scores the not-yet-stored transactions in order (each sees the ones before it), returns all in input order. */
  async function run(
    prepared: readonly Prepared[],
    options: ScoreCallOptions,
    batch: boolean,
  ): Promise<ScoredTransaction[]> {
    const out = await getMany(prepared.map((p) => p.id));
    const fresh: number[] = [];
    const seen = new Set<string>();
    prepared.forEach((p, i) => {
      if (out[i] === undefined && !seen.has(p.id)) {
        seen.add(p.id);
        fresh.push(i);
      }
    });
    if (fresh.length > 0) {
      const scorer = currentModel();
      let results: ScoreResult[];
      try {
        const explain =
          options.explain === 'alerts'
            ? { minLevel: ALERT_LEVELS[0]!, threshold: threshold() }
            : (options.explain ?? true);
        results = await scorer.scoreBatch(
          fresh.map((i) => prepared[i]!.tx),
          { explain, record: true },
        );
      } catch (error) {
        if (!batch || !(error instanceof ValidationError)) throw error;
        // The SDK names transactions[j] of the batch it saw; name the request's index instead.
        const match = /^transactions\[(\d+)\]\.(.*)$/.exec(error.field);
        const j = match ? Number(match[1]) : 0;
        const field = match ? match[2]! : error.field;
        const message = error.message.startsWith(`${error.field}: `)
          ? error.message.slice(error.field.length + 2)
          : error.message;
        throw new ValidationError(`transactions[${fresh[j] ?? 0}].${field}`, message);
      }
      const scoredAt = new Date(clock()).toISOString();
      const records = fresh.map((i, k) => toRecord(prepared[i]!, results[k]!, scoredAt, scorer));
      // Timings of a batch cover the whole batch: the per-transaction latency is its average.
      const stored = await persistAndPublish(records, (results[0]?.timings.totalMs ?? 0) / 1000 / fresh.length);
      fresh.forEach((i, k) => (out[i] = stored[k]));
    }
    // Repeats of an id within the batch get the first occurrence's record.
    const byId = new Map<string, ScoredTransaction>();
    for (const record of out) if (record) byId.set(record.id, record);
    return prepared.map((p, i) => out[i] ?? byId.get(p.id)!);
  }

  return {
    currentModel,
    threshold,
    async score(input, options = {}) {
      return (await run([prepare(input, '')], options, false))[0]!;
    },
    async scoreBatch(inputs, options = {}) {
      return run(
        inputs.map((input, i) => prepare(input, `transactions[${i}]`)),
        options,
        true,
      );
    },
    async label(id, input) {
      const { label, analyst, at } = validate(labelBody, input);
      const value: TransactionLabel = { label, analyst: analyst.trim(), at: decidedAt(at) };
      const updated = await storage.setLabel(id, value);
      if (!updated) throw notFound('transaction', 'id');
      // The decision time is when the label became known: windows over labels as known at scoring time read it
      // for transactions scored from then on.
      await history.setLabel(id, label === 'fraud' ? 1 : 0, Date.parse(value.at));
      await bus.publish({ type: 'labelled', transaction: updated });
      return updated;
    },
    async acknowledge(id, input) {
      const { analyst, at } = validate(acknowledgeBody, input);
      const updated = await storage.acknowledge(id, { analyst: analyst.trim(), at: decidedAt(at) });
      if (!updated) throw notFound('transaction', 'id');
      await bus.publish({ type: 'acknowledged', transaction: updated });
      return updated;
    },
  };
}
