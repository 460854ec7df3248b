import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryHistoryStore } from '../history/memory.js';
import { DEVICE_ENTITIES } from '../history/indexeddb.js';
import type { NormalizedTransaction } from '../transaction.js';
import { computeFeatures, computeFeaturesSync, noHistory } from './compute.js';
import { compileSpec, type CompiledSpec } from './spec.js';
import { normalizeTransaction } from './validate.js';
import { readConformanceJson } from '../../../test/fixtures.js';

const read = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const specJson = read('../../../models/specs/handbook-features.json') as Record<string, unknown>;
const spec = compileSpec(specJson);
interface Vectors {
  features: string[];
  transactions: (Record<string, unknown> & { timestampMs: number })[];
  expected: (number | null)[][];
}
const vectors = readConformanceJson('features.json') as Vectors;

/** Max relative error over non-exact features; counts and flags must be equal. Returns per-feature maxima. */
function compareRow(
  compiled: CompiledSpec,
  got: Float64Array,
  expected: readonly (number | null)[],
  maxima: number[],
  only?: (j: number) => boolean,
): void {
  for (const [j, feature] of compiled.features.entries()) {
    if (only && !only(j)) continue;
    const want = expected[j] ?? NaN;
    const value = got[j]!;
    if (Number.isNaN(want) || feature.type === 'count' || feature.type === 'flag') {
      expect(value, feature.name).toBe(want);
      continue;
    }
    const error = want === 0 ? Math.abs(value) : Math.abs(value - want) / Math.abs(want);
    expect(error, `${feature.name}: ${value} vs ${want}`).toBeLessThanOrEqual(1e-9);
    maxima[j] = Math.max(maxima[j]!, error);
  }
}

describe('conformance (models/conformance/default/features.json)', () => {
  it('replays the stream through MemoryHistoryStore and reproduces every row', () => {
    expect(spec.names).toEqual(vectors.features);
    let now = 0;
    const history = new MemoryHistoryStore(spec, { clock: () => now });
    const maxima = spec.names.map(() => 0);
    for (const [i, raw] of vectors.transactions.entries()) {
      const tx = normalizeTransaction(raw, spec);
      expect(tx.timestamp).toBe(raw.timestampMs);
      now = tx.timestamp;
      compareRow(spec, computeFeaturesSync(spec, tx, history), vectors.expected[i]!, maxima);
      expect(history.add(tx)).toBe(true);
    }
    expect(history.prune(now)).toBeGreaterThanOrEqual(0);
    console.info(
      `memory conformance: ${vectors.transactions.length} rows, max relative error ${Math.max(...maxima).toExponential(2)}`,
    );
  });

  it('gives the same rows through the asynchronous path', async () => {
    const history = new MemoryHistoryStore(spec, { clock: () => 0 });
    const asyncView = { coveredEntities: history.coveredEntities, query: history.query.bind(history) };
    const maxima = spec.names.map(() => 0);
    for (const [i, raw] of vectors.transactions.slice(0, 800).entries()) {
      const tx = normalizeTransaction(raw, spec);
      compareRow(spec, await computeFeatures(spec, tx, asyncView), vectors.expected[i]!, maxima);
      history.add(tx);
    }
  });
});

const DAY = 86_400_000;
const names = spec.names;
const at = (name: string) => names.indexOf(name);
let nextId = 0;
const tx = (
  customerId: string,
  amount: number,
  timestamp: number,
  label: 0 | 1 | null = 0,
  terminalId = 't',
): NormalizedTransaction => ({ id: String(nextId++), customerId, terminalId, amount, timestamp, label });

/** Replays rows and returns the feature matrix, as features.py's tests do over a table. */
function replay(rows: NormalizedTransaction[], compiled = spec): Float64Array[] {
  const history = new MemoryHistoryStore(compiled, { clock: () => 0 });
  return rows.map((row) => {
    const features = computeFeaturesSync(compiled, row, history);
    history.add(row);
    return features;
  });
}
const column = (rows: Float64Array[], name: string, compiled = spec) =>
  rows.map((r) => r[compiled.names.indexOf(name)]);

