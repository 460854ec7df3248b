// 10,000 random and malformed requests against the app: no 5xx, the app keeps answering, and what was stored
// before stays intact. Seeded, so a failure reproduces; the failing request is printed.
import { fileURLToPath } from 'node:url';
import { directorySource } from '@fraudscore/sdk';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './drift/index.js';
import { parseApiKeys } from './middleware/index.js';
import { createTestEdge, tx } from './testing/index.js';

const BUNDLE = directorySource(fileURLToPath(new URL('../../models/bundles/default/', import.meta.url)));

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
];
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

function body(random: () => number, i: number): string | undefined {
  const roll = random();
  const valid = tx(`f${i}`, {
    customerId: `c${i % 7}`,
    terminalId: `t${i % 5}`,
    amount: Math.round(random() * 50000) / 100,
  });
  if (roll < 0.1) return undefined;
  if (roll < 0.2) return JSON.stringify(valid).slice(0, Math.floor(random() * 40)); // truncated
  if (roll < 0.25) return String.fromCharCode(...Array.from({ length: 40 }, () => Math.floor(random() * 256)));
  if (roll < 0.3) return '['.repeat(2000) + ']'.repeat(2000);
  if (roll < 0.35) return JSON.stringify({ transactions: Array.from({ length: 1001 }, (_, k) => tx(`b${i}-${k}`)) });
  if (roll < 0.5)
    return JSON.stringify({
      transactions: Array.from({ length: 1 + Math.floor(random() * 5) }, () => mutate(random, valid)),
    });
  if (roll < 0.6)
    return JSON.stringify({
      label: pick(random, ['fraud', 'legitimate', 'maybe', 1, null]),
      analyst: pick(random, WEIRD),
      at: pick(random, WEIRD),
    });
  if (roll < 0.7) return JSON.stringify({ transactions: pick(random, WEIRD) });
  if (roll < 0.8) return JSON.stringify(valid);
  return JSON.stringify(mutate(random, valid));
}

describe('fuzz', () => {
  it('10,000 random and malformed requests: no 5xx, stored data intact', async () => {
    const keys = await parseApiKeys('fuzz-admin-key-0123456789:admin');
    const open = await createTestEdge(BUNDLE);
    const secured = await createTestEdge(BUNDLE, { security: { keys, rateLimit: false } });
    const known = await open.app.request('/v1/score', {
      method: 'POST',
      body: JSON.stringify(tx('known-good', { amount: 77 })),
    });
    expect(known.status).toBe(200);
    const before = await (await open.app.request('/v1/transactions/known-good')).json();
    const random = seededRandom(20261126);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const app = i % 5 === 0 ? secured.app : open.app;
      const [routeMethod, route] = pick(random, ROUTES);
      const path =
        route.replaceAll('ID', () => pick(random, ['known-good', 'nope', '%00', 'x'.repeat(300), '..', 'f1'])) +
        pick(random, QUERIES);
      const method = random() < 0.33 ? pick(random, METHODS) : routeMethod;
      const headers: Record<string, string> = {
        'content-type': pick(random, ['application/json', 'text/plain', 'application/x-www-form-urlencoded']),
      };
      if (app === secured.app && random() < 0.7)
        headers['authorization'] = pick(random, [
          'Bearer fuzz-admin-key-0123456789',
          'Bearer wrong',
          'Basic abc',
          'Bearer',
        ]);
      const payload = method === 'GET' || method === 'HEAD' ? undefined : body(random, i);
      const res = await app.request(path, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500)
        throw new Error(
          `request ${i} ${method} ${path} → ${res.status}: ${await res.text()}\nbody: ${payload?.slice(0, 300)}`,
        );
      await res.arrayBuffer();
    }
    console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
    // Still up, and the record stored before the fuzzing is unchanged.
    expect((await open.app.request('/health')).status).toBe(200);
    expect(await (await open.app.request('/v1/transactions/known-good')).json()).toEqual(before);
    let cursor: string | null = null;
    let count = 0;
    do {
      const page = await open.storage.list({ limit: 500, ...(cursor ? { cursor } : {}) });
      for (const record of page.items) {
        expect(record.probability).toBeGreaterThanOrEqual(0);
        expect(record.probability).toBeLessThanOrEqual(1);
        expect(Number.isFinite(record.transaction.amount) && record.transaction.amount >= 0).toBe(true);
        count++;
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(count).toBeGreaterThan(1);
  }, 120_000);
});
