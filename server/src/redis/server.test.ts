// Two server replicas sharing a real redis-server (and one storage, as they would share PostgreSQL): each sees the
// other's transactions, a threshold changed through one tiers on the other within a second, the rate limit and the
// label counts are shared, start-up restores nothing, and an outage of Redis answers 503 (health degraded with the
// reason) until Redis is back, without a restart.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDriftHistory, MemoryStorage, type ScoredTransaction } from '@fraudscore/edge';
import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { loadConfig, type Env } from '../config.js';
import { createLogger } from '../log.js';
import { startServer, type HostStorage, type RunningServer } from '../server.js';

const KEY = 'replica-test-key-0123456789';
let redis: TestRedis;
let prefix = 0;
const running: RunningServer[] = [];

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** One storage for the replicas of a test (PostgreSQL in production); closing a replica leaves it open. */
function sharedStorage(): HostStorage {
  const storage = new MemoryStorage();
  return { storage, driftHistory: new MemoryDriftHistory(), kind: 'shared-test', close: async () => {} };
}

async function replicas(count: number, env: Env = {}, lines?: string[]): Promise<RunningServer[]> {
  const storage = sharedStorage();
  const config = await loadConfig({
    PORT: '0',
    DEMO: 'off',
    API_KEYS: `${KEY}:admin`,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `replicas${prefix++}:`,
    ...env,
  });
  const servers: RunningServer[] = [];
  for (let i = 0; i < count; i++) {
    const logger = lines ? createLogger('info', (l) => lines.push(l)) : undefined;
    servers.push(await startServer(config, { storage, ...(logger ? { logger } : {}) }));
  }
  running.push(...servers);
  return servers;
}

const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const post = (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: auth, body: JSON.stringify(body) });
const get = (url: string): Promise<Response> => fetch(url, { headers: auth });
const tx = (id: string, customerId = 'c-1', terminalId = 't-1', amount = 42.5) => ({
  id,
  customerId,
  terminalId,
  amount,
  timestamp: new Date().toISOString(),
});

async function waitFor(what: string, condition: () => Promise<boolean>, deadlineMs = 20_000): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > deadlineMs) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

