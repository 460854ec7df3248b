import { directorySource } from '@fraudscore/sdk';
import { describe, expect, it } from 'vitest';
import { createTestEdge, tx } from '../../testing/index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);

describe('GET /v1/alerts', () => {
  it('lists HIGH and CRITICAL only, with paging; other levels are refused', async () => {
    const config: { threshold?: number } = {};
    const edge = await createTestEdge(BUNDLE, { config });
    const score = (body: unknown) =>
      edge.app.request('/v1/score?explain=false', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    config.threshold = 0.99; // everything LOW
    await score(tx('low1'));
    config.threshold = -1; // everything CRITICAL
    for (const [i, id] of ['h1', 'h2', 'h3'].entries()) {
      expect(
        (await (await score(tx(id, { customerId: id, timestamp: `2026-03-20T0${i}:00:00Z` }))).json()).riskLevel,
      ).toBe('CRITICAL');
    }
    const expected = ['h3', 'h2', 'h1'];
    const page = await (await edge.app.request('/v1/alerts?limit=500')).json();
    expect(page.items.map((r: { id: string }) => r.id)).toEqual(expected);
    const first = await (await edge.app.request('/v1/alerts?limit=1')).json();
    expect(first.items).toHaveLength(1);
    const rest = await (await edge.app.request(`/v1/alerts?limit=5&cursor=${first.nextCursor}`)).json();
    expect([...first.items, ...rest.items].map((r: { id: string }) => r.id)).toEqual(expected);
    expect((await (await edge.app.request('/v1/alerts?risk=HIGH')).json()).items).toEqual([]);
    const bad = await edge.app.request('/v1/alerts?risk=LOW');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('risk');
  });
});
