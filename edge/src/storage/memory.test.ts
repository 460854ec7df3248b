import { describe, expect, it } from 'vitest';
import { MemoryStorage } from './memory.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { ScoredTransaction } from './types.js';

const record = (
  id: string,
  timestamp: number,
  riskLevel: ScoredTransaction['riskLevel'] = 'LOW',
  customerId = 'c',
): ScoredTransaction => ({
  id,
  transaction: { id, customerId, terminalId: 't', amount: 1, timestamp },
  probability: 0.1,
  riskLevel,
  shouldBlock: false,
  threshold: 0.4,
  topFactors: [],
  shap: null,
  features: {},
  modelVersion: '1',
  scoredAt: '2026-01-01T00:00:00.000Z',
  deviceScore: null,
  agreement: null,
  label: null,
  acknowledged: null,
});

const saveOne = async (s: MemoryStorage, r: ScoredTransaction) => (await s.saveMany([r]))[0]!;

describe('MemoryStorage', () => {
  it('saves many in one call: repeated and stored ids are not created again; gets many in order', async () => {
    const s = new MemoryStorage();
    await saveOne(s, record('old', 1));
    const results = await s.saveMany([
      record('n1', 2),
      { ...record('old', 3), probability: 0.7 },
      { ...record('n1', 5), probability: 0.8 },
    ]);
    expect(results.map((r) => [r.record.id, r.created, r.record.probability])).toEqual([
      ['n1', true, 0.1],
      ['old', false, 0.1],
      ['n1', false, 0.1],
    ]);
    expect((await s.getMany(['n1', 'x', 'old'])).map((r) => r?.transaction.timestamp)).toEqual([2, undefined, 1]);
  });

  it('saves idempotently by id and hands out copies', async () => {
    const s = new MemoryStorage();
    expect((await saveOne(s, record('a', 1))).created).toBe(true);
    const again = await saveOne(s, { ...record('a', 2), probability: 0.9 });
    expect(again).toMatchObject({ created: false, record: { probability: 0.1 } });
    const got = await s.get('a');
    got!.probability = 1;
    expect((await s.get('a'))?.probability).toBe(0.1);
    expect(await s.get('b')).toBeUndefined();
  });

  it('lists newest first with filters and keyset paging over equal timestamps', async () => {
    const s = new MemoryStorage();
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries())
      await saveOne(s, record(id, i < 3 ? 100 : 200 + i, i % 2 ? 'HIGH' : 'LOW', i < 2 ? 'x' : 'y'));
    const ids = async (q: Parameters<MemoryStorage['list']>[0]) => (await s.list(q)).items.map((r) => r.id);
    expect(await ids({ limit: 10 })).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(await ids({ limit: 10, riskLevels: ['HIGH'] })).toEqual(['d', 'b']);
    expect(await ids({ limit: 10, customerId: 'x' })).toEqual(['b', 'a']);
    expect(await ids({ limit: 10, from: 100, to: 204 })).toEqual(['d', 'c', 'b', 'a']);
    const p1 = await s.list({ limit: 3 });
    expect(p1.items.map((r) => r.id)).toEqual(['e', 'd', 'c']);
    const p2 = await s.list({ limit: 3, cursor: p1.nextCursor! });
    expect(p2.items.map((r) => r.id)).toEqual(['b', 'a']);
    expect(p2.nextCursor).toBeNull();
    await expect(s.list({ limit: 3, cursor: 'junk' })).rejects.toThrow(RangeError);
  });

  it('sets labels and acknowledgements and keeps the threshold audit', async () => {
    const s = new MemoryStorage();
    await saveOne(s, record('a', 1));
    expect(await s.setLabel('zz', { label: 'fraud', analyst: 'a', at: 'x' })).toBeUndefined();
    expect(
      (await s.setLabel('a', { label: 'fraud', analyst: 'ana', at: '2026-01-02T00:00:00.000Z' }))?.label?.analyst,
    ).toBe('ana');
    expect(await s.acknowledge('zz', { analyst: 'a', at: 'x' })).toBeUndefined();
    const acked = await s.acknowledge('a', { analyst: 'bo', at: '2026-01-02T00:01:00.000Z' });
    expect(acked?.acknowledged).toEqual({ analyst: 'bo', at: '2026-01-02T00:01:00.000Z' });
    expect((await s.get('a'))?.acknowledged?.analyst).toBe('bo');
    expect((await s.get('a'))?.label?.label).toBe('fraud'); // independent of the label
    await s.recordThresholdChange({ from: 0.4, to: 0.5, by: 'admin', at: '2026-01-02T00:00:00.000Z' });
    expect(await s.thresholdChanges()).toHaveLength(1);
  });

  it('cursors round-trip and refuse anything else', () => {
    expect(decodeCursor(encodeCursor({ timestamp: 5, id: 'ä/+' }))).toEqual({ timestamp: 5, id: 'ä/+' });
    for (const bad of ['', '!!', 'e30', btoa('[1]'), 'x'.repeat(2000)]) expect(decodeCursor(bad)).toBeUndefined();
  });
});
