import { describe, expect, it } from 'vitest';
import { MemoryDriftHistory } from '../drift/history.js';
import { storageContract } from './contract.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { MemoryStorage } from './memory.js';
import type { ScoredTransaction } from './types.js';

// The memory store is the reference the SQL stores are compared with; its drift history stands beside it.
const histories = new WeakMap<MemoryStorage, MemoryDriftHistory>();
storageContract('MemoryStorage', () => ({
  fresh: async () => {
    const store = new MemoryStorage();
    histories.set(store, new MemoryDriftHistory());
    return store;
  },
  close: async () => {},
  driftHistory: (store) => histories.get(store)!,
}));

describe('maxRecords', () => {
  const record = (id: string, amount = 10) =>
    ({
      id,
      transaction: { id, customerId: 'C1', terminalId: 'T1', amount, timestamp: 1_700_000_000_000 },
      probability: 0.1,
      riskLevel: 'LOW',
      label: null,
      acknowledged: null,
    }) as unknown as ScoredTransaction;

  it('drops the records saved first once past the limit; an id saved again after that is stored as new', async () => {
    const store = new MemoryStorage({ maxRecords: 3 });
    await store.saveMany([record('a'), record('b')]);
    await store.saveMany([record('c'), record('d'), record('e')]);
    expect(await store.getMany(['a', 'b', 'c', 'd', 'e']).then((rs) => rs.map((r) => r?.id))).toEqual([
      undefined,
      undefined,
      'c',
      'd',
      'e',
    ]);
    // Still stored: answered from the store, not created.
    expect((await store.saveMany([record('d', 99)]))[0]).toMatchObject({ created: false, record: { id: 'd' } });
    const [again] = await store.saveMany([record('a', 11)]);
    expect(again).toMatchObject({ created: true, record: { transaction: { amount: 11 } } });
    expect(await store.get('c')).toBeUndefined();
    expect((await store.list({ limit: 10 })).items.map((r) => r.id).sort()).toEqual(['a', 'd', 'e']);
  });

  it('refuses a limit that is not a whole number of at least 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => new MemoryStorage({ maxRecords: bad })).toThrow(RangeError);
    expect(() => new MemoryStorage({ maxRecords: Infinity })).not.toThrow();
  });
});

describe('cursors', () => {
  it('round-trip and refuse anything else', () => {
    expect(decodeCursor(encodeCursor({ timestamp: 5, id: 'ä/+' }))).toEqual({ timestamp: 5, id: 'ä/+' });
    for (const bad of ['', '!!', 'e30', btoa('[1]'), 'x'.repeat(2000)]) expect(decodeCursor(bad)).toBeUndefined();
  });
});
