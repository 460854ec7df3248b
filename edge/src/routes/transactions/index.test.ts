import { directorySource } from '@fraudscore/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestEdge, tx, type TestEdge } from '../../testing/index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);
type Item = { id: string; riskLevel: string; transaction: { customerId: string; timestamp: number } };

describe('GET /v1/transactions', () => {
  let edge: TestEdge;
  beforeAll(async () => {
    edge = await createTestEdge(BUNDLE);
    const transactions = Array.from({ length: 25 }, (_, i) =>
      tx(`t${String(i).padStart(2, '0')}`, {
        customerId: i % 2 ? 'odd' : 'even',
        timestamp: Date.parse('2026-03-01T00:00:00Z') + i * 3_600_000,
        amount: i * 40,
      }),
    );
    const res = await edge.app.request('/v1/score/batch?explain=false', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transactions }),
    });
    expect(res.status).toBe(200);
  });
  const get = async (query: string) => {
    const res = await edge.app.request(`/v1/transactions${query}`);
    return { status: res.status, body: await res.json() };
  };

  it('lists newest first with a default page', async () => {
    const { status, body } = await get('');
    expect(status).toBe(200);
    expect(body.items).toHaveLength(25);
    expect(body.items[0].id).toBe('t24');
    expect(body.nextCursor).toBeNull();
  });

  it('pages with an opaque cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: { items: Item[]; nextCursor: string | null } } = await get(
        `?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(body.items.length).toBeLessThanOrEqual(7);
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `t${String(24 - i).padStart(2, '0')}`));
  });

  it('filters by customer, time range and risk', async () => {
    const byCustomer = (await get('?customerId=odd')).body.items as Item[];
    expect(byCustomer).toHaveLength(12);
    expect(byCustomer.every((i) => i.transaction.customerId === 'odd')).toBe(true);
    const range = (await get('?from=2026-03-01T05:00:00Z&to=2026-03-01T10:00:00Z')).body.items as Item[];
    expect(range.map((i) => i.id)).toEqual(['t09', 't08', 't07', 't06', 't05']);
    const all = (await get('?limit=500')).body.items as Item[];
    const low = (await get('?risk=LOW')).body.items as Item[];
    expect(low.map((i) => i.id)).toEqual(all.filter((i) => i.riskLevel === 'LOW').map((i) => i.id));
    const notLow = (await get('?risk=MEDIUM,HIGH,CRITICAL')).body.items as Item[];
    expect(notLow.length + low.length).toBe(25);
  });

  it.each([
    ['?limit=0', 'limit'],
    ['?limit=501', 'limit'],
    ['?limit=abc', 'limit'],
    ['?risk=SEVERE', 'risk'],
    ['?from=yesterday', 'from'],
    ['?to=2026-13-45T00:00:00Z', 'to'],
    ['?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'from'],
    ['?cursor=not-a-cursor', 'cursor'],
    ['?customerId=', 'customerId'],
  ])('%s → 400 naming %s', async (query, field) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'bad_request', field });
  });
});

describe('GET /v1/transactions/{id}', () => {
  it('returns the stored transaction, 404 for an unknown id', async () => {
    const edge = await createTestEdge(BUNDLE);
    const scored = await (
      await edge.app.request('/v1/score', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(tx('x1')),
      })
    ).json();
    const res = await edge.app.request('/v1/transactions/x1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(scored);
    const missing = await edge.app.request('/v1/transactions/nope');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatchObject({ code: 'not_found', field: 'id' });
  });
});
