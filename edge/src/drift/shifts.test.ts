// Issue 22: the statistics see real shifts (point-mass bins, the normalised Wasserstein distance) and the calendar
// alone raises nothing (calendar features compared over whole periods).
import { describe, expect, it } from 'vitest';
import { buildReference, referenceDistribution } from './baseline.js';
import { DriftMonitor, wholePeriods } from './monitor.js';
import { MemoryDriftHistory } from './history.js';
import { computeDrift, normalizedWasserstein, type DriftRow } from './psi.js';
import { seededRandom } from './sample.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Amounts like the simulator's: per-customer mean, normal spread, positive. */
function amounts(n: number, seed: number, scale: (i: number) => number = () => 1): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const mean = 5 + (95 * ((i * 7919) % 1000)) / 1000;
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.max(0.01, mean + 0.5 * mean * z) * scale(i);
  });
}

/** 90 % exact zeros, the rest spread over (0, 0.5]: a terminal's fraud risk. */
function risks(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => (random() < 0.9 ? 0 : 0.5 * (1 - random())));
}

const rowsOf = (columns: number[][], probability: number | null = 0.1): DriftRow[] =>
  columns[0]!.map((_, i) => ({ features: columns.map((c) => c[i]!), probability }));

describe('point masses get their own bins, the rest keeps tail resolution', () => {
  it('isolates exact zeros and cuts the non-zero values at their own quantiles', () => {
    const ref = referenceDistribution(risks(20_000, 1));
    expect(ref.cutPoints[0]).toBe(0);
    expect(ref.frequencies[0]).toBeCloseTo(0.9, 2);
    // 13 quantile cuts of the non-zero values (1st, 5th, 10th..90th, 95th, 99th) after the zero.
    expect(ref.cutPoints).toHaveLength(14);
    expect(ref.quantiles).toHaveLength(100);
    expect(ref.std!).toBeGreaterThan(0);
  });

  it("a labelling fault setting every non-zero terminal risk to 1.0 alerts (the decile bins' PSI stayed 0.0003)", () => {
    const reference = buildReference(rowsOf([risks(20_000, 1)]), ['RISK']);
    const faulty = risks(10_000, 2).map((v) => (v > 0 ? 1 : 0));
    const report = computeDrift(reference, rowsOf([faulty]), ['RISK']);
    expect(report.features.RISK!.psi!).toBeGreaterThan(0.3);
    expect(report.features.RISK!.level).toBe('alert');
    const clean = computeDrift(reference, rowsOf([risks(10_000, 3)]), ['RISK']);
    expect(clean.features.RISK!.level).toBe('ok');
  });
});

describe('the normalised Wasserstein distance', () => {
  it('is 0 for the same quantiles and the mean shift over the standard deviation for a shifted sample', () => {
    const values = Float64Array.from({ length: 1001 }, (_, i) => i / 1000).sort();
    const ref = referenceDistribution([...values]);
    expect(normalizedWasserstein(ref.quantiles!, ref.std!, values)).toBeCloseTo(0, 12);
    const shifted = values.map((v) => v + 0.1);
    // W1 of a shift by 0.1 is 0.1; the uniform's standard deviation is 1/sqrt(12).
    expect(normalizedWasserstein(ref.quantiles!, ref.std!, shifted)).toBeCloseTo(0.1 * Math.sqrt(12), 2);
  });

  it('amounts × 1.8 for 30 % of customers reach a level through the distance where PSI alone stays low', () => {
    const reference = buildReference(rowsOf([amounts(20_000, 1)]), ['TX_AMOUNT']);
    const clean = computeDrift(reference, rowsOf([amounts(10_000, 2)]), ['TX_AMOUNT']).features.TX_AMOUNT!;
    expect(clean.level).toBe('ok');
    const shifted = computeDrift(reference, rowsOf([amounts(10_000, 3, (i) => (i % 10 < 3 ? 1.8 : 1))]), ['TX_AMOUNT'])
      .features.TX_AMOUNT!;
    expect(shifted.wasserstein!).toBeGreaterThanOrEqual(0.2);
    expect(shifted.level).toBe('alert');
    expect(shifted.psi!).toBeLessThan(shifted.wasserstein!);
  });
});

