// The feature interpreter for one transaction against a history, with the semantics of models/fraudmodels/features.py:
// window (t - delay - length, t - delay]; with no delay the current transaction is in, as are earlier arrivals with
// the same timestamp; count counts every transaction (or a field's present values), sum/mean/std skip missing values,
// `labels: "known"` windows skip labels not yet known at t; distinct values; hours since the latest earlier
// transaction; ratios and differences; categories; calendar parts in the spec's fixed zone. The core is synchronous over sorted arrays so that the edge's hot path allocates
// only the output row; computeFeatures wraps it for asynchronous stores (IndexedDB) by fetching each entity's
// look-back range first.
import { ValidationError } from '../errors.js';
import type { NormalizedTransaction } from '../transaction.js';
import { categoryKey, knownAtField, type CompiledSpec, type WindowFeature } from './spec.js';

/**
 * A transaction as a history holds it: normalized, with its label as known now (null = not yet) and `labelKnownAt`,
 * the epoch ms at which that label became known (null or absent: unknown, so `labels: "known"` windows skip it).
 */
export type HistoryEntry = Readonly<NormalizedTransaction & { labelKnownAt?: number | null }>;

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
    } else if (f.kind === 'ratio' || f.kind === 'difference') {
      const supplied = known?.[f.name];
      if (supplied !== undefined && spec.dependsOn[f.index]!.some((e) => !history.coveredEntities.has(e))) {
        out[f.index] = supplied;
      } else if (f.kind === 'difference') {
        out[f.index] = out[f.minuend]! - out[f.subtrahend]!;
      } else {
        // A zero or missing denominator, a missing numerator and a quotient beyond the doubles (a tiny baseline) all
        // give a quotient that is not finite: the ratio is then `empty`.
        const quotient = out[f.numerator]! / out[f.denominator]!;
        out[f.index] = Number.isFinite(quotient) ? quotient : f.empty;
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
  const t = tx.timestamp;
  const withCurrent = w.delayMs === 0;
  const lo = upperBound(entries, start, end, t - w.delayMs - w.lengthMs);
  const hi = withCurrent ? current : upperBound(entries, lo, end, t - w.delayMs);
  if (w.field === null) {
    if (w.aggregate === 'count') return Math.max(hi - lo, 0) + (withCurrent ? 1 : 0);
    // sinceLatest: the latest earlier transaction (the current one is not earlier than itself).
    return hi > lo ? (t - entries[hi - 1]!.timestamp) / HOUR_MS : w.empty;
  }
  const field = w.field;
  const knownAt = w.labels === 'known' ? knownAtField(field) : null;
  const own: HistoryEntry | null = withCurrent ? tx : null;
  if (w.aggregate === 'distinct') return distinctOf(entries, lo, hi, field, own);
  const total = sumOf(entries, lo, hi, field, knownAt, t, own, 0, false);
  const n = summedCount;
  if (w.aggregate === 'count') return n;
  if (w.aggregate === 'sum') return total; // features.py gives the sum (0 when empty) without the `empty` fill
  if (n === 0) return w.empty;
  const mean = total / n;
  if (w.aggregate === 'mean') return mean;
  // Population std from deviations around the window's own mean: no cancellation.
  return Math.sqrt(sumOf(entries, lo, hi, field, knownAt, t, own, mean, true) / n);
}

let summedCount = 0; // a second result of sumOf, kept out of an allocated tuple on the hot path

/**
 * Neumaier-compensated sum of (x - centre) or its square over entries[lo..hi) and then `own`, skipping missing
 * values and, with `knownAt`, labels not known by time t. features.py performs exactly these operations in this order
 * (_ordered_sum), so both give the same double: the window's value depends on its own values only, on every platform.
 */
function sumOf(
  entries: readonly HistoryEntry[],
  lo: number,
  hi: number,
  field: string,
  knownAt: string | null,
  t: number,
  own: HistoryEntry | null,
  centre: number,
  square: boolean,
): number {
  let sum = 0;
  let compensation = 0;
  let n = 0;
  for (let i = lo; i <= hi; i++) {
    const entry = i < hi ? entries[i]! : own;
    if (entry === null) break;
    const x = valueAt(entry, field, knownAt, t);
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

/** The field's value as a number (missing: NaN); with knownAt, missing unless the value was known by time t. */
function valueAt(entry: HistoryEntry, field: string, knownAt: string | null, t: number): number {
  if (knownAt !== null) {
    const when = entry[knownAt];
    if (typeof when !== 'number' || !(when <= t)) return NaN;
  }
  const value = entry[field];
  if (typeof value === 'number') return value;
  return value === null || value === undefined ? NaN : 0; // a present non-number (an id): only count reads it
}

/** Distinct present values of the field over entries[lo..hi) and `own`. */
function distinctOf(
  entries: readonly HistoryEntry[],
  lo: number,
  hi: number,
  field: string,
  own: HistoryEntry | null,
): number {
  const seen = new Set<unknown>();
  for (let i = lo; i < hi; i++) addPresent(seen, entries[i]![field]);
  if (own !== null) addPresent(seen, own[field]);
  return seen.size;
}

function addPresent(seen: Set<unknown>, value: unknown): void {
  if (value !== null && value !== undefined && !(typeof value === 'number' && Number.isNaN(value))) seen.add(value);
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
