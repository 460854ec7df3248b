// The feature interpreter for one transaction against a history, with the semantics of models/fraudmodels/features.py:
// window (t - delay - length, t - delay]; with no delay the current transaction is in, as are earlier arrivals with
// the same timestamp; count counts every transaction, sum/mean/std skip missing values; ratios; categories; calendar
// parts in the spec's fixed zone. The core is synchronous over sorted arrays so that the edge's hot path allocates
// only the output row; computeFeatures wraps it for asynchronous stores (IndexedDB) by fetching each entity's
// look-back range first.
import { ValidationError } from '../errors.js';
import type { NormalizedTransaction } from '../transaction.js';
import { categoryKey, type CompiledSpec, type WindowFeature } from './spec.js';

/** A transaction as a history holds it: normalized, with its label as known now (null = not yet). */
export type HistoryEntry = Readonly<NormalizedTransaction>;

/** entries[start..end): a view into a store's own array, so a look-up copies nothing. */
export interface HistorySlice {
  readonly entries: readonly HistoryEntry[];
  readonly start: number;
  readonly end: number;
}

/** What the interpreter reads, asynchronously (any HistoryStore). */
export interface FeatureHistory {
  /**
   * The entity fields (e.g. "customerId") whose windows this history answers. Windows on any other entity are
   * missing (NaN) unless the caller passes them as known features: a device knows its customer, not the terminal.
   */
  readonly coveredEntities: ReadonlySet<string>;
  /** Transactions whose `entity` field is `value`, timestamp in (fromExclusive, toInclusive], by time then arrival. */
  query(
    entity: string,
    value: string,
    fromExclusive: number,
    toInclusive: number,
  ): readonly HistoryEntry[] | Promise<readonly HistoryEntry[]>;
}

/** The same, synchronously and without copying (MemoryHistoryStore). */
export interface SyncFeatureHistory {
  readonly coveredEntities: ReadonlySet<string>;
  select(entity: string, value: string, fromExclusive: number, toInclusive: number): HistorySlice;
}

/** Feature values supplied from elsewhere (e.g. the server) by feature name. */
export type KnownFeatures = Partial<Record<string, number>>;

const EMPTY_SLICE: HistorySlice = { entries: [], start: 0, end: 0 };

/** A history that covers no entity: every window feature is missing unless known. */
export const noHistory: SyncFeatureHistory = { coveredEntities: new Set(), select: () => EMPTY_SLICE };

/**
 * Computes the spec's features for `tx` given `history` (transactions before it), in spec order; NaN = missing.
 * Features that depend on an entity the history does not cover take their value from `known`, else NaN.
 */
export async function computeFeatures(
  spec: CompiledSpec,
  tx: NormalizedTransaction,
  history: FeatureHistory | SyncFeatureHistory,
  known?: KnownFeatures,
): Promise<Float64Array> {
  if ('select' in history) return computeFeaturesSync(spec, tx, history, known);
  const fetched = new Map<string, readonly HistoryEntry[]>();
  await Promise.all(
    spec.entities
      .filter((group) => history.coveredEntities.has(group.entity))
      .map(async (group) => {
        const value = entityValue(tx, group.entity);
        fetched.set(
          group.entity,
          await history.query(group.entity, value, tx.timestamp - group.lookBackMs, tx.timestamp),
        );
      }),
  );
  const prefetched: SyncFeatureHistory = {
    coveredEntities: history.coveredEntities,
    select(entity, _value, fromExclusive, toInclusive) {
      const entries = fetched.get(entity) ?? [];
      const start = upperBound(entries, 0, entries.length, fromExclusive);
      return { entries, start, end: upperBound(entries, start, entries.length, toInclusive) };
    },
  };
  return computeFeaturesSync(spec, tx, prefetched, known);
}

