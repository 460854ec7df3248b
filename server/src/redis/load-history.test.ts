// Moving a deployment to shared state: a server on the embedded store scores and labels, stops; `ops-cli
// load-history` fills Redis from storage's window; a server with REDIS_URL then scores the next payment exactly as
// the one-process server would after its restore, without replaying storage itself. A second load adds nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoredTransaction } from '@fraudscore/edge';
import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { loadConfig, type Env } from '../config.js';
import { run } from '../cli/ops.js';
import { startServer } from '../server.js';

const KEY = 'load-history-admin-key-0123456789';
let redis: TestRedis;
let dir: string;

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'fraudscore-load-history-'));
}, 30_000);
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(env: Env) {
  return startServer(
    await loadConfig({ PORT: '0', DEMO: 'off', API_KEYS: `${KEY}:admin`, DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }),
    { dashboardDir: false },
  );
}
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const score = async (url: string, id: string, h: number): Promise<ScoredTransaction> =>
  (await (
    await fetch(`${url}/v1/score`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id, customerId: 'c-9', terminalId: 't-9', amount: 10, timestamp: hoursAgo(h) }),
    })
  ).json()) as ScoredTransaction;

describe('ops-cli load-history', () => {
  it('fills the shared history from storage once; a Redis-backed server then scores as the restored one', async () => {
    const embedded = await serve({});
    for (const [i, h] of [50, 30, 20].entries()) await score(embedded.url, `lh-${i}`, h);
    const label = { label: 'fraud', analyst: 'ana' };
    await fetch(`${embedded.url}/v1/transactions/lh-0/label`, { method: 'POST', headers, body: JSON.stringify(label) });
    await embedded.close();

    const shared = { REDIS_URL: redis.url, REDIS_PREFIX: 'moved:' };
    const lines: string[] = [];
    const load = (...argv: string[]) =>
      run(['load-history', ...argv], { DATA_DIR: dir, ...shared }, (l) => lines.push(l));
    expect(await load()).toBe(0);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ transactions: 3, added: 3, labels: 1, stored: 3 });
    expect(await load()).toBe(0);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ transactions: 3, added: 0, stored: 3 });

    // The reference: the one-process server restored from storage.
    const restored = await serve({});
    const want = await score(restored.url, 'probe', 1);
    await restored.close();
    const viaRedis = await serve(shared);
    const got = await score(viaRedis.url, 'probe-2', 1);
    expect(got.features).toEqual(want.features);
    expect(got.features['CUSTOMER_ID_NB_TX_7DAY_WINDOW']).toBe(4);
    const metrics = await (await fetch(`${viaRedis.url}/metrics`)).text();
    expect(metrics).toMatch(/^model_accuracy_daily \d/m);
    await viaRedis.close();

    expect(await load('--replace')).toBe(0);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ transactions: 5, added: 5, stored: 5 });
    expect(await run(['load-history'], { DATA_DIR: dir }, (l) => lines.push(l))).toBe(2);
    expect(JSON.parse(lines.at(-1)!).error).toMatch(/REDIS_URL is not set/);
  });
});
