import { directorySource } from '@fraudscore/sdk';
import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { toErrorResponse } from '../../errors.js';
import type { EdgeConfig } from '../../service/index.js';
import { createTestEdge, FIXED_NOW, tx, type TestEdge } from '../../testing/index.js';
import { legacyRoutes } from './index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);

interface Setup {
  edge: TestEdge;
  app: Hono;
  config: EdgeConfig;
}

/** The test edge's service and storage, with the legacy group mounted at '/' as the lead mounts it. */
async function setup(): Promise<Setup> {
  const config: EdgeConfig = {};
  const edge = await createTestEdge(BUNDLE, { config });
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body, headers } = toErrorResponse(error);
    return c.json(body, status, headers);
  });
  app.route('/', legacyRoutes({ service: edge.service, storage: edge.storage, config, clock: () => edge.now.ms }));
  return { edge, app, config };
}

const post = (app: Hono, path: string, body: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('legacy routes', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });

  it('POST /predict answers in the original field names, from the one scoring flow', async () => {
    const res = await post(s.app, '/predict', tx('p1'));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(
      [
        'fraud_probability',
        'fraud_score',
        'model_version',
        'risk_level',
        'shap_values',
        'should_block',
        'top_risk_factors',
        'transaction_id',
      ].sort(),
    );
    const stored = (await s.edge.storage.get('p1'))!;
    expect(body).toMatchObject({
      transaction_id: 'p1',
      fraud_probability: stored.probability,
      risk_level: stored.riskLevel,
      should_block: stored.shouldBlock,
      model_version: '1.0.0',
    });
    expect(Number.isInteger(body.fraud_score)).toBe(true);
    expect(body.fraud_score).toBe(Math.round(stored.probability * 100));
    expect(body.top_risk_factors).toHaveLength(5);
    expect(Object.keys(body.top_risk_factors[0]).sort()).toEqual(['contribution', 'direction', 'feature', 'value']);
    const features = s.edge.scorer.model.features;
    expect(Object.keys(body.shap_values)).toEqual(features);
    features.forEach((f, i) => expect(body.shap_values[f]).toBe(stored.shap!.values[i]));
    for (const factor of body.top_risk_factors)
      expect(body.shap_values[factor.feature]).toBeCloseTo(factor.contribution, 12);
  });

  it('POST /predict validates like /v1/score', async () => {
    const bad = await post(s.app, '/predict', '{"id":');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 'bad_request', field: 'body' });
    const invalidAmount = await post(s.app, '/predict', tx('x', { amount: -1 }));
    expect(invalidAmount.status).toBe(422);
    expect((await invalidAmount.json()).error).toMatchObject({ code: 'validation_error', field: 'amount' });
  });

  it('POST /predict/batch returns predictions in order; limits as /v1/score/batch', async () => {
    const res = await post(s.app, '/predict/batch', {
      transactions: [tx('b1'), tx('b2', { timestamp: '2026-03-20T10:05:00Z' })],
    });
    expect(res.status).toBe(200);
    const { predictions } = await res.json();
    expect(predictions.map((p: { transaction_id: string }) => p.transaction_id)).toEqual(['b1', 'b2']);
    expect(predictions[1].fraud_probability).toBe((await s.edge.storage.get('b2'))!.probability);
    for (const [body, status] of [
      [{ transactions: [] }, 400],
      [{}, 400],
      [[tx('a')], 400],
    ] as const) {
      const r = await post(s.app, '/predict/batch', body);
      expect(r.status).toBe(status);
      expect((await r.json()).error.field).toBe('transactions');
    }
    const many = Array.from({ length: 1001 }, (_, i) => tx(`m${i}`));
    const big = await post(s.app, '/predict/batch', { transactions: many });
    expect(big.status).toBe(413);
    const bad = await post(s.app, '/predict/batch', { transactions: [tx('ok'), tx('bad', { amount: 'x' })] });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.field).toBe('transactions[1].amount');
  });

  it('GET /model-info describes the active model', async () => {
    const body = await (await s.app.request('/model-info')).json();
    const model = s.edge.scorer.model;
    expect(body).toMatchObject({
      model_name: model.name,
      model_version: model.version,
      threshold: model.threshold,
      features: model.features,
      n_features: model.features.length,
    });
  });

  it('POST /threshold changes the threshold at run time, audited; GET /threshold and history show it', async () => {
    const bundleThreshold = s.edge.scorer.model.threshold;
    expect(await (await s.app.request('/threshold')).json()).toEqual({
      threshold: bundleThreshold,
      bundle_threshold: bundleThreshold,
      source: 'bundle',
    });

    const res = await post(s.app, '/threshold', { threshold: 0.01, changed_by: 'alice' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      threshold: 0.01,
      previous_threshold: bundleThreshold,
      changed_by: 'alice',
      source: 'runtime',
    });
    expect(s.config.threshold).toBe(0.01);
    expect(s.edge.service.threshold()).toBe(0.01);
    expect(await s.edge.storage.thresholdChanges()).toEqual([
      { from: bundleThreshold, to: 0.01, by: 'alice', at: new Date(FIXED_NOW).toISOString() },
    ]);

    // The next prediction is decided with the new threshold.
    const p = await (await post(s.app, '/predict', tx('t1'))).json();
    expect(p.should_block).toBe(p.fraud_probability >= 0.01);
    expect((await s.edge.storage.get('t1'))!.threshold).toBe(0.01);

    await post(s.app, '/threshold', { threshold: 0.9 });
    const history = await (await s.app.request('/threshold/history')).json();
    expect(history.changes).toEqual([
      {
        old_threshold: bundleThreshold,
        new_threshold: 0.01,
        changed_by: 'alice',
        changed_at: new Date(FIXED_NOW).toISOString(),
      },
      { old_threshold: 0.01, new_threshold: 0.9, changed_by: 'api', changed_at: new Date(FIXED_NOW).toISOString() },
    ]);
  });

  it.each([
    ['malformed JSON', '{', 400, 'body'],
    ['not an object', [0.5], 422, 'body'],
    ['missing threshold', {}, 422, 'threshold'],
    ['zero', { threshold: 0 }, 422, 'threshold'],
    ['one', { threshold: 1 }, 422, 'threshold'],
    ['text', { threshold: '0.5' }, 422, 'threshold'],
    ['empty changed_by', { threshold: 0.5, changed_by: ' ' }, 422, 'changed_by'],
    ['numeric changed_by', { threshold: 0.5, changed_by: 3 }, 422, 'changed_by'],
  ])('POST /threshold %s → %i naming %s, nothing changed', async (_name, body, status, field) => {
    const res = await post(s.app, '/threshold', body);
    expect(res.status).toBe(status);
    expect((await res.json()).error.field).toBe(field);
    expect(s.config.threshold).toBeUndefined();
    expect(await s.edge.storage.thresholdChanges()).toEqual([]);
  });
});
