// The live feed batches: many events between two frames become one update of `items`, newest first, capped.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveFeed, matches, visibleRange } from './live.svelte.js';
import type { ScoredTransaction } from './types.js';

const tx = (i: number, riskLevel: ScoredTransaction['riskLevel'] = 'LOW', shouldBlock = false): ScoredTransaction => ({
  id: `t${i}`,
  transaction: { id: `t${i}`, amount: 10, timestamp: 0, customerId: `C${i}`, terminalId: 'T1' },
  probability: 0.1,
  riskLevel,
  shouldBlock,
  threshold: 0.5,
  topFactors: [],
  shap: null,
  features: {},
  modelVersion: '1',
  scoredAt: new Date(0).toISOString(),
  deviceScore: null,
  agreement: null,
  label: null,
  acknowledged: null,
});

describe('LiveFeed', () => {
  let frames: (() => void)[] = [];
  beforeEach(() => {
    frames = [];
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
    vi.stubGlobal('cancelAnimationFrame', () => {});
  });
  afterEach(() => vi.unstubAllGlobals());

  it('turns 1,000 events into one frame update, newest first, kept to 2,000', () => {
    const feed = new LiveFeed();
    for (let i = 0; i < 1000; i++) feed.accept(tx(i));
    expect(frames).toHaveLength(1);
    expect(feed.items).toHaveLength(0);
    frames.shift()!();
    expect(feed.items).toHaveLength(1000);
    expect(feed.items[0]!.id).toBe('t999');
    for (let i = 1000; i < 3500; i++) feed.accept(tx(i));
    frames.shift()!();
    expect(feed.items).toHaveLength(2000);
    expect(feed.items[0]!.id).toBe('t3499');
  });

  it('holds events while paused and shows them on resume', () => {
    const feed = new LiveFeed();
    feed.togglePause();
    feed.accept(tx(1));
    expect(frames).toHaveLength(0);
    feed.togglePause();
    frames.shift()!();
    expect(feed.items.map((t) => t.id)).toEqual(['t1']);
  });

  it('filters and windows', () => {
    expect(matches(tx(1, 'HIGH', true), new Set(['HIGH']), true, 'c1')).toBe(true);
    expect(matches(tx(1, 'LOW'), new Set(['HIGH']), false, '')).toBe(false);
    expect(visibleRange(3000, 600, 30, 2000, 5)).toEqual({ start: 95, end: 125 });
  });
});
