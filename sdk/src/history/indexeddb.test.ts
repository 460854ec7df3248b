import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { computeFeatures } from '../features/compute.js';
import { compileSpec } from '../features/spec.js';
import { normalizeTransaction } from '../features/validate.js';
import type { NormalizedTransaction } from '../transaction.js';
import { IndexedDbHistoryStore, openHistoryStore } from './indexeddb.js';
import { MemoryHistoryStore } from './memory.js';
import { readConformanceJson } from '../../../test/fixtures.js';

const read = (path: string): any => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const spec = compileSpec(read('../../../models/specs/handbook-features.json'));
const vectors = readConformanceJson('features.json') as {
  transactions: unknown[];
  expected: (number | null)[][];
};
const DAY = 86_400_000;
let database = 0;
const freshName = () => `history-test-${database++}`;
const tx = (id: string, timestamp: number, customerId = 'c'): NormalizedTransaction => ({
  id,
  customerId,
  terminalId: 't',
  amount: 10,
  timestamp,
  label: null,
});

afterEach(() => vi.unstubAllGlobals());

describe('IndexedDbHistoryStore (fake-indexeddb)', () => {
  it('reproduces the customer features of the conformance stream; terminal features are missing', async () => {
    let now = 0;
    const store = await IndexedDbHistoryStore.open(spec, { dbName: freshName(), clock: () => now });
    expect([...store.coveredEntities]).toEqual(['customerId']);
    let maxError = 0;
    for (const [i, raw] of vectors.transactions.entries()) {
      const row = normalizeTransaction(raw, spec);
      now = row.timestamp;
      const features = await computeFeatures(spec, row, store);
      for (const f of spec.features) {
        const want = vectors.expected[i]![f.index] ?? NaN;
        const got = features[f.index]!;
        if (f.kind === 'window' && f.entity === 'terminalId') expect(got).toBeNaN();
        else if (f.type === 'count' || f.type === 'flag') expect(got, f.name).toBe(want);
        else maxError = Math.max(maxError, want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want));
      }
      expect(await store.add(row)).toBe(true);
    }
    expect(maxError).toBeLessThanOrEqual(1e-9);
    console.info(`indexeddb conformance (customer features): max relative error ${maxError.toExponential(2)}`);
    store.close();
  });

  it('stores an id once, sets labels, keeps arrival order on ties and prunes past the retention', async () => {
    const store = await IndexedDbHistoryStore.open(spec, { dbName: freshName(), clock: () => 0 });
    expect(store.retentionMs).toBe(31 * DAY); // customer: 30 days, plus 1 day margin
    expect(await store.add(tx('z', 5 * DAY))).toBe(true);
    expect(await store.add(tx('a', 5 * DAY))).toBe(true);
    expect(await store.add(tx('m', DAY))).toBe(true);
    expect(await store.add({ ...tx('z', 9 * DAY), amount: 1 })).toBe(false);
    expect((await store.query('customerId', 'c', 0, 10 * DAY)).map((e) => e.id)).toEqual(['m', 'z', 'a']);
    expect(await store.query('terminalId', 't', 0, 10 * DAY)).toEqual([]);
    expect(await store.setLabel('a', 1)).toBe(true);
    expect(await store.setLabel('nope', 1)).toBe(false);
    expect((await store.query('customerId', 'c', 4 * DAY, 5 * DAY)).map((e) => [e.id, e.label])).toEqual([
      ['z', null],
      ['a', 1],
    ]);
    expect(await store.prune(DAY + 31 * DAY)).toBe(1); // the entry at exactly now - retention goes
    expect(await store.prune(36 * DAY)).toBe(2);
    expect(await store.query('customerId', 'c', -Infinity, Infinity)).toEqual([]);
    await store.add(tx('b', 40 * DAY));
    await store.clear();
    expect(await store.query('customerId', 'c', -Infinity, Infinity)).toEqual([]);
    store.close();
  });

  it('keeps its data across reopening', async () => {
    const dbName = freshName();
    const first = await IndexedDbHistoryStore.open(spec, { dbName, clock: () => 0 });
    await first.add(tx('a', DAY));
    first.close();
    const second = await IndexedDbHistoryStore.open(spec, { dbName, clock: () => 0 });
    expect(await second.add(tx('a', DAY))).toBe(false);
    expect((await second.query('customerId', 'c', 0, 2 * DAY)).map((e) => e.id)).toEqual(['a']);
    second.close();
  });
});

describe('openHistoryStore', () => {
  it('opens IndexedDB where it works', async () => {
    const store = await openHistoryStore(spec, {
      dbName: freshName(),
      warn: () => {
        throw new Error('no warning expected');
      },
    });
    expect(store).toBeInstanceOf(IndexedDbHistoryStore);
    store.close();
  });

  it('degrades to a customer-only memory store with one warning when indexedDB.open throws', async () => {
    vi.stubGlobal('indexedDB', {
      open: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
    const warnings: string[] = [];
    const store = await openHistoryStore(spec, { warn: (message) => warnings.push(message) });
    expect(store).toBeInstanceOf(MemoryHistoryStore);
    expect([...store.coveredEntities]).toEqual(['customerId']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/IndexedDB is unavailable \(The operation is insecure\.\)/);
    expect(await store.add(tx('a', Date.now()))).toBe(true);
  });

  it('warns on the console only once when no callback is given and IndexedDB is missing', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await openHistoryStore(spec)).toBeInstanceOf(MemoryHistoryStore);
    expect(await openHistoryStore(spec)).toBeInstanceOf(MemoryHistoryStore);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/indexedDB is not defined/);
    warn.mockRestore();
  });
});
