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

describe('POST /v1/score', () => {
  let edge: TestEdge;
  beforeEach(async () => {
    edge = await createTestEdge(BUNDLE);
  });

  it('returns probability, risk level, block and top factors', async () => {
    const res = await post(edge, '/v1/score', tx('a1'));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ id: 'a1', modelVersion: '1.0.0', label: null, acknowledged: null, agreement: null });
    expect(typeof body.probability).toBe('number');
    expect(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).toContain(body.riskLevel);
    expect(typeof body.shouldBlock).toBe('boolean');
    expect(body.topFactors).toHaveLength(5);
    expect(body.topFactors[0]).toEqual(
      expect.objectContaining({ feature: expect.any(String), contribution: expect.any(Number) }),
    );
  });

  it('explain=false skips SHAP; a bad explain flag is 400', async () => {
    const body = await (await post(edge, '/v1/score?explain=false', tx('a1'))).json();
    expect(body.topFactors).toEqual([]);
    expect(body.shap).toBeNull();
    const bad = await post(edge, '/v1/score?explain=maybe', tx('a2'));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.field).toBe('explain');
  });

  it('second transaction of a customer sees the first; re-posting an id returns the stored result, other content is 409', async () => {
    const first = await (await post(edge, '/v1/score', tx('a1'))).json();
    const second = await (await post(edge, '/v1/score', tx('a2', { timestamp: '2026-03-20T11:00:00Z' }))).json();
    expect(second.features.CUSTOMER_ID_NB_TX_1DAY_WINDOW).toBe(2);
    const again = await (
      await post(edge, '/v1/score', {
        ...tx('a1'),
        preScore: { probability: 0.5, riskLevel: 'HIGH' },
        note: 'not content',
      })
    ).json();
    expect(again).toEqual(first);
    const other = await post(edge, '/v1/score', tx('a1', { amount: 5000 }));
    expect(other.status).toBe(409);
    expect((await other.json()).error).toEqual({
      code: 'conflict',
      field: 'id',
      id: 'a1',
      message:
        'this transaction id was already scored with different content (amount differs); a new transaction needs a new id, and sending the same content again returns the stored result',
    });
    const third = await (await post(edge, '/v1/score', tx('a3', { timestamp: '2026-03-20T11:30:00Z' }))).json();
    expect(third.features.CUSTOMER_ID_NB_TX_1DAY_WINDOW).toBe(3);
  });

  it('states agreement with the device pre-score', async () => {
    const body = await (
      await post(edge, '/v1/score', { ...tx('a1'), preScore: { probability: 0.01, riskLevel: 'LOW' } })
    ).json();
    expect(body.agreement.sameTier).toBe(body.riskLevel === 'LOW');
    expect(body.agreement.delta).toBeCloseTo(body.probability - 0.01, 12);
  });

  it.each([
    ['malformed JSON', '{"id": ', 400, 'bad_request', 'body'],
    ['empty body', '', 400, 'bad_request', 'body'],
    ['not an object', [1, 2], 422, 'validation_error', 'transaction'],
    [
      'missing id',
      { customerId: 'c', terminalId: 't', amount: 1, timestamp: '2026-03-20T10:00:00Z' },
      422,
      'validation_error',
      'id',
    ],
    [
      'missing customerId',
      { id: 'x', terminalId: 't', amount: 1, timestamp: '2026-03-20T10:00:00Z' },
      422,
      'validation_error',
      'customerId',
    ],
    ['negative amount', tx('x', { amount: -5 }), 422, 'validation_error', 'amount'],
    ['amount as text', tx('x', { amount: '5' }), 422, 'validation_error', 'amount'],
    ['bad timestamp', tx('x', { timestamp: 'yesterday' }), 422, 'validation_error', 'timestamp'],
    [
      'bad pre-score level',
      { ...tx('x'), preScore: { probability: 0.1, riskLevel: 'SEVERE' } },
      422,
      'validation_error',
      'preScore.riskLevel',
    ],
    ['pre-score not an object', { ...tx('x'), preScore: 3 }, 422, 'validation_error', 'preScore'],
  ])('%s → %i %s naming %s', async (_name, body, status, code, field) => {
    const res = await post(edge, '/v1/score', body);
    expect(res.status).toBe(status);
    const json = await res.json();
    expect(json.error).toMatchObject({ code, field });
    expect(typeof json.error.message).toBe('string');
  });
});

describe('POST /v1/score/batch', () => {
  let edge: TestEdge;
  beforeEach(async () => {
    edge = await createTestEdge(BUNDLE);
  });

  it('scores in order, each transaction seeing the ones before it', async () => {
    const res = await post(edge, '/v1/score/batch?explain=false', {
      transactions: [tx('b1'), tx('b2', { timestamp: '2026-03-20T10:05:00Z' }), tx('b1')],
    });
    expect(res.status).toBe(200);
    const { results } = await res.json();
    expect(results.map((r: { id: string }) => r.id)).toEqual(['b1', 'b2', 'b1']);
    expect(results[1].features.CUSTOMER_ID_NB_TX_1DAY_WINDOW).toBe(2);
    expect(results[2]).toEqual(results[0]);
    expect(edge.history.size).toBe(2);
  });

  it('accepts 1000 and refuses 1001 with 413 naming transactions', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => tx(`m${i}`, { customerId: `c${i % 50}` }));
    const ok = await post(edge, '/v1/score/batch?explain=false', { transactions: many(1000) });
    expect(ok.status).toBe(200);
    expect((await ok.json()).results).toHaveLength(1000);
    const big = await post(edge, '/v1/score/batch', { transactions: many(1001) });
    expect(big.status).toBe(413);
    expect((await big.json()).error).toMatchObject({ code: 'payload_too_large', field: 'transactions' });
  });

  it.each([
    ['empty', { transactions: [] }, 400],
    ['missing', {}, 400],
    ['not an array', { transactions: 'x' }, 400],
    ['body an array', [tx('a')], 400],
  ])('%s transactions → %i naming transactions', async (_name, body, status) => {
    const res = await post(edge, '/v1/score/batch', body);
    expect(res.status).toBe(status);
    expect((await res.json()).error.field).toBe('transactions');
  });

  it('a bad transaction names its index and nothing is recorded', async () => {
    const res = await post(edge, '/v1/score/batch', {
      transactions: [tx('ok1'), tx('ok2'), tx('bad', { amount: null })],
    });
    expect(res.status).toBe(422);
    expect((await res.json()).error.field).toBe('transactions[2].amount');
    expect(edge.history.size).toBe(0);
    expect((await edge.storage.list({ limit: 10 })).items).toEqual([]);
  });

  it('names the request index when earlier ones were already stored', async () => {
    await post(edge, '/v1/score', tx('s1'));
    const res = await post(edge, '/v1/score/batch', { transactions: [tx('s1'), tx('n1', { terminalId: '' })] });
    expect(res.status).toBe(422);
    expect((await res.json()).error.field).toBe('transactions[1].terminalId');
  });
});