/** The synchronous interpreter: one select per windowed entity, binary searches per window. */
export function computeFeaturesSync(
  spec: CompiledSpec,
  tx: NormalizedTransaction,
  history: SyncFeatureHistory,
  known?: KnownFeatures,
): Float64Array {
  if (known !== undefined) checkKnown(spec, known);
  const out = new Float64Array(spec.features.length);
  const t = tx.timestamp;
  for (const group of spec.entities) {
    if (!history.coveredEntities.has(group.entity)) {
      for (const w of group.windows) out[w.index] = known?.[w.name] ?? NaN;
      continue;
    }
    const { entries, start, end } = history.select(
      group.entity,
      entityValue(tx, group.entity),
      t - group.lookBackMs,
      t,
    );
    // If this very transaction is already stored (scored again), the no-delay windows stop just before it, as
    // features.py stops at the row itself: later arrivals with the same timestamp are out, and it is not counted twice.
    let current = end;
    for (let i = end - 1; i >= start && entries[i]!.timestamp === t; i--) if (entries[i]!.id === tx.id) current = i;
    for (const w of group.windows) out[w.index] = windowValue(w, entries, start, end, current, tx);
  }
  for (const f of spec.features) {
    if (f.kind === 'source') {
      const value = tx[f.field];
      out[f.index] =
        f.categories === null
          ? numberOrNaN(value)
          : value === undefined || value === null
            ? NaN
            : (f.categories.get(categoryKey(value)) ?? NaN);
    } else if (f.kind === 'calendar') {
      const time = tx[f.field];
      out[f.index] = typeof time !== 'number' ? NaN : f.in[calendarPart(time + spec.timeZoneOffsetMs, f.part)]!;
    } else if (f.kind === 'ratio') {
      const supplied = known?.[f.name];
      if (supplied !== undefined && spec.dependsOn[f.index]!.some((e) => !history.coveredEntities.has(e))) {
        out[f.index] = supplied;
      } else {
        const numerator = out[f.numerator]!;
        const denominator = out[f.denominator]!;
        out[f.index] =
          denominator === 0 || Number.isNaN(denominator) || Number.isNaN(numerator) ? f.empty : numerator / denominator;
      }
    }
  }
  return out;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Local hour (0-23) or ISO weekday (Monday = 1); floor division so that times before 1970 work too. */
function calendarPart(local: number, part: 'hour' | 'isoWeekday'): number {
  if (part === 'hour') return mod(Math.floor(local / HOUR_MS), 24);
  return mod(Math.floor(local / DAY_MS) + 3, 7) + 1; // 1970-01-01 was a Thursday (4)
}

const mod = (a: number, n: number): number => ((a % n) + n) % n;

function windowValue(
  w: WindowFeature,
  entries: readonly HistoryEntry[],
  start: number,
  end: number,
  current: number,
  tx: NormalizedTransaction,
): number {
  const withCurrent = w.delayMs === 0;
  const lo = upperBound(entries, start, end, tx.timestamp - w.delayMs - w.lengthMs);
  const hi = withCurrent ? current : upperBound(entries, lo, end, tx.timestamp - w.delayMs);
  if (w.aggregate === 'count') return Math.max(hi - lo, 0) + (withCurrent ? 1 : 0);
  const field = w.field!;
  const own = withCurrent ? numberOrNaN(tx[field]) : NaN;
  const total = sumOf(entries, lo, hi, field, own, 0, false);
  const n = summedCount;
  if (w.aggregate === 'sum') return total; // features.py gives the sum (0 when empty) without the `empty` fill
  if (n === 0) return w.empty;
  const mean = total / n;
  if (w.aggregate === 'mean') return mean;
  // Population std from deviations around the window's own mean: no cancellation, so it is at least as exact as
  // features.py's extended-precision prefix sums centred on the column mean.
  return Math.sqrt(sumOf(entries, lo, hi, field, own, mean, true) / n);
}

let summedCount = 0; // a second result of sumOf, kept out of an allocated tuple on the hot path

/**
 * Neumaier-compensated sum of (x - centre) or its square over entries[lo..hi) and `own`, skipping missing values:
 * in time order and nearly exactly rounded, so within ~1e-16 of features.py's long-double prefix sums.
 */
function sumOf(
  entries: readonly HistoryEntry[],
  lo: number,
  hi: number,
  field: string,
  own: number,
  centre: number,
  square: boolean,
): number {
  let sum = 0;
  let compensation = 0;
  let n = 0;
  for (let i = lo; i <= hi; i++) {
    const x = i < hi ? numberOrNaN(entries[i]![field]) : own;
    if (Number.isNaN(x)) continue;
    const d = square ? (x - centre) * (x - centre) : x - centre;
    const next = sum + d;
    compensation += Math.abs(sum) >= Math.abs(d) ? sum - next + d : d - next + sum;
    sum = next;
    n++;
  }
  summedCount = n;
  return sum + compensation;
}

/** A number field's value; anything else (absent, null label) is missing. */
const numberOrNaN = (value: unknown): number => (typeof value === 'number' ? value : NaN);

/** First index in [lo, hi) whose timestamp is > time (entries are sorted by timestamp). */
export function upperBound(entries: readonly HistoryEntry[], lo: number, hi: number, time: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.timestamp <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function entityValue(tx: NormalizedTransaction, entity: string): string {
  const value = tx[entity];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new ValidationError(entity, 'is required: the spec aggregates over it (normalize the transaction first)');
}

function checkKnown(spec: CompiledSpec, known: KnownFeatures): void {
  for (const [name, value] of Object.entries(known)) {
    if (!spec.names.includes(name)) throw new ValidationError(`known.${name}`, 'is not a feature of this spec');
    if (value !== undefined && typeof value !== 'number')
      throw new ValidationError(`known.${name}`, 'must be a number (NaN = missing)');
  }
}
