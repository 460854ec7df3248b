// The scoring service: the one place the authoritative flow lives.
// validate (the input contract, sdk/src/contract.ts, and the model's feature spec) → idempotency (same id and same
// content: the stored result; different content: a conflict) → server-side history (every entity) → features → score
// → SHAP top factors → tier and block → persist → publish. A batch is scored in chunks of a bounded time, other
// requests running in between; the history is opened per chunk (ServerHistory: one process's memory, or a store
// shared by every replica and stream processor). A failure after the batch went into the history takes it out again
// (every chunk): input that was not accepted teaches the history nothing. After storing, the history
// holds what storage holds under each id (a concurrent request may have stored other content first). Labels update
// storage and the history with the analyst's decision time, so terminal risk features read them (after the spec's
// delay, or from that time on in windows over labels as known at scoring time).
import {
  ALERT_LEVELS,
  contentFingerprint,
  differingFields,
  idProblem,
  isAlert,
  resolveLimits,
  riskLevel,
  shouldBlock,
  ValidationError,
  type InputLimits,
  type NormalizedTransaction,
  type ScoreResult,
  type Scorer,
} from '@fraudscore/sdk';
import type { EdgeEvent, EventBus } from '../bus/index.js';
import { ApiError, conflict, notFound } from '../errors.js';
import { historyTransaction, type HistoryBatch, type ServerHistory } from './history.js';
import { acknowledgeBody, bulkLabelBody, labelBody, transactionSchema, validate } from '../schemas/index.js';
import {
  groupCalls,
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

/**
 * A change made through this app that every other replica must apply too: the host forwards it (the server over
 * Redis pub/sub) and applies the others' (config.threshold, DriftMonitor.restore, FraudMetrics.recordDrift).
 */
export type EdgeChange =
  { kind: 'threshold'; threshold: number } | { kind: 'drift-baseline' } | { kind: 'drift-snapshot' };

export interface ScoringServiceDeps {
  model: ModelProvider;
  /** The server-side feature history every batch is scored against (memoryHistory, or a shared store). */
  history: ServerHistory;
  storage: Storage;
  bus: EventBus;
  /** Epoch ms: scoredAt, and the clock the timestamp window is judged against. */
  clock: () => number;
  config?: EdgeConfig;
  /** The input contract's amount ceiling and timestamp window (default the SDK's DEFAULT_LIMITS). */
  limits?: Partial<InputLimits>;
  /**
   * How long (ms) the scorer may hold the thread in one go: a batch is scored in chunks sized to about this, and
   * other requests run between them (default 20).
   */
  chunkMs?: number;
  /** Events queued for the bus beyond which a scoring call waits for it (default 10,000; see publishInOrder). */
  maxPendingEvents?: number;
  /** Where a bus that fails to publish an event reports it (default: nowhere; the in-process bus never fails). */
  onPublishError?: (error: unknown, event: EdgeEvent) => void;
}

export interface ScoreCallOptions {
  /** SHAP top factors: true (default), false, or 'alerts' (only for HIGH and CRITICAL at the threshold in force). */
  explain?: boolean | 'alerts';
  /** A back-fill: the timestamp window around the clock is not applied (the 1970..9999 range still is). */
  backfill?: boolean;
}

export interface ScoreEachOptions extends Omit<ScoreCallOptions, 'backfill'> {
  /** One flag for all, or one per input (a stream's messages say it each). */
  backfill?: boolean | readonly boolean[];
  /** 'refuse' (default): an invalid item refuses the whole call before anything is scored (422 naming
   * `transactions[i].field`); 'report': it gets its own outcome and the others are scored. */
  invalid?: 'refuse' | 'report';
  /** 'refuse': a conflicting duplicate refuses the whole call before anything is scored (409); 'report' (default):
   * it gets its own outcome and the others are scored. */
  conflicts?: 'refuse' | 'report';
}

/**
 * One input's outcome. `created`: scored by this call (false: the stored result of an earlier submission of the same
 * content). An error's field is relative to the item (`amount`, `preScore.riskLevel`; `transaction` for the item as a
 * whole); `id` is the item's id when it had a valid one.
 */
export type ItemOutcome =
  { ok: true; record: ScoredTransaction; created: boolean } | { ok: false; id: string | undefined; error: ApiError };

export interface LabelInput {
  label: LabelValue;
  analyst: string;
  at?: string;
}

export interface ScoringService {
  currentModel(): Scorer;
  /** The threshold in force (config override, else the model's). */
  threshold(): number;
  /** The input limits in force. */
  limits(): InputLimits;
  /** One transaction: the scored (or stored) record, else a 422 (invalid) or 409 (conflict) ApiError. */
  score(input: unknown, options?: ScoreCallOptions): Promise<ScoredTransaction>;
  /** All or nothing: the first invalid item (422) or conflicting duplicate (409) refuses the call before anything is
   * scored, naming `transactions[i]...`. */
  scoreBatch(inputs: readonly unknown[], options?: ScoreCallOptions): Promise<ScoredTransaction[]>;
  /** One outcome per input, in order; see ScoreEachOptions. Throws only for what is not the items' fault. */
  scoreEach(inputs: readonly unknown[], options?: ScoreEachOptions): Promise<ItemOutcome[]>;
  label(id: string, input: unknown): Promise<ScoredTransaction>;
  /**
   * Many labels at once (POST /v1/labels): the whole request is checked first (its shape, then that every id is
   * stored), so refused input changes nothing; a label equal to the stored one (same label, analyst and time) is
   * left alone, so a retried request changes nothing either.
   */
  labelMany(input: unknown): Promise<{ labelled: number; unchanged: number }>;
  /** Marks the alert as taken by an analyst ({ analyst, at? }); shared by everyone working the queue. */
  acknowledge(id: string, input: unknown): Promise<ScoredTransaction>;
}

interface Prepared {
  id: string;
  /** Normalized by the scoring model's spec: what is scored, stored and fingerprinted. */
  tx: NormalizedTransaction;
  deviceScore: DeviceScore | null;
  fingerprint: string;
}

/** An item's error named inside a batch: `amount` → `transactions[3].amount`, `transaction` → `transactions[3]`. */
export function atIndex(error: ApiError, index: number): ApiError {
  const field =
    error.field === undefined || error.field === 'transaction'
      ? `transactions[${index}]`
      : `transactions[${index}].${error.field}`;
  return new ApiError(error.status, error.code, error.message, field, error.headers, error.data);
}

/** An SDK ValidationError as the API's 422, its field kept. */
function fromValidation(error: ValidationError): ApiError {
  const message = error.message.startsWith(`${error.field}: `)
    ? error.message.slice(error.field.length + 2)
    : error.message;
  return new ApiError(422, 'validation_error', message, error.field);
}

/** The id an input names, when it is a valid one (for an item's error outcome). */
function validId(input: unknown): string | undefined {
  const id = (input as { id?: unknown } | null)?.id;
  return idProblem(id) === undefined ? String(id) : undefined;
}

/** Lets the host run what is waiting (I/O, other requests) before the caller goes on: a macrotask. */
const yieldToHost: () => Promise<void> =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? () =>
        new Promise((resolve) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(resolve))
    : () => new Promise((resolve) => setTimeout(resolve, 0)); // runtimes without setImmediate (web standard)

/**
 * The bus as scoring calls use it: events go out in the order they were made, and a call does not wait for the
 * subscribers (SSE clients, a broker bridge) — the first event's synchronous subscribers still run before the call
 * returns, the rest as soon as the thread is free. Only when more than `maxPending` events are queued (subscribers
 * slower than scoring) does a call wait until the queue is down to half, so memory stays bounded.
 */
export function publishInOrder(
  bus: EventBus,
  {
    maxPending = 10_000,
    onError = () => {},
  }: { maxPending?: number; onError?: (error: unknown, event: EdgeEvent) => void } = {},
): (events: readonly EdgeEvent[]) => Promise<void> {
  let queue: EdgeEvent[] = [];
  let head = 0;
  let draining = false;
  let waiting: (() => void)[] = [];
  const release = (): void => {
    const woken = waiting;
    waiting = [];
    for (const wake of woken) wake();
  };
  async function drain(): Promise<void> {
    draining = true;
    while (head < queue.length) {
      const event = queue[head]!;
      head++;
      try {
        await bus.publish(event);
      } catch (error) {
        onError(error, event);
      }
      if (waiting.length > 0 && queue.length - head <= maxPending / 2) release();
    }
    queue = [];
    head = 0;
    draining = false;
    release();
  }
  return (events) => {
    if (events.length === 0) return Promise.resolve();
    for (const event of events) queue.push(event);
    if (!draining) void drain();
    if (queue.length - head <= maxPending) return Promise.resolve();
    return new Promise((resolve) => waiting.push(resolve));
  };
}

export function createScoringService(deps: ScoringServiceDeps): ScoringService {
  const { history, storage, bus, clock } = deps;
  const currentModel = (): Scorer => (typeof deps.model === 'function' ? deps.model() : deps.model);
  const override = (): number | undefined => deps.config?.threshold;
  const threshold = (): number => override() ?? currentModel().model.threshold;
  const limits = resolveLimits(deps.limits);
  // The published schema, with the window checked against the clock; a back-fill's without the window.
  const schemas = {
    live: transactionSchema({ limits, clock }),
    backfill: transactionSchema({ limits: { ...limits, timeWindow: false } }),
  };
  // Concurrent requests share one storage call (one multi-row statement in SQL) instead of one call each.
  const getMany = groupCalls((ids: readonly string[]) => storage.getMany(ids));
  const saveMany = groupCalls((records: readonly ScoredTransaction[]) => storage.saveMany(records));
  const publish = publishInOrder(bus, {
    ...(deps.maxPendingEvents === undefined ? {} : { maxPending: deps.maxPendingEvents }),
    ...(deps.onPublishError ? { onError: deps.onPublishError } : {}),
  });
  const chunkMs = deps.chunkMs ?? 20;

  /** When an analyst decided: the time given (any ISO 8601 offset), normalised to UTC, else now. */
  const decidedAt = (at: string | undefined): string =>
    new Date(at === undefined ? clock() : Date.parse(at)).toISOString();

  /** The input checked against the published schema (422 naming the field), then normalized by the model's spec. */
  function prepare(input: unknown, backfill: boolean, scorer: Scorer): Prepared {
    const checked = validate(backfill ? schemas.backfill : schemas.live, input, { field: 'transaction' });
    // A label never comes with a transaction to score (labels arrive through the label route), nor does the pre-score.
    const { preScore: _pre, label: _label, ...raw } = input as Record<string, unknown>;
    let tx: NormalizedTransaction;
    try {
      // The window was judged above, against this service's clock.
      tx = scorer.normalize(raw, { limits: { maxAmount: limits.maxAmount, timeWindow: false } });
    } catch (error) {
      if (error instanceof ValidationError) throw fromValidation(error);
      throw error;
    }
    return { id: tx.id, tx, deviceScore: checked.preScore ?? null, fingerprint: contentFingerprint(tx) };
  }

  /** The stored record's fingerprint (computed from its transaction for records stored before it was kept). */
  const fingerprintOf = (record: ScoredTransaction): string =>
    record.fingerprint ?? contentFingerprint(record.transaction);

  /** `scorer`: the model this request scored with (a hot swap mid-request must not mix two models' tiers). */
  function toRecord(p: Prepared, result: ScoreResult, scoredAt: string, scorer: Scorer): ScoredTransaction {
    const t = override();
    const level = t === undefined ? result.riskLevel : riskLevel(result.probability, t, scorer.model.riskTiers);
    const block = t === undefined ? result.shouldBlock : shouldBlock(result.probability, t);
    const { transactionId: _id, ...rest } = result;
    // The transaction as this request normalized it (not the history's entry: a concurrent request may have put its
    // own content under the id there).
    const { label: _label, ...transaction } = p.tx;
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
      fingerprint: p.fingerprint,
      deviceScore: p.deviceScore,
      agreement: p.deviceScore && {
        sameTier: p.deviceScore.riskLevel === level,
        delta: rest.probability - p.deviceScore.probability,
      },
      label: null,
      acknowledged: null,
    };
  }

  /**
   * Scores the fresh items in order (each sees the ones before it) and stores them. If scoring or storing fails, the
   * transactions this batch put into the history are taken out again before the error goes on. Once stored, the
   * history is brought to what storage holds for ids where they differ: another request (on this process or another)
   * had put other content under the id first, and storage decided which content stands.
   */
  async function scoreFresh(
    items: readonly Prepared[],
    options: Pick<ScoreCallOptions, 'explain'>,
    scorer: Scorer,
  ): Promise<{ record: ScoredTransaction; created: boolean }[]> {
    // Each chunk's history batch (the history is opened per chunk, for exactly the transactions scored in it).
    const opened: HistoryBatch[] = [];
    const results: ScoreResult[] = [];
    let scoringMs = 0;
    let saved: { record: ScoredTransaction; created: boolean }[];
    try {
      const explain =
        options.explain === 'alerts'
          ? { minLevel: ALERT_LEVELS[0]!, threshold: threshold() }
          : (options.explain ?? true);
      // In chunks of about chunkMs with other requests run in between (a batch of 1,000 with SHAP held the thread for
      // about a second in one go). Each chunk sees the ones before it: the history records as the scorer goes.
      let size = 16;
      for (let start = 0; start < items.length;) {
        if (start > 0) await yieldToHost();
        const end = Math.min(items.length, start + size);
        const chunk = await scorer.scoreBatch(
          items.slice(start, end).map((p) => p.tx),
          {
            explain,
            record: true,
            limits: { maxAmount: limits.maxAmount, timeWindow: false },
            // Opened for exactly the transactions the scorer normalized, in order.
            history: async (txs) => {
              const batch = await history.open(txs);
              opened.push(batch);
              return batch.view;
            },
          },
        );
        for (const result of chunk) results.push(result);
        // The last result's total covers the whole chunk (the first one's stops after its own explanation).
        const chunkMsTaken = chunk[chunk.length - 1]?.timings.totalMs ?? 0;
        scoringMs += chunkMsTaken;
        // The next chunk sized from this one's pace: at most twice as many, at least 16.
        const scored = end - start;
        start = end;
        size = Math.max(16, Math.min(2 * scored, Math.floor((chunkMs * scored) / Math.max(chunkMsTaken, 1e-3))));
      }
      const scoredAt = new Date(clock()).toISOString();
      saved = await saveMany(items.map((p, k) => toRecord(p, results[k]!, scoredAt, scorer)));
    } catch (error) {
      const added = new Set(opened.flatMap((batch) => batch.added));
      if (added.size > 0) {
        // If this fails too (the shared store is down), the error that stopped the batch is the one to report; what
        // stays behind is replaced when storage takes the id (held below), or ages out with the retention.
        await history.remove(items.filter((p) => added.has(p.id)).map((p) => p.tx)).catch(() => undefined);
      }
      throw error;
    }
    const held = new Set(opened.flatMap((batch) => batch.held));
    for (const [k, { record }] of saved.entries()) {
      if (held.has(items[k]!.id) || fingerprintOf(record) !== items[k]!.fingerprint)
        await history.replace(historyTransaction(record));
    }
    // The per-transaction latency of a batch is its average.
    const latencySeconds = scoringMs / 1000 / items.length;
    const events: EdgeEvent[] = [];
    for (const { record, created } of saved) {
      if (!created) continue;
      events.push({ type: 'scored', transaction: record, latencySeconds });
      if (isAlert(record.riskLevel)) events.push({ type: 'alert', transaction: record });
    }
    await publish(events);
    return saved;
  }

  async function scoreEach(inputs: readonly unknown[], options: ScoreEachOptions = {}): Promise<ItemOutcome[]> {
    const scorer = currentModel();
    const outcomes: (ItemOutcome | undefined)[] = new Array(inputs.length);
    const prepared: (Prepared | undefined)[] = new Array(inputs.length);
    const backfillOf = (i: number): boolean =>
      typeof options.backfill === 'boolean' ? options.backfill : (options.backfill?.[i] ?? false);
    for (let i = 0; i < inputs.length; i++) {
      try {
        prepared[i] = prepare(inputs[i], backfillOf(i), scorer);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (options.invalid !== 'report') throw atIndex(error, i);
        outcomes[i] = { ok: false, id: validId(inputs[i]), error };
      }
    }

    // Idempotency: an id stored, or earlier in this call, with the same content → that result; different → conflict.
    const valid = prepared.flatMap((p, i) => (p ? [i] : []));
    const stored = await getMany(valid.map((i) => prepared[i]!.id));
    const firstIndex = new Map<string, number>();
    const fresh: number[] = [];
    const sameAs = new Map<number, number>();
    for (const [k, i] of valid.entries()) {
      const p = prepared[i]!;
      const existing = stored[k];
      const first = firstIndex.get(p.id);
      let problem: ApiError | undefined;
      if (existing) {
        if (fingerprintOf(existing) === p.fingerprint) outcomes[i] = { ok: true, record: existing, created: false };
        else problem = conflict(p.id, differingFields(existing.transaction, p.tx), 'id');
      } else if (first !== undefined) {
        if (prepared[first]!.fingerprint === p.fingerprint) sameAs.set(i, first);
        else problem = conflict(p.id, differingFields(prepared[first]!.tx, p.tx), 'id', true);
      } else {
        firstIndex.set(p.id, i);
        fresh.push(i);
      }
      if (problem) {
        if (options.conflicts === 'refuse') throw atIndex(problem, i);
        outcomes[i] = { ok: false, id: p.id, error: problem };
      }
    }

    if (fresh.length > 0) {
      const saved = await scoreFresh(
        fresh.map((i) => prepared[i]!),
        options,
        scorer,
      );
      for (const [k, i] of fresh.entries()) {
        const { record, created } = saved[k]!;
        const p = prepared[i]!;
        if (created || fingerprintOf(record) === p.fingerprint) {
          outcomes[i] = { ok: true, record, created };
          continue;
        }
        // A concurrent request stored this id first, with other content: ours is the conflict (scoreFresh put the
        // stored content in the history).
        outcomes[i] = { ok: false, id: p.id, error: conflict(p.id, differingFields(record.transaction, p.tx), 'id') };
      }
    }
    for (const [i, first] of sameAs) {
      const outcome = outcomes[first]!;
      outcomes[i] = outcome.ok ? { ok: true, record: outcome.record, created: false } : { ...outcome };
    }
    return outcomes as ItemOutcome[];
  }

  return {
    currentModel,
    threshold,
    limits: () => limits,
    scoreEach,
    async score(input, options = {}) {
      const [outcome] = await scoreEach([input], {
        ...options,
        backfill: options.backfill ?? false,
        invalid: 'report',
        conflicts: 'report',
      });
      if (!outcome!.ok) throw outcome!.error;
      return outcome!.record;
    },
    async scoreBatch(inputs, options = {}) {
      const outcomes = await scoreEach(inputs, { ...options, invalid: 'refuse', conflicts: 'refuse' });
      // Only a concurrent request storing one of the ids first with other content gets here.
      const failed = outcomes.findIndex((o) => !o.ok);
      if (failed >= 0) throw atIndex((outcomes[failed] as { error: ApiError }).error, failed);
      return outcomes.map((o) => (o as { record: ScoredTransaction }).record);
    },
    async label(id, input) {
      const { label, analyst, at } = validate(labelBody, input);
      const value: TransactionLabel = { label, analyst: analyst.trim(), at: decidedAt(at) };
      const updated = await storage.setLabel(id, value);
      if (!updated) throw notFound('transaction', 'id');
      // The decision time is when the label became known: windows over labels as known at scoring time read it
      // for transactions scored from then on.
      await history.setLabel(id, label === 'fraud' ? 1 : 0, Date.parse(value.at));
      await publish([{ type: 'labelled', transaction: updated }]);
      return updated;
    },
    async labelMany(input) {
      const { labels } = validate(bulkLabelBody, input);
      const stored = await storage.getMany(labels.map((l) => l.id));
      const missing = stored.findIndex((record) => record === undefined);
      if (missing >= 0)
        throw new ApiError(
          404,
          'not_found',
          `labels[${missing}].id: no scored transaction has this id; nothing was labelled`,
          `labels[${missing}].id`,
        );
      let unchanged = 0;
      const changed: { id: string; label: TransactionLabel }[] = [];
      for (const [i, l] of labels.entries()) {
        const value: TransactionLabel = { label: l.label, analyst: l.analyst.trim(), at: decidedAt(l.at) };
        const before = stored[i]!.label;
        if (before && before.label === value.label && before.analyst === value.analyst && before.at === value.at) {
          unchanged++;
          continue;
        }
        changed.push({ id: l.id, label: value });
      }
      // One storage call for all of them (one statement in SQL), then the history and the bus in the given order.
      const updated = await storage.setLabels(changed);
      const events: EdgeEvent[] = [];
      for (const [k, { id, label }] of changed.entries()) {
        const record = updated[k];
        if (!record) throw notFound('transaction', 'id');
        await history.setLabel(id, label.label === 'fraud' ? 1 : 0, Date.parse(label.at)); // known from the decision
        events.push({ type: 'labelled', transaction: record });
      }
      await publish(events);
      return { labelled: changed.length, unchanged };
    },
    async acknowledge(id, input) {
      const { analyst, at } = validate(acknowledgeBody, input);
      const updated = await storage.acknowledge(id, { analyst: analyst.trim(), at: decidedAt(at) });
      if (!updated) throw notFound('transaction', 'id');
      await publish([{ type: 'acknowledged', transaction: updated }]);
      return updated;
    },
  };
}
