// Issue 16, "Why": each case found by trying the API with inputs nobody here wrote, reproduced through app.request()
// on the edge alone (memory storage). The PostgreSQL-backed 5xx and the stalled stream are in
// server/src/hostile-input.test.ts.
import { directorySource } from '@fraudscore/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTestEdge, FIXED_NOW, tx, type TestEdge } from './testing/index.js';
import { DEFAULT_BUNDLE_DIR } from '../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);
const JSON_TYPE = { 'content-type': 'application/json' };

const post = (edge: TestEdge, path: string, body: unknown, headers: Record<string, string> = JSON_TYPE) =>
  edge.app.request(path, {
    method: 'POST',
    headers,
    body:
      typeof body === 'string' || body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body),
  });

/** A JSON text with raw bytes spliced in where `@@` stands. */
const withBytes = (text: string, bytes: number[]): Uint8Array => {
  const [before, after] = text.split('@@') as [string, string];
  const encoder = new TextEncoder();
  return new Uint8Array([...encoder.encode(before), ...bytes, ...encoder.encode(after)]);
};

let edge: TestEdge;
beforeEach(async () => {
  edge = await createTestEdge(BUNDLE);
});

describe('invalid UTF-8 is refused, not replaced (two ids no longer become one)', () => {
  it('ids u8-\\xff and u8-\\xfe: both 400 naming the body, nothing stored', async () => {
    const first = await post(
      edge,
      '/v1/score',
      withBytes(JSON.stringify(tx('u8-@@', { customerId: 'c-a', amount: 10 })), [0xff]),
    );
    const second = await post(
      edge,
      '/v1/score',
      withBytes(JSON.stringify(tx('u8-@@', { customerId: 'c-b', amount: 900 })), [0xfe]),
    );
    for (const res of [first, second]) {
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error).toMatchObject({ code: 'bad_request', field: 'body' });
      expect(error.message).toMatch(/UTF-8/);
    }
    expect((await edge.storage.list({ limit: 10 })).items).toEqual([]);
    expect(edge.history.size).toBe(0);
  });
});

describe("conflicting duplicates are a conflict, not the first one's result", () => {
  it('in one batch: the second item is a per-item conflict naming the id, the others are scored', async () => {
    const res = await post(edge, '/v1/score/batch', {
      transactions: [
        tx('dup-1', { customerId: 'c-a', amount: 10 }),
        tx('dup-1', { customerId: 'c-b', amount: 999 }),
        tx('other-1', { customerId: 'c-c', amount: 20 }),
      ],
    });
    expect(res.status).toBe(200);
    const { results } = await res.json();
    expect(results[0]).toMatchObject({ id: 'dup-1', transaction: { customerId: 'c-a', amount: 10 } });
    expect(results[1]).toEqual({
      id: 'dup-1',
      error: expect.objectContaining({ code: 'conflict', field: 'transactions[1].id' }),
    });
    expect(results[1].error.message).toMatch(/different/);
    expect(results[2]).toMatchObject({ id: 'other-1', probability: expect.any(Number) });
  });

  it('across requests: the same id with different content is 409 naming the id; the same content is the stored result', async () => {
    const first = await (await post(edge, '/v1/score', tx('dup-2', { customerId: 'c-a', amount: 10 }))).json();
    const conflict = await post(edge, '/v1/score', tx('dup-2', { customerId: 'c-b', amount: 999 }));
    expect(conflict.status).toBe(409);
    expect((await conflict.json()).error).toMatchObject({ code: 'conflict', field: 'id', id: 'dup-2' });
    // Same content, written differently (epoch ms for the same instant, a numeric-looking amount as a number): stored result.
    const again = await post(
      edge,
      '/v1/score',
      tx('dup-2', { customerId: 'c-a', amount: 10.0, timestamp: Date.parse('2026-03-20T10:00:00Z') }),
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(first);
  });
});

describe('amounts have a ceiling: state is not poisoned for a month', () => {
  it("1.7e308 is 422 naming amount; the customer's later payments keep finite window features", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await post(
        edge,
        '/v1/score',
        tx(`huge-${i}`, { customerId: 'c-huge', amount: 1.7e308, timestamp: `2026-03-20T0${i}:00:00Z` }),
      );
      expect(res.status).toBe(422);
      expect((await res.json()).error.field).toBe('amount');
    }
    const later = await (await post(edge, '/v1/score', tx('after-huge', { customerId: 'c-huge', amount: 12 }))).json();
    for (const [name, value] of Object.entries(later.features)) expect(Number.isFinite(value), name).toBe(true);
    expect(later.features.CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW).toBe(12);
  });
});

describe('timestamps outside the window around the clock are refused', () => {
  it.each(['1970-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '2100-01-01T00:00:00Z', 0])(
    '%s → 422 naming timestamp, not listed',
    async (timestamp) => {
      const res = await post(edge, '/v1/score', tx('when', { timestamp }));
      expect(res.status).toBe(422);
      const { error } = await res.json();
      expect(error.field).toBe('timestamp');
      expect(error.message).toMatch(/days before|days after|between 1970-01-01 and 9999-12-31/);
      expect((await edge.storage.list({ limit: 10 })).items).toEqual([]);
    },
  );

  it('a timestamp just inside the window is scored', async () => {
    expect((await post(edge, '/v1/score', tx('recent', { timestamp: FIXED_NOW - 29 * 86_400_000 }))).status).toBe(200);
    expect((await post(edge, '/v1/score', tx('skewed', { timestamp: FIXED_NOW + 60_000 }))).status).toBe(200);
  });
});

describe('messages in plain words, JSON only as JSON', () => {
  it.each([
    ['an empty customer id', tx('m1', { customerId: '' }), 'customerId'],
    ['a timestamp in another format', tx('m2', { timestamp: '20/03/2026' }), 'timestamp'],
    ['an empty id', tx('', {}), 'id'],
    ['a text amount', tx('m3', { amount: '12' }), 'amount'],
  ])('%s: says what is wrong and what is allowed, no validator internals', async (_what, body, field) => {
    const res = await post(edge, '/v1/score', body);
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error.field).toBe(field);
    expect(error.message).not.toMatch(/expected|Invalid|pattern|Too small|\/\^|>=1/);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['no Content-Type', {}],
    ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
  ])('%s is 415, saying to send application/json', async (_what, headers) => {
    // A Request with a string body and no header gets text/plain from fetch: send bytes to really omit it.
    const res = await post(edge, '/v1/score', new TextEncoder().encode(JSON.stringify(tx('ct-1'))), headers);
    expect(res.status).toBe(415);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: 'unsupported_media_type', field: 'content-type' });
    expect(error.message).toMatch(/application\/json/);
    expect(await edge.storage.get('ct-1')).toBeUndefined();
  });

  it('application/json with a charset, and +json types, are JSON', async () => {
    expect(
      (await post(edge, '/v1/score', tx('ct-2'), { 'content-type': 'application/json; charset=utf-8' })).status,
    ).toBe(200);
    expect((await post(edge, '/v1/score', tx('ct-3'), { 'content-type': 'application/vnd.api+json' })).status).toBe(
      200,
    );
  });
});