describe('replicas sharing Redis', () => {
  it("score each other's transactions and do not replay storage at start", async () => {
    const lines: string[] = [];
    const [a, b] = await replicas(2, {}, lines);
    expect(lines.some((l) => l.includes('"event":"state.restored"'))).toBe(false);
    expect(JSON.parse(lines.find((l) => l.includes('server.listening'))!).shared).toMatch(/^redis redis:\/\//);
    const x1 = tx('x-1');
    const first = (await (await post(`${a!.url}/v1/score`, x1)).json()) as ScoredTransaction;
    const second = (await (await post(`${b!.url}/v1/score`, tx('x-2'))).json()) as ScoredTransaction;
    expect(first.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(1);
    // Replica b sees the payment scored on a: the customer's and the terminal's second.
    expect(second.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(2);
    expect(second.features['CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW']).toBe(42.5);
    // A retry of the first through b: the stored result, nothing counted twice; other content under its id: 409.
    expect(((await (await post(`${b!.url}/v1/score`, x1)).json()) as ScoredTransaction).probability).toBe(
      first.probability,
    );
    expect((await post(`${b!.url}/v1/score`, { ...x1, amount: 43 })).status).toBe(409);
    const third = (await (await post(`${a!.url}/v1/score`, tx('x-3'))).json()) as ScoredTransaction;
    expect(third.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(3);
  });

  it('one id sent with two contents to two replicas at once: one scored, one 409, the history holds the stored one', async () => {
    const [a, b] = await replicas(2);
    for (let round = 0; round < 5; round++) {
      const [mine, theirs] = [tx(`race-${round}`, `ca-${round}`), tx(`race-${round}`, `cb-${round}`)];
      const answers = await Promise.all([post(`${a!.url}/v1/score`, mine), post(`${b!.url}/v1/score`, theirs)]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
      const stored = (await (await get(`${a!.url}/v1/transactions/race-${round}`)).json()) as ScoredTransaction;
      const [kept, refused] = stored.transaction.customerId === mine.customerId ? [mine, theirs] : [theirs, mine];
      // The stored content counts in its customer's window; the refused one counts nowhere.
      const next = async (customerId: string, replica: string) =>
        ((await (await post(`${replica}/v1/score`, tx(`after-${customerId}`, customerId))).json()) as ScoredTransaction)
          .features['CUSTOMER_ID_NB_TX_1DAY_WINDOW'];
      expect(await next(kept.customerId, b!.url)).toBe(2);
      expect(await next(refused.customerId, a!.url)).toBe(1);
    }
  });

  it('a threshold changed through replica 1 tiers transactions on replica 2 within 1 s', async () => {
    const [a, b] = await replicas(2);
    const before = (await (await post(`${b!.url}/v1/score`, tx('t-0', 'c-7'))).json()) as ScoredTransaction;
    const threshold = before.threshold === 0.05 ? 0.06 : 0.05;
    const changed = Date.now();
    expect((await post(`${a!.url}/threshold`, { threshold, changed_by: 'ops' })).status).toBe(200);
    let n = 0;
    const took = await waitFor(
      'replica 2 to score at the new threshold',
      async () => {
        const r = (await (await post(`${b!.url}/v1/score`, tx(`t-${++n}`, 'c-7'))).json()) as ScoredTransaction;
        return r.threshold === threshold;
      },
      1_000,
    );
    expect(Date.now() - changed).toBeLessThan(1_000);
    console.info(`threshold in force on replica 2 after ${took} ms (${n} scores)`);
    expect((await (await get(`${b!.url}/threshold`)).json()).threshold).toBe(threshold);
  });

  it('share the rate limit and the label counts', async () => {
    const [a, b] = await replicas(2, { RATE_LIMIT_PER_MINUTE: '4' });
    const statuses: number[] = [];
    for (const [i, server] of [a, b, a, b, a].entries())
      statuses.push((await post(`${server!.url}/v1/score`, tx(`r-${i}`))).status);
    // Four tokens in one bucket for the key, not four per replica.
    expect(statuses).toEqual([200, 200, 200, 200, 429]);

    const [c, d] = await replicas(2);
    await post(`${c!.url}/threshold`, { threshold: 1e-6 });
    const blocked = (await (await post(`${c!.url}/v1/score`, tx('l-1'))).json()) as ScoredTransaction;
    expect(blocked, 'blocked at threshold 1e-6').toMatchObject({ threshold: 1e-6, shouldBlock: true });
    const label = { label: 'legitimate', analyst: 'ana' };
    expect((await post(`${c!.url}/v1/transactions/l-1/label`, label)).status).toBe(200);
    // Labelled through c, counted once on d's metrics (the same label again is still one).
    expect((await post(`${d!.url}/v1/transactions/l-1/label`, label)).status).toBe(200);
    for (const server of [c, d]) {
      const metrics = await (await fetch(`${server!.url}/metrics`)).text();
      expect(metrics).toMatch(/^false_positive_rate 1$/m);
      expect(metrics).toMatch(/^model_accuracy_daily 0$/m);
    }
    // A correction replaces the count instead of adding one.
    expect((await post(`${d!.url}/v1/transactions/l-1/label`, { label: 'fraud', analyst: 'ana' })).status).toBe(200);
    const corrected = await (await fetch(`${c!.url}/metrics`)).text();
    expect(corrected).toMatch(/^false_positive_rate 0$/m);
    expect(corrected).toMatch(/^model_accuracy_daily 1$/m);
  });

  it('answer 503 with the reason while Redis is down, report degraded health, and resume by themselves', async () => {
    const [a, b] = await replicas(2);
    expect((await post(`${a!.url}/v1/score`, tx('o-1'))).status).toBe(200);
    await redis.kill();
    try {
      const refused = await post(`${a!.url}/v1/score`, tx('o-2'));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      const { error } = (await refused.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('shared_state_unavailable');
      expect(error.message).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/);
      const health = (await (await fetch(`${b!.url}/health`)).json()) as { status: string; reasons: string[] };
      expect(health.status).toBe('degraded');
      expect(health.reasons.join(' ')).toMatch(/Redis .* is unreachable/);
      // Reads from storage go on (the rate limit falls back to the process's own buckets).
      expect((await get(`${b!.url}/v1/transactions/o-1`)).status).toBe(200);
    } finally {
      await redis.start();
    }
    const took = await waitFor('scoring to resume', async () => {
      return (await post(`${b!.url}/v1/score`, tx(`o-${Date.now()}`))).status === 200;
    });
    console.info(`scoring resumed ${took} ms after Redis was back`);
    expect(((await (await fetch(`${a!.url}/health`)).json()) as { status: string }).status).toBe('ok');
  });

  it('a drift baseline reset through one replica is in force on the other', async () => {
    const [a, b] = await replicas(2);
    expect((await post(`${a!.url}/drift/set-baseline`, { reset: true, changed_by: 'risk-team' })).status).toBe(200);
    await waitFor(
      'the baseline on replica 2',
      async () =>
        ((await (await get(`${b!.url}/v1/drift/baseline`)).json()) as { setBy: string }).setBy === 'risk-team',
      1_000,
    );
  });
});