describe('window semantics (the cases of models/tests/test_features.py)', () => {
  it('includes the current transaction and earlier ties but not later ones', () => {
    const t = 10 * DAY;
    const rows = replay([tx('c', 10, t), tx('c', 20, t), tx('c', 30, t)]);
    expect(column(rows, 'CUSTOMER_ID_NB_TX_1DAY_WINDOW')).toEqual([1, 2, 3]);
    expect(column(rows, 'CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW')).toEqual([10, 15, 20]);
  });

  it('has windows open on the left and closed on the right', () => {
    const t = 40 * DAY;
    const rows = replay([
      tx('c', 10, t, 1),
      tx('c', 20, t + DAY - 1, 0),
      tx('c', 30, t + DAY, 1),
      tx('c', 5, t + 8 * DAY),
      tx('c', 5, t + 8 * DAY + 1),
      tx('c', 5, t + 9 * DAY),
    ]);
    expect(column(rows, 'CUSTOMER_ID_NB_TX_1DAY_WINDOW')).toEqual([1, 2, 2, 1, 2, 2]);
    expect(column(rows, 'TERMINAL_ID_NB_TX_1DAY_WINDOW')).toEqual([0, 0, 0, 2, 2, 0]);
    expect(column(rows, 'TERMINAL_ID_RISK_1DAY_WINDOW')).toEqual([0, 0, 0, 0.5, 0.5, 0]);
  });

  it('counts unknown labels as transactions but not in the risk', () => {
    const t = 40 * DAY;
    const rows = replay([
      tx('a', 10, t, 1),
      tx('b', 10, t + 1, null),
      tx('c', 10, t + 1000, 0),
      tx('d', 10, t + 7 * DAY + 5000, 0),
    ]);
    expect(rows[3]![at('TERMINAL_ID_NB_TX_1DAY_WINDOW')]).toBe(3);
    expect(rows[3]![at('TERMINAL_ID_RISK_1DAY_WINDOW')]).toBeCloseTo(0.5, 15);
  });

  it('computes std, sum, ratio, categories and calendar parts in a fixed zone', () => {
    const custom = compileSpec({
      ...specJson,
      timeZone: '+06:00',
      fields: { ...(specJson['fields'] as object), channel: { type: 'category' } },
      features: [
        { name: 'NIGHT', type: 'flag', calendar: { field: 'timestamp', part: 'hour', in: [0, 1, 2, 3, 4, 5, 6] } },
        {
          name: 'STD',
          type: 'number',
          window: { entity: 'customerId', length: '1d', aggregate: 'std', field: 'amount' },
        },
        {
          name: 'SUM',
          type: 'number',
          window: { entity: 'customerId', length: '1d', aggregate: 'sum', field: 'amount' },
        },
        {
          name: 'MEAN',
          type: 'number',
          window: { entity: 'customerId', length: '1d', aggregate: 'mean', field: 'amount' },
        },
        { name: 'RATIO', type: 'number', ratio: { numerator: 'SUM', denominator: 'MEAN' } },
        { name: 'CHANNEL', type: 'category', source: { field: 'channel', categories: ['card', 'web', 'mobile'] } },
        { name: 'MONDAY', type: 'flag', calendar: { field: 'timestamp', part: 'isoWeekday', in: [1] } },
      ],
    });
    const rows = replay(
      [
        { ...tx('c', 1, 16 * 3_600_000), channel: 'web' },
        { ...tx('c', 3, 21 * 3_600_000), channel: 'mobile' },
        { ...tx('c', 8, 22 * 3_600_000), channel: 'fax' },
        { ...tx('d', 8, 4 * DAY - 6 * 3_600_000) },
      ],
      custom,
    );
    expect(column(rows, 'NIGHT', custom)).toEqual([0, 1, 1, 1]); // 16:00 UTC is 22:00 at +06:00; 21:00 UTC is 03:00
    const std = column(rows, 'STD', custom);
    expect(std[0]).toBe(0);
    expect(std[1]).toBeCloseTo(1, 14);
    expect(std[2]).toBeCloseTo(Math.sqrt(((1 - 4) ** 2 + (3 - 4) ** 2 + (8 - 4) ** 2) / 3), 14);
    expect(column(rows, 'SUM', custom).slice(0, 3)).toEqual([1, 4, 12]);
    expect(column(rows, 'RATIO', custom).slice(0, 3)).toEqual([1, 2, 3]);
    expect(column(rows, 'CHANNEL', custom)).toEqual([1, 2, NaN, NaN]); // unknown and absent categories are missing
    expect(column(rows, 'MONDAY', custom)).toEqual([0, 0, 0, 1]); // 1970-01-05 00:00 at +06:00 is a Monday
  });

  it('gives empty windows their `empty` value, or missing, and a sum of 0 as features.py does', () => {
    const custom = compileSpec({
      ...specJson,
      features: [
        {
          name: 'OLD_MEAN',
          type: 'number',
          window: { entity: 'customerId', length: '1d', delay: '1d', aggregate: 'mean', field: 'amount' },
        },
        {
          name: 'OLD_MEAN_0',
          type: 'number',
          window: { entity: 'customerId', length: '1d', delay: '1d', aggregate: 'mean', field: 'amount', empty: -1 },
        },
        {
          name: 'OLD_SUM',
          type: 'number',
          window: { entity: 'customerId', length: '1d', delay: '1d', aggregate: 'sum', field: 'amount', empty: -1 },
        },
        {
          name: 'LABELS',
          type: 'number',
          window: { entity: 'customerId', length: '1d', aggregate: 'mean', field: 'label' },
        },
        { name: 'R', type: 'number', ratio: { numerator: 'OLD_SUM', denominator: 'OLD_MEAN', empty: 7 } },
      ],
    });
    const [row] = replay([tx('c', 5, DAY, null)], custom);
    expect(Array.from(row!)).toEqual([NaN, -1, 0, NaN, 7]);
  });

  it('does not count a transaction twice when it is scored again after being stored', () => {
    const history = new MemoryHistoryStore(spec, { clock: () => 0 });
    const rows = [tx('c', 10, DAY), tx('c', 20, DAY), tx('c', 30, DAY)];
    for (const row of rows) history.add(row);
    const again = computeFeaturesSync(spec, rows[1]!, history);
    expect(again[at('CUSTOMER_ID_NB_TX_1DAY_WINDOW')]).toBe(2); // as when first scored: the later tie is out
    expect(again[at('CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW')]).toBe(15);
  });
});

