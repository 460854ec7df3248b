import { directorySource } from '@fraudscore/sdk';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../storage/index.js';
import { createTestEdge, tx } from '../testing/index.js';
import { restoreState } from './restore.js';
import { DEFAULT_BUNDLE_DIR } from '../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);
const DAY = 86_400_000;
const at = (days: number) => new Date(Date.parse('2026-03-20T10:00:00Z') - days * DAY).toISOString();

describe('restoreState', () => {
  it('rebuilds the feature history and label statistics so a restarted edge scores exactly as the old one', async () => {
    const storage = new MemoryStorage();
    const before = await createTestEdge(BUNDLE, { storage });
    // Customer and terminal activity over 40 days (some older than any window, back-filled), with labels on the terminal.
    for (let d = 40; d >= 1; d--) {
      await before.service.score(tx(`h${d}`, { timestamp: at(d), amount: 10 + d, terminalId: d % 2 ? 't1' : 't2' }), {
        explain: false,
        backfill: d > 29,
      });
    }
    for (const d of [20, 15, 9, 8])
      await before.service.label(`h${d}`, {
        label: d === 9 ? 'legitimate' : 'fraud',
        analyst: 'ana',
        at: '2026-03-20T11:00:00Z',
      });
    for (const d of [3])
      await before.service.label(`h${d}`, { label: 'fraud', analyst: 'ana', at: '2026-03-19T11:00:00Z' });

    const after = await createTestEdge(BUNDLE, { storage });
    const restored = await restoreState({ storage, history: after.history, now: after.now.ms });
    const cutoff = after.now.ms - after.history.retentionMs;
    expect(restored.transactions).toBe((await storage.list({ from: cutoff, limit: 500 })).items.length);
    expect(restored.transactions).toBeGreaterThan(30);
    expect(restored.labels).toBe(5);
    expect(restored.labelStats).toEqual(before.metrics.labelStats());
    // Each label comes back with the time it became known (the analyst's decision time), as the old edge held it.
    for (const d of [20, 15, 9, 8, 3]) {
      const held = before.history.get(`h${d}`);
      expect(held?.['labelKnownAt']).toBe(Date.parse(d === 3 ? '2026-03-19T11:00:00Z' : '2026-03-20T11:00:00Z'));
      expect(after.history.get(`h${d}`)).toMatchObject({ label: held?.label, labelKnownAt: held?.['labelKnownAt'] });
    }

    const next = tx('next', { timestamp: '2026-03-20T11:30:00Z', amount: 77 });
    const expected = await before.service.score(next, { explain: false });
    const got = await after.service.score({ ...next, id: 'next-2' }, { explain: false });
    expect(got.features).toEqual(expected.features);
    expect(got.probability).toBe(expected.probability);
  });

  it("by default the window ends at the newest stored transaction's time, not the wall clock's", async () => {
    const storage = new MemoryStorage();
    const before = await createTestEdge(BUNDLE, { storage });
    // Back-filled 2018 history: 50 days, one transaction a day.
    const day2018 = (d: number) => new Date(Date.parse('2018-05-01T12:00:00Z') + d * DAY).toISOString();
    for (let d = 0; d < 50; d++)
      await before.service.score(tx(`old${d}`, { timestamp: day2018(d) }), { explain: false, backfill: true });
    const after = await createTestEdge(BUNDLE, { storage });
    const restored = await restoreState({ storage, history: after.history });
    const newest = Date.parse(day2018(49));
    const expected = Array.from({ length: 50 }, (_, d) => Date.parse(day2018(d))).filter(
      (t) => t >= newest - after.history.retentionMs,
    ).length;
    expect(restored.transactions).toBe(expected);
    expect(expected).toBeGreaterThan(30);
    expect(after.history.get('old49')).toBeDefined();
    // With the wall clock (2026) as the end nothing of 2018 would be restored.
    expect(
      await restoreState({ storage, history: after.history, now: Date.parse('2026-03-20T10:00:00Z') }),
    ).toMatchObject({
      transactions: 0,
    });
  });

  it('restores nothing from empty storage', async () => {
    const edge = await createTestEdge(BUNDLE);
    expect(await restoreState({ storage: edge.storage, history: edge.history, now: edge.now.ms })).toMatchObject({
      transactions: 0,
      labels: 0,
    });
  });
});
