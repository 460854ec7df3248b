import { directorySource } from '@fraudscore/sdk';
import { describe, expect, it } from 'vitest';
import { createTestEdge } from '../../testing/index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);

describe('GET /health', () => {
  it('is ok with the model version and the clock', async () => {
    const edge = await createTestEdge(BUNDLE);
    const res = await edge.app.request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      model: { name: 'fraud-ensemble', version: '1.0.0' },
      time: '2026-03-20T12:00:00.000Z',
    });
  });
});
