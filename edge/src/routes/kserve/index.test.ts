import { directorySource, type Scorer } from '@fraudscore/sdk';
import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../errors.js';
import { createScoringService } from '../../service/index.js';
import { memoryHistory } from '../../service/history.js';
import { createTestEdge, tx, type TestEdge } from '../../testing/index.js';
import { kserveRoutes } from './index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);

function mount(routes: Hono): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body, headers } = toErrorResponse(error);
    return c.json(body, status, headers);
  });
  app.route('/v2', routes);
  return app;
}

const post = (app: Hono, path: string, body: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const inferBody = (txs: unknown[], extra: Record<string, unknown> = {}) => ({
  inputs: [{ name: 'transactions', datatype: 'BYTES', shape: [txs.length], data: txs.map((t) => JSON.stringify(t)) }],
  ...extra,
});

describe('KServe V2 routes', () => {
  let edge: TestEdge;
  let app: Hono;
  let name: string;
  beforeEach(async () => {
    edge = await createTestEdge(BUNDLE);
    app = mount(kserveRoutes({ service: edge.service }));
    name = edge.scorer.model.name;
  });

  it('health: live and ready', async () => {
    const live = await app.request('/v2/health/live');
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ live: true });
    const ready = await app.request('/v2/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    expect((await app.request(`/v2/models/${name}/ready`)).status).toBe(200);
  });

  it('not ready when no model can be loaded', async () => {
    const service = createScoringService({
      model: (): Scorer => {
        throw new Error('no bundle');
      },
      history: memoryHistory(edge.history),
      storage: edge.storage,
      bus: edge.bus,
      clock: () => edge.now.ms,
    });
    const res = await mount(kserveRoutes({ service })).request('/v2/health/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false });
  });

  it('model metadata', async () => {
    const res = await app.request(`/v2/models/${name}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    const f = edge.scorer.model.features.length;
    expect(body).toMatchObject({
      name,
      versions: [edge.scorer.model.version],
      platform: 'fraudscore-js',
      inputs: [{ name: 'transactions', datatype: 'BYTES', shape: [-1] }],
      outputs: [
        { name: 'probability', datatype: 'FP64', shape: [-1] },
        { name: 'risk_level', datatype: 'BYTES', shape: [-1] },
        { name: 'should_block', datatype: 'BOOL', shape: [-1] },
        { name: 'shap_values', datatype: 'FP64', shape: [-1, f] },
      ],
    });
    expect((await app.request(`/v2/models/${name}/versions/${edge.scorer.model.version}`)).status).toBe(200);
  });

  it('unknown model or version → 404 in the protocol error shape', async () => {
    for (const path of ['/v2/models/nope', '/v2/models/nope/ready', `/v2/models/${name}/versions/9.9.9`]) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      const body = await res.json();
      expect(typeof body.error).toBe('string');
    }
    const res = await post(app, '/v2/models/nope/infer', inferBody([tx('a')]));
    expect(res.status).toBe(404);
    expect(typeof (await res.json()).error).toBe('string');
    expect(edge.history.size).toBe(0);
  });

  it('infer scores through the service: probability, risk_level, should_block and shap_values [N, F]', async () => {
    const txs = [tx('k1'), tx('k2', { timestamp: '2026-03-20T10:05:00Z', amount: 900 })];
    const res = await post(app, `/v2/models/${name}/infer`, inferBody(txs, { id: 'req-1' }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ model_name: name, model_version: edge.scorer.model.version, id: 'req-1' });
    const stored = [(await edge.storage.get('k1'))!, (await edge.storage.get('k2'))!];
    const out = Object.fromEntries(body.outputs.map((o: { name: string }) => [o.name, o]));
    expect(Object.keys(out)).toEqual(['probability', 'risk_level', 'should_block', 'shap_values']);
    expect(out.probability).toEqual({
      name: 'probability',
      datatype: 'FP64',
      shape: [2],
      data: stored.map((r) => r.probability),
    });
    expect(out.risk_level).toEqual({
      name: 'risk_level',
      datatype: 'BYTES',
      shape: [2],
      data: stored.map((r) => r.riskLevel),
    });
    expect(out.should_block).toEqual({
      name: 'should_block',
      datatype: 'BOOL',
      shape: [2],
      data: stored.map((r) => r.shouldBlock),
    });
    const f = edge.scorer.model.features.length;
    expect(out.shap_values).toMatchObject({
      datatype: 'FP64',
      shape: [2, f],
      data: [...stored[0]!.shap!.values, ...stored[1]!.shap!.values],
    });
    expect(out.shap_values.parameters.feature_names.split(',')).toEqual(edge.scorer.model.features);
    // The second transaction saw the first (the one scoring flow, with history).
    expect(stored[1]!.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(2);
  });

  it('requested outputs only; without shap_values SHAP is skipped', async () => {
    const res = await post(
      app,
      `/v2/models/${name}/infer`,
      inferBody([tx('o1')], { outputs: [{ name: 'probability' }] }),
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.outputs.map((o: { name: string }) => o.name)).toEqual(['probability']);
    expect((await edge.storage.get('o1'))!.shap).toBeNull();
  });

  it('accepts JSON objects as elements too', async () => {
    const res = await post(app, `/v2/models/${name}/infer`, {
      inputs: [{ name: 'transactions', datatype: 'BYTES', shape: [1], data: [tx('j1')] }],
    });
    expect(res.status).toBe(200);
  });

  const t = JSON.stringify(tx('m1'));
  it.each([
    ['malformed JSON', '{"inputs":'],
    ['body an array', []],
    ['no inputs', {}],
    ['empty inputs', { inputs: [] }],
    ['wrong input name', { inputs: [{ name: 'x', datatype: 'BYTES', shape: [1], data: [t] }] }],
    [
      'extra input',
      {
        inputs: [
          { name: 'transactions', datatype: 'BYTES', shape: [1], data: [t] },
          { name: 'y', datatype: 'FP64', shape: [1], data: [1] },
        ],
      },
    ],
    ['wrong datatype', { inputs: [{ name: 'transactions', datatype: 'FP64', shape: [1], data: [t] }] }],
    ['shape mismatch', { inputs: [{ name: 'transactions', datatype: 'BYTES', shape: [2], data: [t] }] }],
    ['2-D shape', { inputs: [{ name: 'transactions', datatype: 'BYTES', shape: [1, 1], data: [t] }] }],
    ['data missing', { inputs: [{ name: 'transactions', datatype: 'BYTES', shape: [1] }] }],
    ['empty data', { inputs: [{ name: 'transactions', datatype: 'BYTES', shape: [0], data: [] }] }],
    ['element not JSON', { inputs: [{ name: 'transactions', datatype: 'BYTES', shape: [1], data: ['{oops'] }] }],
    ['element a number', { inputs: [{ name: 'transactions', datatype: 'BYTES', shape: [1], data: [5] }] }],
    ['invalid transaction', inferBody([tx('v1', { amount: -3 })])],
    ['missing id', inferBody([{ customerId: 'c', terminalId: 't', amount: 1, timestamp: '2026-03-20T10:00:00Z' }])],
    ['unknown output', inferBody([tx('u1')], { outputs: [{ name: 'margin' }] })],
    ['too many', inferBody(Array.from({ length: 1001 }, (_, i) => tx(`z${i}`)))],
  ])('%s → 400 { error: string }, nothing scored', async (_name, body) => {
    const res = await post(app, `/v2/models/${name}/infer`, body);
    expect(res.status).toBe(400);
    const json = await res.json();
    expect(Object.keys(json)).toEqual(['error']);
    expect(typeof json.error).toBe('string');
    expect(edge.history.size).toBe(0);
  });
});
