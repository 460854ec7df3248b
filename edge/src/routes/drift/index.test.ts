import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  computeDrift,
  DriftMonitor,
  MemoryDriftHistory,
  parseReference,
  sampleRows,
  type DriftRow,
} from '../../drift/index.js';
import { toErrorResponse } from '../../errors.js';
import { driftRoutes, parseWindow } from './index.js';
import { readBundleJson } from '../../../../test/fixtures.js';

const reference = parseReference(readBundleJson('reference.json'));
const featureNames = Object.keys(reference.features);
const NOW = Date.parse('2026-03-20T12:00:00Z');

function setup() {
  const calls: [number, number][] = [];
  const rows = sampleRows(reference, featureNames, 5_000, 11);
  const amount = featureNames.indexOf('TX_AMOUNT');
  const shifted: DriftRow[] = rows.map((r) => ({
    ...r,
    features: r.features.map((v, i) => (i === amount && v !== null ? v * 3 : v)),
  }));
  const history = new MemoryDriftHistory();
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body, headers } = toErrorResponse(error);
    return c.json(body, status, headers);
  });
  const monitor = new DriftMonitor({
    model: () => ({ version: '1.0.0', features: featureNames, reference }),
    history,
    clock: () => NOW,
    rows: (from, to) => {
      calls.push([from, to]);
      return Promise.resolve(to - from > 86_400_000 ? shifted : rows);
    },
  });
  app.route('/v1/drift', driftRoutes({ monitor, history }));
  return { app, calls, history, monitor };
}

describe('GET /v1/drift', () => {
  it('computes the snapshot for the default 6h window now', async () => {
    const { app, calls } = setup();
    const res = await app.request('/v1/drift');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      window: unknown;
      computedAt: string;
      level: string;
      rows: number;
      features: Record<string, { psi: number; level: string; missingShare: number; referenceMissingShare: number }>;
      score: { level: string };
      thresholds: unknown;
    };
    expect(calls).toEqual([[NOW - 6 * 3_600_000, NOW]]);
    expect(body.window).toEqual({ from: '2026-03-20T06:00:00.000Z', to: '2026-03-20T12:00:00.000Z', length: '6h' });
    expect(body.computedAt).toBe('2026-03-20T12:00:00.000Z');
    expect(body.rows).toBe(5_000);
    expect(body.level).toBe('ok');
    expect(body.thresholds).toEqual({ warn: 0.1, alert: 0.3 });
    expect(Object.keys(body.features)).toEqual(featureNames);
    expect(body.features.TX_AMOUNT).toMatchObject({ level: 'ok', missingShare: 0, referenceMissingShare: 0 });
    expect(body.score.level).toBe('ok');
  });

  it('measures against a window baseline once an admin sets one, and says which baseline it used', async () => {
    const { app, monitor } = setup();
    expect(await (await app.request('/v1/drift/baseline')).json()).toMatchObject({
      source: 'bundle',
      modelVersion: '1.0.0',
    });
    // The 7-day window (shifted amounts) drifts from the bundle; made the baseline, it no longer drifts from itself.
    expect(((await (await app.request('/v1/drift?window=7d')).json()) as { level: string }).level).toBe('alert');
    await monitor.setBaseline(7 * 86_400_000, 'ops');
    const body = (await (await app.request('/v1/drift?window=7d')).json()) as {
      level: string;
      baseline: { source: string; setBy: string; rows: number };
    };
    expect(body.level).toBe('ok');
    expect(body.baseline).toMatchObject({ source: 'window', setBy: 'ops', rows: 5_000 });
    await monitor.resetBaseline('ops');
    expect(((await (await app.request('/v1/drift/baseline')).json()) as { source: string }).source).toBe('bundle');
  });

  it('takes the window from the query and reports the levels', async () => {
    const { app, calls } = setup();
    const res = await app.request('/v1/drift?window=7d');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { level: string; features: Record<string, { level: string }> };
    expect(calls).toEqual([[NOW - 7 * 86_400_000, NOW]]);
    expect(body.level).toBe('alert');
    expect(body.features.TX_AMOUNT!.level).toBe('alert');
    expect(body.features.TX_DURING_NIGHT!.level).toBe('ok');
  });

  it.each(['', '6', 'h', '0h', '6x', '-1h', '1.5h', '31d', '721h', '6h ', '1w'])(
    'window=%j → 400 on window',
    async (w) => {
      const { app, calls } = setup();
      const res = await app.request(`/v1/drift?window=${encodeURIComponent(w)}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; field: string } };
      expect(body.error).toMatchObject({ code: 'bad_request', field: 'window' });
      expect(calls).toEqual([]);
    },
  );

  it('parses windows', () => {
    expect(parseWindow('30m')).toBe(1_800_000);
    expect(parseWindow('6h')).toBe(21_600_000);
    expect(parseWindow('1d')).toBe(86_400_000);
    expect(parseWindow('30d')).toBe(30 * 86_400_000);
    expect(parseWindow('720h')).toBe(30 * 86_400_000);
  });
});

describe('GET /v1/drift/history', () => {
  it('lists the kept snapshots in a time range', async () => {
    const { app, history, monitor } = setup();
    const base = computeDrift(reference, [], featureNames);
    for (const iso of ['2026-03-19T00:00:00.000Z', '2026-03-19T06:00:00.000Z', '2026-03-19T12:00:00.000Z']) {
      await history.append({ ...base, window: { from: iso, to: iso }, computedAt: iso, baseline: monitor.info() });
    }
    let res = await app.request('/v1/drift/history');
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { snapshots: { computedAt: string }[] }).snapshots.map((s) => s.computedAt),
    ).toHaveLength(3);
    res = await app.request(`/v1/drift/history?from=2026-03-19T03:00:00Z&to=${Date.parse('2026-03-19T12:00:00Z')}`);
    expect(((await res.json()) as { snapshots: { computedAt: string }[] }).snapshots.map((s) => s.computedAt)).toEqual([
      '2026-03-19T06:00:00.000Z',
      '2026-03-19T12:00:00.000Z',
    ]);
  });

  it('rejects bad times with the field', async () => {
    const { app } = setup();
    let res = await app.request('/v1/drift/history?from=yesterday');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('from');
    res = await app.request('/v1/drift/history?from=2026-03-20T00:00:00Z&to=2026-03-19T00:00:00Z');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('from');
    res = await app.request('/v1/drift/history?to=nope');
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('to');
  });
});
