import { directorySource } from '@fraudscore/sdk';
import { describe, expect, it } from 'vitest';
import type { ModelLifecycle, RegistryBridge } from '../../registry/index.js';
import { createTestEdge } from '../../testing/index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);

describe('registry routes', () => {
  it('answer 503 mlflow_not_configured without a registry, saying what to set', async () => {
    const edge = await createTestEdge(BUNDLE);
    for (const [method, path] of [
      ['GET', '/mlflow/models'],
      ['GET', '/mlflow/runs'],
      ['GET', '/mlflow/compare?limit=3'],
      ['POST', '/v1/models/promote'],
      ['POST', '/v1/models/reload'],
    ] as const) {
      const res = await edge.app.request(path, { method });
      expect(res.status, path).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('mlflow_not_configured');
      expect(body.error.message).toMatch(/MLFLOW_TRACKING_URI/);
    }
  });

  it('pass validated queries and who asked to the registry and lifecycle', async () => {
    const calls: unknown[] = [];
    const bridge: RegistryBridge = {
      experiments: async () => ({ experiments: [] }),
      runs: async (q) => (calls.push(['runs', q]), { runs: [] }),
      run: async (id) => ({ run_id: id }),
      models: async () => ({ models: [] }),
      compare: async (q) => (calls.push(['compare', q]), { runs: [], metrics: {}, best_run: null }),
    };
    const lifecycle: ModelLifecycle = {
      status: () => ({
        source: { kind: 'bundle', location: 'x' },
        state: 'degraded',
        reasons: ['bundle 7 refused: bad hash'],
        checkedAt: null,
      }),
      reload: async () => ({
        changed: false,
        model: { name: 'm', version: '1' },
        source: { kind: 'bundle', location: 'x' },
        detail: 'same',
      }),
      promote: async (by) => (calls.push(['promote', by]), {} as never),
      rollback: async (by) => (calls.push(['rollback', by]), {} as never),
    };
    const edge = await createTestEdge(BUNDLE, { registry: bridge, lifecycle });
    expect((await edge.app.request('/mlflow/runs?experiment_id=3&limit=5')).status).toBe(200);
    expect((await edge.app.request('/mlflow/compare?run_ids=a1, b2')).status).toBe(200);
    expect((await edge.app.request('/mlflow/run/abc123')).status).toBe(200);
    expect((await edge.app.request('/mlflow/runs?limit=0')).status).toBe(400);
    expect(
      (
        await edge.app.request('/v1/models/promote', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ changed_by: ' ana ' }),
        })
      ).status,
    ).toBe(200);
    expect((await edge.app.request('/v1/models/rollback', { method: 'POST' })).status).toBe(200);
    const bad = await edge.app.request('/v1/models/promote', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ changed_by: '' }),
    });
    expect(bad.status).toBe(422);
    expect(calls).toEqual([
      ['runs', { experimentId: '3', limit: 5 }],
      ['compare', { runIds: ['a1', 'b2'], limit: undefined }],
      ['promote', 'ana'],
      ['rollback', 'api'],
    ]);
    // Health and /v1/models report the degraded state with its reason, still 200.
    const health = (await (await edge.app.request('/health')).json()) as { status: string; reasons: string[] };
    expect(health).toMatchObject({ status: 'degraded', reasons: ['bundle 7 refused: bad hash'] });
    expect(((await (await edge.app.request('/v1/models')).json()) as { status: { state: string } }).status.state).toBe(
      'degraded',
    );
  });
});
