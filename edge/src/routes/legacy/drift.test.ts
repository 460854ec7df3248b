import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { DriftMonitor, MemoryDriftHistory, parseReference, sampleRows, type DriftRow } from '../../drift/index.js';
import { toErrorResponse } from '../../errors.js';
import { legacyDriftRoutes } from './drift.js';
import { readBundleJson } from '../../../../test/fixtures.js';

const reference = parseReference(readBundleJson('reference.json'));
const featureNames = Object.keys(reference.features);
const NOW = Date.parse('2026-03-20T12:00:00Z');
const DAY = 86_400_000;

/** Live traffic: the last day as in training, the week before with amounts tripled. */
function setup(weekRows = 5_000) {
  const recent = sampleRows(reference, featureNames, 3_000, 5);
  const amount = featureNames.indexOf('TX_AMOUNT');
  const week: DriftRow[] = sampleRows(reference, featureNames, weekRows, 6).map((r) => ({
    ...r,
    features: r.features.map((v, i) => (i === amount && v !== null ? v * 3 : v)),
  }));
  const history = new MemoryDriftHistory();
  const recorded: unknown[] = [];
  const monitor = new DriftMonitor({
    model: () => ({ version: '1.0.0', features: featureNames, reference }),
    history,
    clock: () => NOW,
    rows: (from, to) => Promise.resolve(to - from > DAY ? week : recent),
    onSnapshot: (s) => recorded.push(s),
  });
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    return c.json(body, status);
  });
  app.route('/', legacyDriftRoutes({ monitor, clock: () => NOW }));
  const post = (path: string, body?: unknown) =>
    app.request(path, {
      method: 'POST',
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  return { post, history, recorded, monitor };
}

describe('POST /drift/check', () => {
  it('checks the default day now (empty body), keeps and reports the snapshot, in the original field names', async () => {
    const { post, history, recorded } = setup();
    const res = await post('/drift/check');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      drift_detected: false,
      drift_level: 'ok',
      n_samples: 3_000,
      alert_features: [],
      insufficient_data: [],
      thresholds: { warn: 0.1, alert: 0.3 },
      distance_thresholds: { warn: 0.15, alert: 0.2 },
      min_rows: 1000,
      checked_at: '2026-03-20T12:00:00.000Z',
    });
    expect(body['window']).toEqual({ from: '2026-03-19T12:00:00.000Z', to: '2026-03-20T12:00:00.000Z' });
    expect(body['baseline']).toMatchObject({
      source: 'bundle',
      window: { from: '2018-06-23', to: '2018-06-29' },
      n_samples: 68_614,
    });
    expect(Object.keys(body['feature_drift'] as object)).toEqual(featureNames);
    expect(typeof body['score_drift']).toBe('number');
    expect(await history.list()).toHaveLength(1);
    expect(recorded).toHaveLength(1);
  });

  it('checks a past period and lists the score with the features; too few rows are insufficient_data', async () => {
    const { post } = setup(500);
    const body = (await (
      await post('/drift/check', { from: '2026-01-01T00:00:00Z', until: '2026-01-08T00:00:00Z' })
    ).json()) as Record<string, unknown>;
    expect(body['window']).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-08T00:00:00.000Z' });
    expect(body['drift_level']).toBe('insufficient_data');
    expect(body['drift_detected']).toBe(false);
    expect(body['alert_features']).toEqual([]);
    expect(body['insufficient_data']).toEqual([...featureNames, 'score']);
    const refused = await post('/drift/check', { window: '1d', from: '2026-01-01T00:00:00Z' });
    expect(refused.status).toBe(422);
    const reversed = await post('/drift/check', { from: '2026-01-08T00:00:00Z', until: '2026-01-01T00:00:00Z' });
    expect(((await reversed.json()) as { error: { field: string } }).error.field).toBe('from');
  });

  it('flags the features at or above the thresholds over a longer window', async () => {
    const { post } = setup();
    const body = (await (await post('/drift/check', { window: '7d' })).json()) as {
      drift_detected: boolean;
      alert_features: string[];
    };
    expect(body.drift_detected).toBe(true);
    expect(body.alert_features).toContain('TX_AMOUNT');
  });

  it('refuses a bad window naming the field', async () => {
    const { post } = setup();
    const res = await post('/drift/check', { window: '3 weeks' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('window');
  });
});

describe('POST /drift/set-baseline', () => {
  it('makes the last 7 days the baseline, recorded with who and when; reset goes back to the bundle', async () => {
    const { post, history, monitor } = setup();
    const res = await post('/drift/set-baseline', { changed_by: ' ops ' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'baseline set',
      baseline: {
        source: 'window',
        model_version: '1.0.0',
        window: { from: '2026-03-13T12:00:00.000Z', to: '2026-03-20T12:00:00.000Z' },
        n_samples: 5_000,
        set_by: 'ops',
        set_at: '2026-03-20T12:00:00.000Z',
      },
    });
    // The shifted week is the baseline now: checked against itself it does not drift.
    expect(
      ((await (await post('/drift/check', { window: '7d' })).json()) as { drift_detected: boolean }).drift_detected,
    ).toBe(false);
    expect((await history.latestBaseline())?.setBy).toBe('ops');
    // A restarted monitor on the same history picks the baseline up again.
    const again = new DriftMonitor({
      model: () => ({ version: '1.0.0', features: featureNames, reference }),
      history,
      clock: () => NOW,
      rows: () => Promise.resolve([]),
    });
    expect((await again.restore()).source).toBe('window');
    // A different model starts from its own bundle's reference.
    const other = new DriftMonitor({
      model: () => ({ version: '2.0.0', features: featureNames, reference }),
      history,
      clock: () => NOW,
      rows: () => Promise.resolve([]),
    });
    expect((await other.restore()).source).toBe('bundle');

    const reset = (await (await post('/drift/set-baseline', { reset: true })).json()) as {
      status: string;
      baseline: { source: string; set_by: string };
    };
    expect(reset).toMatchObject({ status: 'baseline reset', baseline: { source: 'bundle', set_by: 'api' } });
    expect(monitor.info().source).toBe('bundle');
  });

  it('makes a past window the baseline with until (a back-filled history), set now', async () => {
    const { post, monitor } = setup();
    const res = await post('/drift/set-baseline', { window: '7d', until: '2026-03-01T00:00:00Z', changed_by: 'ops' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { baseline: unknown }).baseline).toEqual({
      source: 'window',
      model_version: '1.0.0',
      window: { from: '2026-02-22T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' },
      n_samples: 5_000,
      set_by: 'ops',
      set_at: '2026-03-20T12:00:00.000Z',
    });
    expect(monitor.info().window).toEqual({ from: '2026-02-22T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' });
  });

  it('refuses a window with too few transactions (422 on window) and keeps the baseline', async () => {
    const { post, monitor } = setup(100);
    const res = await post('/drift/set-baseline', { window: '7d' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { field: string; message: string } };
    expect(body.error.field).toBe('window');
    expect(body.error.message).toMatch(/100 scored transactions; a baseline needs at least 500/);
    expect(monitor.info().source).toBe('bundle');
  });

  it.each([
    [{ reset: 'yes' }, 'reset'],
    [{ changed_by: '' }, 'changed_by'],
    [{ until: 'yesterday' }, 'until'],
    [{ until: 1_774_000_800_000 }, 'until'],
    [[1], 'body'],
  ])('refuses %j naming %s', async (body, field) => {
    const { post } = setup();
    const res = await post('/drift/set-baseline', body);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
  });
});
