import { directorySource } from '@fraudscore/sdk';
import { describe, expect, it } from 'vitest';
import { createTestEdge } from '../../testing/index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);

describe('GET /v1/models', () => {
  it('describes the active model and the threshold in force', async () => {
    const config: { threshold?: number } = {};
    const edge = await createTestEdge(BUNDLE, { config });
    const body = await (await edge.app.request('/v1/models')).json();
    expect(body.active).toMatchObject({
      name: 'fraud-ensemble',
      version: '1.0.0',
      threshold: edge.scorer.model.threshold,
    });
    expect(body.active.features).toHaveLength(15);
    expect(Object.keys(body.active.weights).length).toBeGreaterThan(0);
    config.threshold = 0.5;
    const after = await (await edge.app.request('/v1/models')).json();
    expect(after.active).toMatchObject({ threshold: 0.5, bundleThreshold: edge.scorer.model.threshold });
  });
});
