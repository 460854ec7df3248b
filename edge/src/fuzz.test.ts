// 10,000 random and malformed requests against the app: no 5xx, the app keeps answering, and what was stored
// before stays intact. Seeded, so a failure reproduces; the failing request is printed. The summary counts statuses
// per kind of request, the hostile ones of issue 16 included: NUL, control characters and lone surrogates in ids,
// numeric extremes, timestamps out of the window, invalid UTF-8 bytes, missing or wrong Content-Types, and ids sent
// again with other content (conflicting duplicates, alone and within a batch).
import { directorySource } from '@fraudscore/sdk';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './drift/index.js';
import { parseApiKeys } from './middleware/index.js';
import { createTestEdge, tx } from './testing/index.js';
import { DEFAULT_BUNDLE_DIR } from '../../test/fixtures.js';

const BUNDLE = directorySource(DEFAULT_BUNDLE_DIR);

const WEIRD: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  -0.0001,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  'NaN',
  'Infinity',
  '',
  ' ',
  '12',
  '1e9999',
  '2026-13-45T99:99:99Z',
  '0000-00-00',
  'ø∂ƒ©˙∆',
  'a'.repeat(10_000),
  [],
  [1, 2],
  {},
  { nested: { deeper: [null] } },
  '<script>',
  '../../etc/passwd',
  '\u0000',
  // Issue 16: text PostgreSQL refuses, values that used to poison state, times that used to be accepted.
  'kn-1\u0000',
  'bad-\ud800',
  '\udc00',
  'tab\tid',
  'c1\u0085',
  1.7e308,
  5e-324,
  -0,
  2 ** 53 + 2,
  '9007199254740993',
  '1970-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '2100-01-01T00:00:00Z',
  0,
  'x'.repeat(257),
];
/** Invalid UTF-8: a lone continuation byte, 0xFF, an overlong '/', an encoded surrogate, a truncated '€'. */
const BAD_UTF8 = [[0x80], [0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]];
/** Routes with their method; a third of the requests use a random method instead. */
const ROUTES: [string, string][] = [
  ['POST', '/v1/score'],
  ['POST', '/v1/score'],
  ['POST', '/v1/score/batch'],
  ['POST', '/v1/score/batch'],
  ['GET', '/v1/transactions'],
  ['GET', '/v1/transactions/ID'],
  ['POST', '/v1/transactions/ID/label'],
  ['POST', '/v1/transactions/ID/label'],
  ['GET', '/v1/transactions/ID/explanation'],
  ['GET', '/v1/alerts'],
  ['GET', '/v1/models'],
  ['GET', '/v1/drift'],
  ['GET', '/metrics'],
  ['GET', '/health'],
  ['GET', '/'],
  ['POST', '/v1/score/extra'],
  ['GET', '/v1/models/1.0.0/bundle/trees.json'],
  ['GET', '/v1/models/ID/bundle/ID'],
];
const QUERIES = [
  '',
  '?explain=false',
  '?explain=maybe',
  '?limit=0',
  '?limit=501',
  '?limit=-3',
  '?limit=abc',
  '?cursor=garbage',
  '?cursor=eyJ4IjoxfQ',
  '?risk=HIGH,NOPE',
  '?from=yesterday',
  '?from=2026-01-01&to=2025-01-01',
  '?customerId=',
  '?lang=xx',
  '?lang=kk',
  '?window=0h',
  '?window=99d',
  '?window=6h',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function mutate(random: () => number, base: Record<string, unknown>): unknown {
  const copy: Record<string, unknown> = { ...base };
  const fields = ['id', 'customerId', 'terminalId', 'amount', 'timestamp', 'label', 'preScore', 'extra'];
  for (let i = 0; i < 1 + Math.floor(random() * 3); i++) {
    const field = pick(random, fields);
    if (random() < 0.2) delete copy[field];
    else copy[field] = pick(random, WEIRD);
  }
  return random() < 0.1 ? pick(random, WEIRD) : copy;
}

type Payload = string | Uint8Array<ArrayBuffer> | undefined;

/** A request body and the kind of request it is (for the summary). */
function body(random: () => number, i: number): { payload: Payload; kind: string } {
  const roll = random();
  const valid = tx(`f${i}`, {
    customerId: `c${i % 7}`,
    terminalId: `t${i % 5}`,
    amount: Math.round(random() * 50000) / 100,
  });
  if (roll < 0.1) return { payload: undefined, kind: 'no body' };
  if (roll < 0.17)
    return { payload: JSON.stringify(valid).slice(0, Math.floor(random() * 40)), kind: 'truncated JSON' };
  if (roll < 0.21)
    return {
      payload: String.fromCharCode(...Array.from({ length: 40 }, () => Math.floor(random() * 256))),
      kind: 'random characters',
    };
  if (roll < 0.25) {
    // Valid JSON around an id holding bytes that are not UTF-8 (they used to become U+FFFD and merge ids).
    const [before, after] = JSON.stringify({ ...valid, id: 'u8-@@' }).split('@@') as [string, string];
    const encoder = new TextEncoder();
    return {
      payload: new Uint8Array([...encoder.encode(before), ...pick(random, BAD_UTF8), ...encoder.encode(after)]),
      kind: 'invalid UTF-8',
    };
  }
  if (roll < 0.28) return { payload: '['.repeat(2000) + ']'.repeat(2000), kind: 'deep nesting' };
  if (roll < 0.31)
    return {
      payload: JSON.stringify({ transactions: Array.from({ length: 1001 }, (_, k) => tx(`b${i}-${k}`)) }),
      kind: 'oversized batch',
    };
  if (roll < 0.36) {
    // Ids from a small pool with random content: the same id again, mostly with other content.
    const dup = () =>
      tx(`dup-${Math.floor(random() * 4)}`, {
        customerId: `c${Math.floor(random() * 2)}`,
        amount: Math.floor(random() * 3),
      });
    return random() < 0.5
      ? { payload: JSON.stringify(dup()), kind: 'duplicate id' }
      : {
          payload: JSON.stringify({ transactions: Array.from({ length: 2 + Math.floor(random() * 3) }, dup) }),
          kind: 'duplicate ids in a batch',
        };
  }
  if (roll < 0.48)
    return {
      payload: JSON.stringify({
        transactions: Array.from({ length: 1 + Math.floor(random() * 5) }, () => mutate(random, valid)),
      }),
      kind: 'mutated batch',
    };
  if (roll < 0.58)
    return {
      payload: JSON.stringify({
        label: pick(random, ['fraud', 'legitimate', 'maybe', 1, null]),
        analyst: pick(random, WEIRD),
        at: pick(random, WEIRD),
      }),
      kind: 'label',
    };
  if (roll < 0.66) return { payload: JSON.stringify({ transactions: pick(random, WEIRD) }), kind: 'weird batch' };
  if (roll < 0.78) return { payload: JSON.stringify(valid), kind: 'valid transaction' };
  return { payload: JSON.stringify(mutate(random, valid)), kind: 'mutated transaction' };
}

describe('fuzz', () => {
  it('10,000 random and malformed requests: no 5xx, stored data intact', async () => {
    const keys = await parseApiKeys('fuzz-admin-key-0123456789:admin');
    const open = await createTestEdge(BUNDLE);
    const secured = await createTestEdge(BUNDLE, { security: { keys, rateLimit: false } });
    const known = await open.app.request('/v1/score', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tx('known-good', { amount: 77 })),
    });
    const historyBefore = open.history.get('known-good');
    expect(known.status).toBe(200);
    const before = await (await open.app.request('/v1/transactions/known-good')).json();
    const random = seededRandom(20261126);
    const statuses = new Map<number, number>();
    /** kind of request → status → count: on its scoring route with a JSON Content-Type, and anywhere else. */
    const byKind = new Map<string, Map<string, number>>();
    for (let i = 0; i < 10_000; i++) {
      const app = i % 5 === 0 ? secured.app : open.app;
      const [routeMethod, route] = pick(random, ROUTES);
      const path =
        route.replaceAll('ID', () => pick(random, ['known-good', 'nope', '%00', 'x'.repeat(300), '..', 'f1'])) +
        pick(random, QUERIES);
      const method = random() < 0.33 ? pick(random, METHODS) : routeMethod;
      const type = pick(random, [
        'application/json',
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        undefined,
      ]);
      const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
      if (app === secured.app && random() < 0.7)
        headers['authorization'] = pick(random, [
          'Bearer fuzz-admin-key-0123456789',
          'Bearer wrong',
          'Basic abc',
          'Bearer',
        ]);
      const { payload, kind } =
        method === 'GET' || method === 'HEAD' ? { payload: undefined, kind: 'no body' } : body(random, i);
      // Without a header, a string body would get text/plain from Request: send bytes to really omit it.
      const sent = type === undefined && typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
      const res = await app.request(path, { method, headers, ...(sent === undefined ? {} : { body: sent }) });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const where =
        method === 'POST' &&
        app === open.app &&
        (route === '/v1/score' || route === '/v1/score/batch') &&
        type === 'application/json'
          ? 'scoring route, JSON'
          : 'other';
      const counts = byKind.get(`${kind} (${where})`) ?? new Map<string, number>();
      byKind.set(`${kind} (${where})`, counts.set(String(res.status), (counts.get(String(res.status)) ?? 0) + 1));
      if (res.status >= 500)
        throw new Error(
          `request ${i} ${method} ${path} → ${res.status}: ${await res.text()}\nbody: ${String(payload).slice(0, 300)}`,
        );
      await res.arrayBuffer();
    }
    console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    const summary = Object.fromEntries(
      [...byKind].sort().map(([kind, counts]) => [kind, Object.fromEntries([...counts].sort())]),
    );
    console.log(
      `fuzz by kind of request:\n${Object.entries(summary)
        .map(([kind, counts]) => `  ${kind}: ${JSON.stringify(counts)}`)
        .join('\n')}`,
    );
    // On the scoring routes, with a JSON Content-Type: bytes that are not UTF-8 are refused (400), never scored;
    // an id sent again with other content is a conflict (409 alone, a per-item error in a 200 batch).
    expect(Object.keys(summary['invalid UTF-8 (scoring route, JSON)'] ?? {})).toEqual(['400']);
    expect(summary['duplicate id (scoring route, JSON)']?.['409']).toBeGreaterThan(0);
    expect(summary['duplicate ids in a batch (scoring route, JSON)']?.['200']).toBeGreaterThan(0);
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
    // Still up, and the record stored before the fuzzing is unchanged.
    expect((await open.app.request('/health')).status).toBe(200);
    expect(await (await open.app.request('/v1/transactions/known-good')).json()).toEqual(before);
    expect(open.history.get('known-good')).toEqual(historyBefore);
    let cursor: string | null = null;
    let count = 0;
    do {
      const page = await open.storage.list({ limit: 500, ...(cursor ? { cursor } : {}) });
      for (const record of page.items) {
        expect(record.probability).toBeGreaterThanOrEqual(0);
        expect(record.probability).toBeLessThanOrEqual(1);
        expect(
          Number.isFinite(record.transaction.amount) &&
            record.transaction.amount >= 0 &&
            record.transaction.amount <= 1e9,
        ).toBe(true);
        expect(Object.values(record.features).every((v) => v === null || Number.isFinite(v))).toBe(true);
        expect(Math.abs(record.transaction.timestamp - open.now.ms)).toBeLessThanOrEqual(30 * 86_400_000);
        count++;
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(count).toBeGreaterThan(1);
  }, 120_000);
});
