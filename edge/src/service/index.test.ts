import { directorySource } from '@fraudscore/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { createInProcessEventBus, type EdgeEvent, type EventBus } from '../bus/index.js';
import { MemoryStorage } from '../storage/index.js';
import { memoryHistory } from './history.js';
import { createScoringService, publishInOrder } from './index.js';
import { createTestEdge, tx, type TestEdge } from '../testing/index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);
const DAY = 86_400_000;

describe('scoring service', () => {
  let edge: TestEdge;
  let events: EdgeEvent[];
  beforeEach(async () => {
    edge = await createTestEdge(BUNDLE);
    events = [];
    edge.bus.subscribe((e) => void events.push(e));
  });

  it('scores with probability, tier, block, top factors; persists and publishes', async () => {
    const r = await edge.service.score(tx('a1'));
    expect(r.probability).toBeGreaterThan(0);
    expect(r.probability).toBeLessThan(1);
    expect(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).toContain(r.riskLevel);
    expect(r.topFactors).toHaveLength(5);
    expect(r.shap?.values).toHaveLength(edge.service.currentModel().model.features.length);
    expect(r.transaction).toMatchObject({
      id: 'a1',
      customerId: 'c1',
      terminalId: 't1',
      timestamp: Date.parse('2026-03-20T10:00:00Z'),
    });
    expect(r.scoredAt).toBe('2026-03-20T12:00:00.000Z');
    expect(await edge.storage.get('a1')).toEqual(r);
    expect(events.map((e) => e.type)).toEqual(['scored']);
  });

  it('explain=false skips SHAP', async () => {
    const r = await edge.service.score(tx('a1'), { explain: false });
    expect(r.topFactors).toEqual([]);
    expect(r.shap).toBeNull();
  });

  it("a customer's second transaction sees the first in its customer windows", async () => {
    const first = await edge.service.score(tx('a1', { amount: 100 }));
    const second = await edge.service.score(
      tx('a2', { amount: 50, timestamp: '2026-03-20T11:00:00Z', terminalId: 't2' }),
    );
    expect(first.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(1);
    expect(second.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(2);
    expect(second.features['CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW']).toBe(75);
  });

  it("a fraud label raises a later transaction's terminal risk once the 7-day delay has passed", async () => {
    await edge.service.score(tx('old', { timestamp: '2026-03-10T10:00:00Z', customerId: 'cx' }));
    const before = await edge.service.score(tx('b1', { timestamp: '2026-03-18T10:00:00Z', customerId: 'cy' }));
    expect(before.features['TERMINAL_ID_NB_TX_7DAY_WINDOW']).toBe(1);
    expect(before.features['TERMINAL_ID_RISK_7DAY_WINDOW']).toBe(0);
    const labelled = await edge.service.label('old', { label: 'fraud', analyst: 'ana' });
    expect(labelled.label).toEqual({ label: 'fraud', analyst: 'ana', at: '2026-03-20T12:00:00.000Z' });
    const after = await edge.service.score(tx('b2', { timestamp: '2026-03-18T11:00:00Z', customerId: 'cz' }));
    expect(after.features['TERMINAL_ID_RISK_7DAY_WINDOW']).toBe(1);
    // Within the delay the label is not visible: a transaction 2 days after the labelled one reads an earlier window.
    const early = await edge.service.score(tx('b3', { timestamp: '2026-03-12T10:00:00Z', customerId: 'cw' }));
    expect(early.features['TERMINAL_ID_NB_TX_7DAY_WINDOW']).toBe(0);
    expect(events.filter((e) => e.type === 'labelled')).toHaveLength(1);
  });

  it("an analyst's fraud label reaches the terminal's known-fraud windows from the decision time on, no delay", async () => {
    await edge.service.score(tx('stolen', { timestamp: '2026-03-20T08:00:00Z', customerId: 'cx' }));
    await edge.service.label('stolen', { label: 'fraud', analyst: 'ana', at: '2026-03-20T09:00:00Z' });
    const before = await edge.service.score(tx('b1', { timestamp: '2026-03-20T08:30:00Z', customerId: 'cy' }));
    const after = await edge.service.score(tx('b2', { timestamp: '2026-03-20T09:00:00Z', customerId: 'cz' }));
    expect(before.features['TERMINAL_ID_KNOWN_FRAUD_1DAY_WINDOW']).toBe(0); // scored before the analyst decided
    expect(after.features['TERMINAL_ID_KNOWN_FRAUD_1DAY_WINDOW']).toBe(1);
    expect(after.features['TERMINAL_ID_KNOWN_LABELS_7DAY_WINDOW']).toBe(1);
    expect(after.features['TERMINAL_ID_KNOWN_RISK_28DAY_WINDOW']).toBe(1);
    expect(after.features['TERMINAL_ID_RISK_7DAY_WINDOW']).toBe(0); // the fixed-delay window still waits 7 days
    expect(after.probability).toBeGreaterThan(before.probability);
  });

  it('is idempotent by transaction id: the same content gets the stored result, no double counting', async () => {
    const first = await edge.service.score(tx('a1'));
    edge.now.ms += DAY;
    const again = await edge.service.score(tx('a1', { timestamp: Date.parse('2026-03-20T10:00:00Z') }));
    expect(again).toEqual(first);
    expect(first.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    await expect(edge.service.score(tx('a1', { amount: 9999 }))).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
      field: 'id',
      data: { id: 'a1' },
    });
    expect(edge.history.size).toBe(1);
    const next = await edge.service.score(tx('a2', { timestamp: '2026-03-20T11:00:00Z' }));
    expect(next.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(2);
    const [x, y, z] = await edge.service.scoreBatch([tx('a3'), tx('a3'), tx('a1')]);
    expect(y).toEqual(x);
    expect(z).toEqual(first);
    expect(edge.history.size).toBe(3);
    expect(events.filter((e) => e.type === 'scored')).toHaveLength(3);
  });

  it('states agreement with the device pre-score', async () => {
    const r = await edge.service.score({ ...tx('a1'), preScore: { probability: 0.5, riskLevel: 'CRITICAL' } });
    expect(r.deviceScore).toEqual({ probability: 0.5, riskLevel: 'CRITICAL' });
    expect(r.agreement).toEqual({ sameTier: r.riskLevel === 'CRITICAL', delta: r.probability - 0.5 });
    expect((await edge.service.score(tx('a2'))).agreement).toBeNull();
  });

  it('ignores a label sent with a transaction to score', async () => {
    await edge.service.score(tx('a1', { label: 1 }));
    expect(edge.history.get('a1')?.label).toBeNull();
  });

  it('applies a threshold override to tier and block', async () => {
    const config: { threshold?: number } = {};
    edge = await createTestEdge(BUNDLE, { config });
    const base = await edge.service.score(tx('a1'));
    config.threshold = base.probability / 2;
    const r = await edge.service.score(tx('a2', { customerId: 'other', terminalId: 'other' }));
    expect(r.threshold).toBe(config.threshold);
    expect(r.shouldBlock).toBe(r.probability >= config.threshold);
  });

  it('publishes alerts for HIGH and CRITICAL', async () => {
    const config = { threshold: 0 };
    edge = await createTestEdge(BUNDLE, { config });
    events = [];
    edge.bus.subscribe((e) => void events.push(e), ['alert']);
    const r = await edge.service.score(tx('a1'));
    expect(r.riskLevel).toBe(r.probability >= 0.2 ? 'CRITICAL' : r.probability >= 0.1 ? 'HIGH' : 'MEDIUM');
    expect(events).toHaveLength(r.riskLevel === 'MEDIUM' ? 0 : 1);
  });

  it('scoreEach: per-item outcomes, conflicts and invalid items reported, the others scored', async () => {
    await edge.service.score(tx('s1'));
    const outcomes = await edge.service.scoreEach(
      [tx('s1'), tx('s1', { amount: 1 }), tx('n1'), tx('n1', { customerId: 'c9' }), tx('n1'), { id: 'bad\u0000' }],
      { invalid: 'report' },
    );
    expect(outcomes.map((o) => (o.ok ? ['ok', o.record.id, o.created] : [o.error.code, o.id, o.error.field]))).toEqual([
      ['ok', 's1', false],
      ['conflict', 's1', 'id'],
      ['ok', 'n1', true],
      ['conflict', 'n1', 'id'],
      ['ok', 'n1', false],
      ['validation_error', undefined, 'id'],
    ]);
    expect((outcomes[3] as { error: Error }).error.message).toMatch(
      /appears earlier in this batch with different content \(customerId differs\)/,
    );
    await expect(edge.service.scoreBatch([tx('n2'), tx('s1', { amount: 2 })])).rejects.toMatchObject({
      status: 409,
      field: 'transactions[1].id',
    });
    expect(edge.history.get('n2')).toBeUndefined();
    expect(edge.history.size).toBe(2);
  });

  it('records stored before fingerprints were kept are compared by their stored transaction', async () => {
    const first = await edge.service.score(tx('old-row'));
    const { fingerprint: _none, ...legacy } = first;
    const storage = new MemoryStorage();
    await storage.saveMany([legacy]);
    const later = await createTestEdge(BUNDLE, { storage });
    expect(await later.service.score(tx('old-row', { timestamp: Date.parse('2026-03-20T10:00:00Z') }))).toEqual(legacy);
    await expect(later.service.score(tx('old-row', { terminalId: 't9' }))).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/terminalId differs/),
    });
  });

  it('two requests racing with one id and different content: one is scored, the other is a conflict; the history holds the stored one', async () => {
    const [a, b] = await Promise.allSettled([
      edge.service.score(tx('race', { amount: 1 })),
      edge.service.score(tx('race', { amount: 2 })),
    ]);
    expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected']);
    const won = (a.status === 'fulfilled' ? a : b) as PromiseFulfilledResult<{ transaction: { amount: number } }>;
    expect((a.status === 'rejected' ? a : b) as PromiseRejectedResult).toMatchObject({ reason: { status: 409 } });
    expect(edge.history.get('race')?.amount).toBe(won.value.transaction.amount);
    expect((await edge.storage.get('race'))?.transaction.amount).toBe(won.value.transaction.amount);
  });

  it('a failure after the scorer recorded the transactions takes them out of the history again', async () => {
    const failing = await createTestEdge(BUNDLE, {
      storage: Object.assign(new MemoryStorage(), {
        saveMany: async () => {
          throw new Error('disk full');
        },
      }),
    });
    await expect(failing.service.scoreBatch([tx('f1'), tx('f2', { customerId: 'c2' })])).rejects.toThrow('disk full');
    expect(failing.history.size).toBe(0);
  });

  it('back-fills opt out of the timestamp window; the 1970..9999 range holds for them too', async () => {
    const old = tx('old-1', { timestamp: '2025-01-01T00:00:00Z' });
    await expect(edge.service.score(old)).rejects.toMatchObject({ status: 422, field: 'timestamp' });
    expect((await edge.service.score(old, { backfill: true })).transaction.timestamp).toBe(
      Date.parse('2025-01-01T00:00:00Z'),
    );
    await expect(
      edge.service.score(tx('old-2', { timestamp: '0000-01-01T00:00:00Z' }), { backfill: true }),
    ).rejects.toMatchObject({ field: 'timestamp' });
    const limited = await createTestEdge(BUNDLE, {
      limits: { maxAmount: 100, timeWindow: { pastMs: DAY, futureMs: 0 } },
    });
    await expect(limited.service.score(tx('big', { amount: 101 }))).rejects.toMatchObject({
      field: 'amount',
      message: expect.stringMatching(/ceiling of 100/),
    });
    await expect(limited.service.score(tx('ahead', { timestamp: '2026-03-20T12:00:01Z' }))).rejects.toMatchObject({
      field: 'timestamp',
    });
  });

  it('refuses bad input before recording anything', async () => {
    await expect(edge.service.scoreBatch([tx('a1'), tx('a2', { amount: -1 })])).rejects.toMatchObject({
      field: 'transactions[1].amount',
    });
    await expect(
      edge.service.score({ ...tx('a1'), preScore: { probability: 2, riskLevel: 'LOW' } }),
    ).rejects.toMatchObject({ field: 'preScore.probability' });
    await expect(edge.service.label('nope', { label: 'fraud', analyst: 'a' })).rejects.toMatchObject({ status: 404 });
    expect(edge.history.size).toBe(0);
  });

  it('scores a batch in chunks, each seeing the ones before it: the records of one transaction at a time', async () => {
    const batch = Array.from({ length: 60 }, (_, i) =>
      tx(`k${i}`, {
        customerId: `c${i % 3}`,
        terminalId: `t${i % 5}`,
        amount: 10 + i,
        timestamp: new Date(Date.parse('2026-03-20T10:00:00Z') + i * 60_000).toISOString(),
      }),
    );
    const oneByOne = [];
    for (const input of batch) oneByOne.push(await edge.service.score(input, { explain: false }));
    const fresh = await createTestEdge(BUNDLE);
    let calls = 0;
    const chunked = createScoringService({
      model: Object.assign(Object.create(fresh.scorer) as typeof fresh.scorer, {
        scoreBatch: (...args: Parameters<typeof fresh.scorer.scoreBatch>) => {
          calls++;
          return fresh.scorer.scoreBatch(...args);
        },
      }),
      history: memoryHistory(fresh.history),
      storage: new MemoryStorage(),
      bus: createInProcessEventBus(),
      clock: () => fresh.now.ms,
      chunkMs: 0, // the smallest chunks: 16 transactions
    });
    expect(await chunked.scoreBatch(batch, { explain: false })).toEqual(oneByOne);
    expect(calls).toBe(4);
  });

  it('a failure in a later chunk takes every chunk of the batch out of the history again, nothing stored', async () => {
    const fresh = await createTestEdge(BUNDLE);
    let calls = 0;
    const storage = new MemoryStorage();
    const failing = createScoringService({
      model: Object.assign(Object.create(fresh.scorer) as typeof fresh.scorer, {
        scoreBatch: (...args: Parameters<typeof fresh.scorer.scoreBatch>) => {
          if (++calls === 3) throw new Error('out of memory');
          return fresh.scorer.scoreBatch(...args);
        },
      }),
      history: memoryHistory(fresh.history),
      storage,
      bus: createInProcessEventBus(),
      clock: () => fresh.now.ms,
      chunkMs: 0,
    });
    const batch = Array.from({ length: 40 }, (_, i) => tx(`f${i}`, { customerId: `c${i % 4}` }));
    await expect(failing.scoreBatch(batch)).rejects.toThrow('out of memory');
    expect(calls).toBe(3);
    expect(fresh.history.size).toBe(0);
    expect(await storage.getMany(batch.map((t) => t.id as string))).toEqual(batch.map(() => undefined));
  });
});

