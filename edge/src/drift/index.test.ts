import { describe, expect, it } from 'vitest';
import {
  binIndex,
  binShares,
  computeDrift,
  DEFAULT_EPSILON,
  driftLevel,
  DriftMonitor,
  DriftScheduler,
  MemoryDriftHistory,
  parseReference,
  psi,
  sampleRows,
  type DriftRow,
  type DriftSnapshot,
} from './index.js';
import { readBundleJson } from '../../../test/fixtures.js';

const reference = parseReference(readBundleJson('reference.json'));
const featureNames = Object.keys(reference.features);
const AMOUNT = featureNames.indexOf('TX_AMOUNT');

describe('psi', () => {
  it('is 0 for identical distributions', () => {
    expect(psi([0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(psi(reference.score.frequencies, reference.score.frequencies)).toBe(0);
  });

  it('matches a hand-computed shift', () => {
    // (0.6 - 0.5) ln(0.6/0.5) + (0.4 - 0.5) ln(0.4/0.5) = 0.1 ln 1.5
    expect(psi([0.5, 0.5], [0.6, 0.4])).toBeCloseTo(0.0405465108, 9);
    // 0.137444 + 0.011157 + 0.009116 + 0.070500 = (0.1-0.25)ln(0.1/0.25) + (0.2-0.25)ln(0.2/0.25) + (0.3-0.25)ln(0.3/0.25) + (0.4-0.25)ln(0.4/0.25)
    expect(psi([0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4])).toBeCloseTo(0.137444 + 0.011157 + 0.009116 + 0.0705, 5);
    expect(psi([0.6, 0.4], [0.5, 0.5])).toBeCloseTo(psi([0.5, 0.5], [0.6, 0.4]), 12);
  });

  it('floors empty bins at epsilon', () => {
    const expected = (0.5 - DEFAULT_EPSILON) * Math.log(0.5 / DEFAULT_EPSILON) + 0;
    expect(psi([0.5, 0.5], [0, 1])).toBeCloseTo(expected + (1 - 0.5) * Math.log(1 / 0.5), 12);
    expect(psi([0, 1], [0, 1])).toBe(0);
    expect(Number.isFinite(psi([0, 1], [1, 0], 1e-6))).toBe(true);
    expect(() => psi([1], [0.5, 0.5])).toThrow(/shares/);
  });

  it('levels: warn above 0.1, alert above 0.3', () => {
    expect(driftLevel(0.1)).toBe('ok');
    expect(driftLevel(0.1000001)).toBe('warn');
    expect(driftLevel(0.3)).toBe('warn');
    expect(driftLevel(0.31)).toBe('alert');
    expect(driftLevel(null)).toBe('ok');
  });
});

describe('binShares', () => {
  it('uses right-closed bins like reference.json', () => {
    const cuts = [0, 1];
    expect(binIndex(-5, cuts)).toBe(0);
    expect(binIndex(0, cuts)).toBe(0);
    expect(binIndex(0.5, cuts)).toBe(1);
    expect(binIndex(1, cuts)).toBe(1);
    expect(binIndex(1.0001, cuts)).toBe(2);
    expect(binShares([0, 0, 1, 2], cuts)).toEqual({ shares: [0.5, 0.25, 0.25], missingShare: 0, count: 4, present: 4 });
  });

  it('keeps the missing share apart from the bin shares', () => {
    expect(binShares([null, 0, NaN, 5, undefined], [1])).toEqual({
      shares: [0.5, 0.5],
      missingShare: 0.6,
      count: 5,
      present: 2,
    });
    expect(binShares([], [1])).toEqual({ shares: [0, 0], missingShare: 0, count: 0, present: 0 });
    expect(binShares([null], [1])).toEqual({ shares: [0, 0], missingShare: 1, count: 1, present: 0 });
  });
});

describe('computeDrift against the default bundle reference', () => {
  const rows = sampleRows(reference, featureNames, 20_000, 7);

  it('rows drawn from the reference distribution stay under 0.1 everywhere', () => {
    const report = computeDrift(reference, rows, featureNames);
    expect(report.rows).toBe(20_000);
    expect(Object.keys(report.features)).toEqual(featureNames);
    for (const name of featureNames) {
      expect(report.features[name]!.psi!, name).toBeLessThan(0.1);
      expect(report.features[name]!.level).toBe('ok');
    }
    expect(report.score.psi!).toBeLessThan(0.1);
    expect(report.level).toBe('ok');
    expect(report.thresholds).toEqual({ warn: 0.1, alert: 0.3 });
  });

  it('a shifted amount alerts on TX_AMOUNT only', () => {
    const shifted: DriftRow[] = rows.map((r) => ({
      ...r,
      features: r.features.map((v, i) => (i === AMOUNT && v !== null ? v * 2.5 : v)),
    }));
    const report = computeDrift(reference, shifted, featureNames);
    expect(report.features.TX_AMOUNT!.level).toBe('alert');
    expect(report.features.TX_AMOUNT!.psi!).toBeGreaterThan(0.3);
    for (const name of featureNames.filter((n) => n !== 'TX_AMOUNT'))
      expect(report.features[name]!.level, name).toBe('ok');
    expect(report.score.level).toBe('ok');
    expect(report.level).toBe('alert');
  });

  it('reports missing shares beside the reference ones; PSI is over the values present', () => {
    const withMissing: DriftRow[] = rows.map((r, k) => ({
      features: r.features.map((v, i) => (i === AMOUNT && k % 4 === 0 ? null : v)),
      probability: k % 10 === 0 ? null : r.probability,
    }));
    const report = computeDrift(reference, withMissing, featureNames);
    expect(report.features.TX_AMOUNT!.missingShare).toBe(0.25);
    expect(report.features.TX_AMOUNT!.referenceMissingShare).toBe(0);
    expect(report.features.TX_AMOUNT!.psi!).toBeLessThan(0.1);
    expect(report.features.TX_AMOUNT!.count).toBe(20_000);
    expect(report.score.missingShare).toBe(0.1);
    expect(report.features.TX_DURING_NIGHT!.missingShare).toBe(0);
  });

  it('no rows: psi null and ok; an unknown feature is an error', () => {
    const report = computeDrift(reference, [], featureNames);
    expect(report.features.TX_AMOUNT).toEqual({
      psi: null,
      missingShare: 0,
      referenceMissingShare: 0,
      count: 0,
      level: 'ok',
    });
    expect(() => computeDrift(reference, [], ['NOPE'])).toThrow(/NOPE/);
  });

  it('parseReference rejects malformed documents', () => {
    expect(() => parseReference({ format: 'other' })).toThrow(/format/);
    expect(() =>
      parseReference({
        format: 'fraudscore-reference/1',
        features: { A: { cutPoints: [1], frequencies: [1], missingShare: 0, count: 1 } },
        score: {},
      }),
    ).toThrow(/features\.A\.frequencies/);
    expect(reference.score.histogram?.frequencies).toHaveLength(20);
  });
});

describe('history and scheduler', () => {
  const bundleBaseline = {
    source: 'bundle',
    modelVersion: '1',
    window: null,
    rows: null,
    setBy: null,
    setAt: null,
  } as const;
  const snapshot = (iso: string): DriftSnapshot => ({
    ...computeDrift(reference, [], featureNames),
    window: { from: iso, to: iso },
    computedAt: iso,
    baseline: bundleBaseline,
  });

  it('the memory history keeps snapshots in time order, by range, up to its capacity', async () => {
    const h = new MemoryDriftHistory(3);
    for (const iso of [
      '2026-01-01T06:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T12:00:00.000Z',
      '2026-01-01T18:00:00.000Z',
    ])
      await h.append(snapshot(iso));
    expect((await h.list()).map((s) => s.computedAt)).toEqual([
      '2026-01-01T06:00:00.000Z',
      '2026-01-01T12:00:00.000Z',
      '2026-01-01T18:00:00.000Z',
    ]);
    expect(
      (await h.list({ from: Date.parse('2026-01-01T07:00:00Z'), to: Date.parse('2026-01-01T12:00:00Z') })).map(
        (s) => s.computedAt,
      ),
    ).toEqual(['2026-01-01T12:00:00.000Z']);
  });

  it('takes a snapshot on each tick of the injected timer, over the last window', async () => {
    let now = Date.parse('2026-03-20T00:00:00Z');
    const ticks: { fn: () => void; ms: number }[] = [];
    const cleared: unknown[] = [];
    const calls: [number, number][] = [];
    const history = new MemoryDriftHistory();
    const seen: DriftSnapshot[] = [];
    const rows = sampleRows(reference, featureNames, 2_000, 3);
    const monitor = new DriftMonitor({
      model: () => ({ version: '1', features: featureNames, reference }),
      history,
      clock: () => now,
      rows: (from, to) => {
        calls.push([from, to]);
        return Promise.resolve(rows);
      },
      onSnapshot: (s) => seen.push(s),
    });
    const scheduler = new DriftScheduler({
      check: () => monitor.check(6 * 3_600_000),
      setInterval: (fn, ms) => {
        ticks.push({ fn, ms });
        return 42;
      },
      clearInterval: (h) => cleared.push(h),
    });
    scheduler.start();
    scheduler.start(); // idempotent
    expect(ticks).toHaveLength(1);
    expect(ticks[0]!.ms).toBe(6 * 3_600_000);
    expect(await history.list()).toHaveLength(0);

    now += 6 * 3_600_000;
    ticks[0]!.fn();
    await scheduler.pending;
    now += 6 * 3_600_000;
    ticks[0]!.fn();
    await scheduler.pending;

    const kept = await history.list();
    expect(kept.map((s) => s.computedAt)).toEqual(['2026-03-20T06:00:00.000Z', '2026-03-20T12:00:00.000Z']);
    expect(kept[1]!.window).toEqual({ from: '2026-03-20T06:00:00.000Z', to: '2026-03-20T12:00:00.000Z' });
    expect(calls).toEqual([
      [Date.parse('2026-03-20T00:00:00Z'), Date.parse('2026-03-20T06:00:00Z')],
      [Date.parse('2026-03-20T06:00:00Z'), Date.parse('2026-03-20T12:00:00Z')],
    ]);
    expect(kept[0]!.level).toBe('ok');
    expect(seen).toHaveLength(2);

    scheduler.stop();
    expect(cleared).toEqual([42]);
    expect(scheduler.started).toBe(false);
  });

  it('a failing rows source is reported and the schedule goes on', async () => {
    const ticks: (() => void)[] = [];
    const errors: unknown[] = [];
    let fail = true;
    const history = new MemoryDriftHistory();
    const monitor = new DriftMonitor({
      model: () => ({ version: '1', features: featureNames, reference }),
      history,
      clock: () => 0,
      rows: () => (fail ? Promise.reject(new Error('db down')) : Promise.resolve([])),
    });
    const scheduler = new DriftScheduler({
      check: () => monitor.check(60_000),
      intervalMs: 1000,
      setInterval: (fn) => {
        ticks.push(fn);
        return 1;
      },
      clearInterval: () => {},
      onError: (e) => errors.push(e),
    });
    scheduler.start();
    ticks[0]!();
    await scheduler.pending?.catch(() => undefined);
    await Promise.resolve();
    expect(errors).toHaveLength(1);
    fail = false;
    ticks[0]!();
    await scheduler.pending;
    expect(await history.list()).toHaveLength(1);
  });
});
