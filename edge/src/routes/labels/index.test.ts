import { directorySource } from '@fraudscore/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTestEdge, tx, type TestEdge } from '../../testing/index.js';
import { DEFAULT_BUNDLE_DIR } from '../../../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);
const post = (edge: TestEdge, path: string, body: unknown) =>
  edge.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('POST /v1/transactions/{id}/label', () => {
  let edge: TestEdge;
  beforeEach(async () => {
    edge = await createTestEdge(BUNDLE);
  });

  it('labels a transaction; a later transaction at the terminal sees it after the 7-day delay', async () => {
    await post(edge, '/v1/score', tx('f1', { timestamp: '2026-03-05T10:00:00Z', customerId: 'victim' }));
    const before = await (
      await post(edge, '/v1/score', tx('p1', { timestamp: '2026-03-13T10:00:00Z', customerId: 'c2' }))
    ).json();
    expect(before.features.TERMINAL_ID_RISK_7DAY_WINDOW).toBe(0);
    const res = await post(edge, '/v1/transactions/f1/label', {
      label: 'fraud',
      analyst: 'ana',
      at: '2026-03-12T09:00:00+01:00',
    });
    expect(res.status).toBe(200);
    expect((await res.json()).label).toEqual({ label: 'fraud', analyst: 'ana', at: '2026-03-12T08:00:00.000Z' });
    const after = await (
      await post(edge, '/v1/score', tx('p2', { timestamp: '2026-03-13T11:00:00Z', customerId: 'c3' }))
    ).json();
    expect(after.features.TERMINAL_ID_RISK_7DAY_WINDOW).toBe(1);
    expect(after.probability).not.toBe(before.probability);
    expect((await (await edge.app.request('/v1/transactions/f1')).json()).label.label).toBe('fraud');
  });

  it('a legitimate label keeps the terminal risk at 0 and replaces an earlier label', async () => {
    await post(edge, '/v1/score', tx('f1', { timestamp: '2026-03-05T10:00:00Z' }));
    await post(edge, '/v1/transactions/f1/label', { label: 'fraud', analyst: 'ana' });
    const res = await post(edge, '/v1/transactions/f1/label', { label: 'legitimate', analyst: 'bob' });
    expect((await res.json()).label).toMatchObject({ label: 'legitimate', analyst: 'bob' });
    const later = await (
      await post(edge, '/v1/score', tx('p1', { timestamp: '2026-03-13T10:00:00Z', customerId: 'c9' }))
    ).json();
    expect(later.features.TERMINAL_ID_RISK_7DAY_WINDOW).toBe(0);
  });

  it('unknown id → 404', async () => {
    const res = await post(edge, '/v1/transactions/ghost/label', { label: 'fraud', analyst: 'ana' });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ code: 'not_found', field: 'id' });
  });

  it.each([
    ['malformed JSON', '{', 400, 'body'],
    ['not an object', '"fraud"', 422, 'body'],
    ['bad label', { label: 'maybe', analyst: 'ana' }, 422, 'label'],
    ['label as number', { label: 1, analyst: 'ana' }, 422, 'label'],
    ['missing analyst', { label: 'fraud' }, 422, 'analyst'],
    ['blank analyst', { label: 'fraud', analyst: '  ' }, 422, 'analyst'],
    ['bad at', { label: 'fraud', analyst: 'ana', at: 'last tuesday' }, 422, 'at'],
    ['at as number', { label: 'fraud', analyst: 'ana', at: 5 }, 422, 'at'],
  ])('%s → %i naming %s', async (_name, body, status, field) => {
    await post(edge, '/v1/score', tx('f1'));
    const res = await post(edge, '/v1/transactions/f1/label', body);
    expect(res.status).toBe(status);
    expect((await res.json()).error.field).toBe(field);
    expect((await edge.storage.get('f1'))?.label).toBeNull();
  });
});

describe('POST /v1/transactions/{id}/acknowledge', () => {
  let edge: TestEdge;
  beforeEach(async () => {
    edge = await createTestEdge(BUNDLE);
  });

  it('records who took the alert, for every later reader, without touching the label or the features', async () => {
    await post(edge, '/v1/score', tx('a1', { amount: 900 }));
    const events: string[] = [];
    edge.bus.subscribe((e) => void events.push(`${e.type}:${e.transaction.id}`), ['acknowledged']);
    const res = await post(edge, '/v1/transactions/a1/acknowledge', {
      analyst: ' ana ',
      at: '2026-03-12T09:00:00+01:00',
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.acknowledged).toEqual({ analyst: 'ana', at: '2026-03-12T08:00:00.000Z' });
    expect(body.label).toBeNull();
    expect(events).toEqual(['acknowledged:a1']);
    expect((await (await edge.app.request('/v1/transactions/a1')).json()).acknowledged.analyst).toBe('ana');
    // A label afterwards keeps the acknowledgement.
    const labelled = await (
      await post(edge, '/v1/transactions/a1/label', { label: 'legitimate', analyst: 'bo' })
    ).json();
    expect(labelled.acknowledged.analyst).toBe('ana');
  });

  it('defaults the time to now; unknown id → 404', async () => {
    await post(edge, '/v1/score', tx('a1'));
    const body = await (await post(edge, '/v1/transactions/a1/acknowledge', { analyst: 'ana' })).json();
    expect(Number.isFinite(Date.parse(body.acknowledged.at))).toBe(true);
    const res = await post(edge, '/v1/transactions/ghost/acknowledge', { analyst: 'ana' });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ code: 'not_found', field: 'id' });
  });

  it.each([
    ['malformed JSON', '{', 400, 'body'],
    ['not an object', '[]', 422, 'body'],
    ['missing analyst', {}, 422, 'analyst'],
    ['blank analyst', { analyst: ' ' }, 422, 'analyst'],
    ['bad at', { analyst: 'ana', at: 'soon' }, 422, 'at'],
  ])('%s → %i naming %s', async (_name, body, status, field) => {
    await post(edge, '/v1/score', tx('a1'));
    const res = await post(edge, '/v1/transactions/a1/acknowledge', body);
    expect(res.status).toBe(status);
    expect((await res.json()).error.field).toBe(field);
    expect((await edge.storage.get('a1'))?.acknowledged).toBeNull();
  });
});