describe('publishInOrder', () => {
  const scored = (id: string): EdgeEvent => ({ type: 'scored', transaction: { id } as never });

  it('keeps the order across calls, and a call does not wait for slow subscribers', async () => {
    const bus = createInProcessEventBus();
    const seen: string[] = [];
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    bus.subscribe(async (event) => {
      if (event.transaction.id === 'a') await gate;
      seen.push(event.transaction.id);
    });
    const publish = publishInOrder(bus);
    await publish([scored('a'), scored('b')]);
    await publish([scored('c')]);
    expect(seen).toEqual([]); // 'a' is still being delivered; the calls went on
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('makes callers wait while more than maxPending events are queued, until half have gone out', async () => {
    const bus = createInProcessEventBus();
    const releases: (() => void)[] = [];
    bus.subscribe(() => new Promise<void>((resolve) => releases.push(resolve)));
    const publish = publishInOrder(bus, { maxPending: 4 });
    await publish([1, 2, 3, 4].map((i) => scored(`e${i}`))); // one being delivered, three queued
    let waited = false;
    const call = publish([scored('e5'), scored('e6')]).then(() => (waited = true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(waited).toBe(false);
    const deliver = async (): Promise<void> => {
      releases.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    };
    for (let i = 0; i < 3; i++) await deliver();
    expect(waited).toBe(false); // e5 and e6 and e4 still pending: more than half of 4
    await deliver();
    expect(waited).toBe(true);
    await call;
  });

  it("reports a bus's failure without failing the call, and goes on with the next event", async () => {
    const delivered: string[] = [];
    const failures: string[] = [];
    const bus: EventBus = {
      publish: async (event) => {
        if (event.transaction.id === 'bad') throw new Error('broker down');
        delivered.push(event.transaction.id);
      },
      subscribe: () => () => {},
    };
    const publish = publishInOrder(bus, {
      onError: (error, event) => failures.push(`${event.transaction.id}: ${String(error)}`),
    });
    await publish([scored('bad'), scored('good')]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(failures).toEqual(['bad: Error: broker down']);
    expect(delivered).toEqual(['good']);
  });
});
