import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeFeaturesSync } from '../features/compute.js';
import { compileSpec } from '../features/spec.js';
import type { NormalizedTransaction } from '../transaction.js';
import { historyStoreBehaviour } from '../../test/history-store-suite.js';
import { MemoryHistoryStore } from './memory.js';

const spec = compileSpec(
  JSON.parse(readFileSync(new URL('../../../models/specs/handbook-features.json', import.meta.url), 'utf8')),
);
const DAY = 86_400_000;
const tx = (id: string, timestamp: number, customerId = 'c', label: 0 | 1 | null = null): NormalizedTransaction => ({
  id,
  customerId,
  terminalId: 't',
  amount: 10,
  timestamp,
  label,
});

describe('MemoryHistoryStore: the HistoryStore behaviour', () => {
  historyStoreBehaviour(async (compiled) => {
    let now = 0;
    return { store: new MemoryHistoryStore(compiled, { clock: () => now }), setNow: (t) => (now = t) };
  }, Infinity);
});

describe('MemoryHistoryStore: device (customer only)', () => {
  historyStoreBehaviour(async (compiled) => {
    let now = 0;
    return {
      store: new MemoryHistoryStore(compiled, { clock: () => now, entities: ['customerId'] }),
      setNow: (t) => (now = t),
    };
  }, 600);
});

describe('MemoryHistoryStore', () => {
  it('indexes every entity the spec windows on, keeps each timeline in time order, and stores an id once', () => {
    const store = new MemoryHistoryStore(spec, { clock: () => 0 });
    expect([...store.coveredEntities]).toEqual(['customerId', 'terminalId']);
    expect(store.add(tx('a', 3 * DAY))).toBe(true);
    expect(store.add(tx('b', DAY))).toBe(true); // late arrival goes before
    expect(store.add(tx('c', 3 * DAY))).toBe(true); // tie goes after the earlier arrival
    expect(store.add({ ...tx('a', 5 * DAY), amount: 99 })).toBe(false);
    expect(store.size).toBe(3);
    expect(store.query('customerId', 'c', 0, 10 * DAY).map((e) => e.id)).toEqual(['b', 'a', 'c']);
    expect(store.query('terminalId', 't', DAY, 3 * DAY).map((e) => e.id)).toEqual(['a', 'c']); // (from, to]
    expect(store.query('customerId', 'nobody', 0, 10 * DAY)).toEqual([]);
  });

  it('removes an entry from every timeline (a scoring that failed after recording teaches nothing)', () => {
    const store = new MemoryHistoryStore(spec, { clock: () => 0 });
    store.add(tx('a', DAY, 'c1'));
    store.add(tx('b', 2 * DAY, 'c1'));
    expect(store.remove('a')).toBe(true);
    expect(store.remove('a')).toBe(false);
    expect(store.get('a')).toBeUndefined();
    expect(store.query('customerId', 'c1', 0, 10 * DAY).map((e) => e.id)).toEqual(['b']);
    expect(store.query('terminalId', 't', 0, 10 * DAY).map((e) => e.id)).toEqual(['b']);
    expect(store.remove('b')).toBe(true);
    expect(store.query('customerId', 'c1', 0, 10 * DAY)).toEqual([]);
    expect(store.add(tx('a', DAY, 'c1'))).toBe(true);
  });

  it('sets a label once for every timeline, and the terminal risk sees it', () => {
    const store = new MemoryHistoryStore(spec, { clock: () => 0 });
    store.add(tx('a', DAY, 'c1'));
    store.add(tx('b', DAY, 'c2'));
    const later = tx('z', 8 * DAY + 1, 'c3');
    const risk = spec.names.indexOf('TERMINAL_ID_RISK_1DAY_WINDOW');
    expect(computeFeaturesSync(spec, later, store)[risk]).toBe(0); // no label known yet: the empty value
    expect(store.setLabel('a', 1)).toBe(true);
    expect(store.setLabel('nope', 1)).toBe(false);
    expect(computeFeaturesSync(spec, later, store)[risk]).toBe(1);
    store.setLabel('b', 0);
    expect(computeFeaturesSync(spec, later, store)[risk]).toBe(0.5);
    expect(() => store.setLabel('a', 2 as 1)).toThrow(/label/);
  });

  it('keeps the longest look-back plus the margin, and prunes on its own as the clock moves', () => {
    let now = 0;
    const store = new MemoryHistoryStore(spec, { clock: () => now, marginMs: DAY });
    expect(store.retentionMs).toBe(38 * DAY); // terminal: 30 days + 7 days delay, plus 1 day
    for (let day = 0; day < 100; day++) {
      now = day * DAY;
      store.add(tx(`d${day}`, now, `c${day % 3}`));
    }
    expect(store.size).toBeLessThanOrEqual(40);
    expect(store.get('d50')).toBeUndefined();
    expect(store.get('d99')).toBeDefined();
    expect(store.prune(200 * DAY)).toBeGreaterThan(0);
    expect(store.size).toBe(0);
    expect(store.query('customerId', 'c0', -Infinity, Infinity)).toEqual([]);
  });

  it('covers only the entities it is given', () => {
    const store = new MemoryHistoryStore(spec, { entities: ['customerId'] });
    expect(store.retentionMs).toBe(31 * DAY);
    store.add(tx('a', Date.now()));
    expect(store.query('terminalId', 't', -Infinity, Infinity)).toEqual([]);
    store.clear();
    expect(store.size).toBe(0);
  });
});