describe('calendar features over whole periods', () => {
  // Four weeks of traffic, one transaction every 10 minutes: the weekend flag is 2/7 of it.
  const start = Date.parse('2026-03-02T00:00:00Z'); // a Monday
  const rows: DriftRow[] = [];
  for (let t = start; t < start + 28 * DAY; t += 10 * 60_000) {
    const day = new Date(t).getUTCDay();
    const hour = new Date(t).getUTCHours();
    rows.push({ features: [day === 0 || day === 6 ? 1 : 0, hour < 6 ? 1 : 0], probability: 0.1, timestamp: t });
  }
  const names = ['TX_DURING_WEEKEND', 'TX_DURING_NIGHT'];
  const reference = buildReference(rows, names);
  const monitor = (periodMs?: Record<string, number>) =>
    new DriftMonitor({
      model: () => ({ version: '1', features: names, reference, ...(periodMs ? { periodMs } : {}) }),
      rows: (from, to) => Promise.resolve(rows.filter((r) => r.timestamp! >= from && r.timestamp! < to)),
      history: new MemoryDriftHistory(),
      clock: () => start + 27 * DAY,
      drift: { minRows: 30 },
    });

  it('widens a window to whole periods ending at the same time', () => {
    expect(wholePeriods(6 * HOUR, DAY)).toBe(DAY);
    expect(wholePeriods(DAY, 7 * DAY)).toBe(7 * DAY);
    expect(wholePeriods(9 * DAY, 7 * DAY)).toBe(14 * DAY);
    expect(wholePeriods(7 * DAY, 7 * DAY)).toBe(7 * DAY);
  });

  it('a 6-hour window on a Saturday: the flags alarm on the calendar alone unless compared over whole periods', async () => {
    const saturdayNoon = start + 19 * DAY + 12 * HOUR;
    const naive = await monitor().snapshot(6 * HOUR, saturdayNoon);
    expect(naive.features.TX_DURING_WEEKEND!.level).toBe('alert');
    const periodic = await monitor({ TX_DURING_WEEKEND: 7 * DAY, TX_DURING_NIGHT: DAY }).snapshot(
      6 * HOUR,
      saturdayNoon,
    );
    expect(periodic.features.TX_DURING_WEEKEND!.level).toBe('ok');
    expect(periodic.features.TX_DURING_NIGHT!.level).toBe('ok');
    expect(periodic.features.TX_DURING_WEEKEND!.window).toEqual({
      from: new Date(saturdayNoon - 7 * DAY).toISOString(),
      to: new Date(saturdayNoon).toISOString(),
    });
    expect(periodic.features.TX_DURING_WEEKEND!.count).toBe(7 * 144);
    expect(periodic.features.TX_DURING_NIGHT!.count).toBe(144);
    expect(periodic.rows).toBe(36); // the other measures keep the 6 hours asked for
    expect(periodic.level).toBe('ok');
  });

  it('a night-time surge still alarms over whole days', async () => {
    const surge = rows.map((r) =>
      r.timestamp! >= start + 26 * DAY && new Date(r.timestamp!).getUTCHours() < 12
        ? { ...r, features: [r.features[0]!, 1] }
        : r,
    );
    const m = new DriftMonitor({
      model: () => ({
        version: '1',
        features: names,
        reference,
        periodMs: { TX_DURING_WEEKEND: 7 * DAY, TX_DURING_NIGHT: DAY },
      }),
      rows: (from, to) => Promise.resolve(surge.filter((r) => r.timestamp! >= from && r.timestamp! < to)),
      history: new MemoryDriftHistory(),
      clock: () => start + 27 * DAY,
      drift: { minRows: 30 },
    });
    const snapshot = await m.snapshot(DAY);
    expect(snapshot.features.TX_DURING_NIGHT!.level).toBe('alert');
  });
});
