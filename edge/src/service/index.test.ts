import { fileURLToPath } from 'node:url';
import { directorySource } from '@fraudscore/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EdgeEvent } from '../bus/index.js';
import { createTestEdge, tx, type TestEdge } from '../testing/index.js';

const BUNDLE = directorySource(fileURLToPath(new URL('../../../models/bundles/default/', import.meta.url)));
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

  it('is idempotent by transaction id: the stored result, no double counting', async () => {
    const first = await edge.service.score(tx('a1'));
    edge.now.ms += DAY;
    const again = await edge.service.score(tx('a1', { amount: 9999 }));
    expect(again).toEqual(first);
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
});
