import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allKindsSpec,
  allKindsVectors,
  expectRow,
  labelledStream,
  type FeatureVectors,
} from '../../test/history-store-suite.js';
import { MemoryHistoryStore } from '../history/memory.js';
import { DEVICE_ENTITIES } from '../history/indexeddb.js';
import type { NormalizedTransaction } from '../transaction.js';
import { computeFeatures, computeFeaturesSync, noHistory } from './compute.js';
import { compileSpec, type CompiledSpec } from './spec.js';
import { readBundleJson, readConformanceJson } from '../../../test/fixtures.js';

const read = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
/** The handbook's 15 features: the window semantics below are stated on them, as in models/tests/test_features.py. */
const specJson = read('../../../models/specs/handbook-features.json') as Record<string, unknown>;
const spec = compileSpec(specJson);
/** The default bundle's spec and its conformance vectors. */
const bundleSpec = compileSpec(readBundleJson('features.json'));
const vectors = readConformanceJson('features.json') as FeatureVectors;

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

describe('conformance (models/conformance/default/features.json, features-all-kinds.json)', () => {
  for (const [name, compiled, doc] of [
    ['bundle spec', bundleSpec, vectors],
    ['all-kinds spec', allKindsSpec, allKindsVectors],
  ] as const) {
    it(`replays the stream through MemoryHistoryStore and reproduces every row (${name})`, () => {
      expect(compiled.names).toEqual(doc.features);
      let now = 0;
      const history = new MemoryHistoryStore(compiled, { clock: () => now });
      const maxima = compiled.names.map(() => 0);
      for (const [i, tx] of labelledStream(compiled, doc).entries()) {
        expect(tx.timestamp).toBe(doc.transactions[i]!.timestampMs);
        now = tx.timestamp;
        compareRow(compiled, computeFeaturesSync(compiled, tx, history), doc.expected[i]!, maxima);
        expect(history.add(tx)).toBe(true);
      }
      expect(history.prune(now)).toBeGreaterThanOrEqual(0);
      // Python sums windows with the same compensated operations in the same order: the doubles are equal.
      expect(Math.max(...maxima)).toBe(0);
      console.info(
        `memory conformance (${name}): ${doc.transactions.length} rows, max relative error ${Math.max(...maxima).toExponential(2)}`,
      );
    });

    it(`gives the same rows through the asynchronous path (${name})`, async () => {
      const history = new MemoryHistoryStore(compiled, { clock: () => 0 });
      const asyncView = { coveredEntities: history.coveredEntities, query: history.query.bind(history) };
      for (const [i, tx] of labelledStream(compiled, doc).slice(0, 800).entries()) {
        expectRow(compiled, await computeFeatures(compiled, tx, asyncView), doc.expected[i]!);
        history.add(tx);
      }
    });
  }
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

  it('reads a ratio whose quotient overflows (a baseline of the smallest double) as `empty`, as features.py does', () => {
    const custom = compileSpec({
      ...specJson,
      features: [
        { name: 'TX_AMOUNT', type: 'number', source: { field: 'amount' } },
        {
          name: 'OLD_MEAN',
          type: 'number',
          window: { entity: 'customerId', length: '2d', delay: '1d', aggregate: 'mean', field: 'amount' },
        },
        { name: 'R', type: 'number', ratio: { numerator: 'TX_AMOUNT', denominator: 'OLD_MEAN' } },
        { name: 'R_EMPTY', type: 'number', ratio: { numerator: 'TX_AMOUNT', denominator: 'OLD_MEAN', empty: -1 } },
      ],
    });
    const rows = replay(
      [tx('c', 5e-324, 0, null), tx('c', 1500, 1.5 * DAY, null), tx('c', 1e-320, 1.6 * DAY, null)],
      custom,
    );
    expect(Array.from(rows[1]!)).toEqual([1500, 5e-324, NaN, -1]);
    expect(Array.from(rows[2]!)).toEqual([1e-320, 5e-324, 1e-320 / 5e-324, 1e-320 / 5e-324]); // finite: kept
  });

  it('reads labels as known at scoring time: known-at = t counts, no known-at time never does (format 2)', () => {
    const custom = compileSpec({
      ...specJson,
      format: 'fraudscore-features/2',
      features: [
        {
          name: 'KNOWN_FRAUDS',
          type: 'count',
          window: { entity: 'terminalId', length: '7d', aggregate: 'sum', field: 'label', labels: 'known' },
        },
        {
          name: 'KNOWN_LABELS',
          type: 'count',
          window: { entity: 'terminalId', length: '7d', aggregate: 'count', field: 'label', labels: 'known' },
        },
        {
          name: 'KNOWN_RISK',
          type: 'number',
          window: { entity: 'terminalId', length: '7d', aggregate: 'mean', field: 'label', labels: 'known', empty: 0 },
        },
        {
          name: 'STORED_FRAUDS',
          type: 'count',
          window: { entity: 'terminalId', length: '7d', aggregate: 'sum', field: 'label' },
        },
        { name: 'LEGITIMATE', type: 'number', difference: { minuend: 'KNOWN_LABELS', subtrahend: 'KNOWN_FRAUDS' } },
      ],
    });
    const t = 40 * DAY;
    const knownAt = [t + 5000, t + 5000, null, null, t + DAY + 1, null];
    const rows = replay(
      [
        tx('a', 1, t, 1),
        tx('b', 1, t + 1000, 0),
        tx('c', 1, t + 2000, 1),
        tx('d', 1, t + 3000, null),
        tx('e', 1, t + 5000, 0),
        tx('f', 1, t + DAY, 0),
      ].map((row, i) => ({ ...row, labelKnownAt: knownAt[i] })),
      custom,
    );
    expect(column(rows, 'KNOWN_FRAUDS', custom)).toEqual([0, 0, 0, 0, 1, 1]);
    expect(column(rows, 'KNOWN_LABELS', custom)).toEqual([0, 0, 0, 0, 2, 2]);
    expect(column(rows, 'KNOWN_RISK', custom)).toEqual([0, 0, 0, 0, 0.5, 0.5]);
    expect(column(rows, 'STORED_FRAUDS', custom)).toEqual([1, 1, 2, 2, 2, 2]);
    expect(column(rows, 'LEGITIMATE', custom)).toEqual([0, 0, 0, 0, 1, 1]);
  });

  it('counts distinct values, hours since the latest earlier transaction and present values of a field (format 2)', () => {
    const custom = compileSpec({
      ...specJson,
      format: 'fraudscore-features/2',
      features: [
        {
          name: 'TERMINALS',
          type: 'count',
          window: { entity: 'customerId', length: '1d', aggregate: 'distinct', field: 'terminalId' },
        },
        { name: 'SINCE', type: 'number', window: { entity: 'customerId', length: '1d', aggregate: 'sinceLatest' } },
        {
          name: 'SINCE_BEFORE',
          type: 'number',
          window: { entity: 'customerId', length: '1d', delay: '1h', aggregate: 'sinceLatest', empty: -1 },
        },
        {
          name: 'LABELLED',
          type: 'count',
          window: { entity: 'customerId', length: '1d', aggregate: 'count', field: 'label' },
        },
      ],
    });
    const h = 3_600_000;
    const rows = replay(
      [
        tx('c', 1, 10 * h, 0, 't1'),
        tx('c', 1, 10 * h, null, 't2'),
        tx('c', 1, 12 * h, 1, 't1'),
        tx('c', 1, 35 * h, 0, 't3'),
        tx('d', 1, 35 * h, 0, 't1'),
      ],
      custom,
    );
    expect(column(rows, 'TERMINALS', custom)).toEqual([1, 2, 2, 2, 1]);
    expect(column(rows, 'SINCE', custom)).toEqual([NaN, 0, 2, 23, NaN]);
    expect(column(rows, 'SINCE_BEFORE', custom)).toEqual([-1, -1, 2, 23, -1]);
    expect(column(rows, 'LABELLED', custom)).toEqual([1, 1, 2, 2, 1]);
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
  const rows = labelledStream(bundleSpec, vectors);
  const terminal = bundleSpec.features
    .filter((f) => bundleSpec.dependsOn[f.index]!.includes('terminalId'))
    .map((f) => f.index);

  it('computes the customer features and leaves the features on the terminal missing', () => {
    const device = new MemoryHistoryStore(bundleSpec, { entities: DEVICE_ENTITIES, clock: () => 0 });
    expect(terminal.length).toBeGreaterThanOrEqual(6);
    const maxima = bundleSpec.names.map(() => 0);
    for (const [i, row] of rows.entries()) {
      const features = computeFeaturesSync(bundleSpec, row, device);
      for (const j of terminal) expect(features[j]).toBeNaN();
      compareRow(bundleSpec, features, vectors.expected[i]!, maxima, (j) => !terminal.includes(j));
      device.add(row);
    }
  });

  it('takes the terminal features from `known` (e.g. sent by the server)', async () => {
    const device = new MemoryHistoryStore(bundleSpec, { entities: DEVICE_ENTITIES });
    const i = vectors.transactions.length - 1;
    const known = Object.fromEntries(terminal.map((j) => [bundleSpec.names[j]!, vectors.expected[i]![j]!]));
    const features = await computeFeatures(bundleSpec, rows[i]!, device, known);
    for (const j of terminal) expect(features[j]).toBe(vectors.expected[i]![j]);
    const noneKnown = computeFeaturesSync(bundleSpec, rows[i]!, noHistory, { TX_AMOUNT: 1 });
    expect(noneKnown[bundleSpec.names.indexOf('TX_AMOUNT')]).toBe(rows[i]!.amount); // known never overrides what the device computes
    expect(noneKnown[bundleSpec.names.indexOf('CUSTOMER_ID_NB_TX_1DAY_WINDOW')]).toBeNaN();
    expect(() => computeFeaturesSync(bundleSpec, rows[i]!, device, { NOT_A_FEATURE: 1 })).toThrow(
      /known\.NOT_A_FEATURE/,
    );
  });
});