describe('device scenario: a history that covers only the customer', () => {
  const rows = vectors.transactions.map((raw) => normalizeTransaction(raw, spec));
  const terminal = spec.features.filter((f) => f.kind === 'window' && f.entity === 'terminalId').map((f) => f.index);

  it('computes the customer features and leaves the six terminal features missing', () => {
    const device = new MemoryHistoryStore(spec, { entities: DEVICE_ENTITIES, clock: () => 0 });
    expect(terminal).toHaveLength(6);
    const maxima = spec.names.map(() => 0);
    for (const [i, row] of rows.entries()) {
      const features = computeFeaturesSync(spec, row, device);
      for (const j of terminal) expect(features[j]).toBeNaN();
      compareRow(spec, features, vectors.expected[i]!, maxima, (j) => !terminal.includes(j));
      device.add(row);
    }
  });

  it('takes the terminal features from `known` (e.g. sent by the server)', async () => {
    const device = new MemoryHistoryStore(spec, { entities: DEVICE_ENTITIES });
    const i = vectors.transactions.length - 1;
    const known = Object.fromEntries(terminal.map((j) => [names[j]!, vectors.expected[i]![j]!]));
    const features = await computeFeatures(spec, rows[i]!, device, known);
    for (const j of terminal) expect(features[j]).toBe(vectors.expected[i]![j]);
    const noneKnown = computeFeaturesSync(spec, rows[i]!, noHistory, { TX_AMOUNT: 1 });
    expect(noneKnown[at('TX_AMOUNT')]).toBe(rows[i]!.amount); // known never overrides what the device computes
    expect(noneKnown[at('CUSTOMER_ID_NB_TX_1DAY_WINDOW')]).toBeNaN();
    expect(() => computeFeaturesSync(spec, rows[i]!, device, { NOT_A_FEATURE: 1 })).toThrow(/known\.NOT_A_FEATURE/);
  });
});
