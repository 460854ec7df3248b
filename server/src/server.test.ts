// The server over real HTTP on loopback: start on port 0 with a generated key, the demo stream, graceful shutdown.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage, type ScoredTransaction } from '@fraudscore/edge';
import { loadConfig, type Env } from './config.js';
import { DEMO_ANALYST } from './demo.js';
import { createLogger } from './log.js';
import { startServer, type HostStorage, type RunningServer, type StartOptions } from './server.js';

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(env: Env, options: StartOptions = {}): Promise<RunningServer> {
  const config = await loadConfig({ PORT: '0', DEMO: 'off', ...env });
  const server = await startServer(config, options);
  running.push(server);
  return server;
}

/** Polls until the condition holds; fails after the deadline. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tx = (id: string) => ({
  id,
  customerId: 'c-1',
  terminalId: 't-1',
  amount: 42.5,
  timestamp: new Date().toISOString(),
});
const post = (url: string, body: unknown, key?: string): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });

describe('server', () => {
  it('starts on a free port with a generated admin key', async () => {
    const lines: string[] = [];
    const server = await start({}, { logger: createLogger('debug', (l) => lines.push(l)) });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const key = server.generatedKey!;
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);

    const scored = await post(`${server.url}/v1/score`, tx('tx-1'), key);
    expect(scored.status).toBe(200);
    const body = (await scored.json()) as { probability: number; modelVersion: string };
    expect(body.probability).toBeGreaterThanOrEqual(0);
    expect(body.modelVersion).toBe(server.scorer.model.version);

    const anonymous = await post(`${server.url}/v1/score`, tx('tx-2'));
    expect(anonymous.status).toBe(401);
    const wrongKey = await post(`${server.url}/v1/score`, tx('tx-3'), 'x'.repeat(43));
    expect(wrongKey.status).toBe(401);

    // One JSON object per line, and neither the key nor customer / terminal ids in any of them.
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect(line).not.toContain(key);
      expect(line).not.toContain('c-1');
      expect(line).not.toContain('t-1');
    }
    const listening = lines
      .map((l) => JSON.parse(l) as { event: string; storage?: string })
      .find((l) => l.event === 'server.listening');
    expect(listening?.storage).toBe('pglite');
  });

  it('serves the bundle publicly, metrics, drift, explanations and the threshold audit', async () => {
    const server = await start({});
    const key = server.generatedKey!;
    const auth = { authorization: `Bearer ${key}` };
    const file = await fetch(`${server.url}/v1/models/${server.scorer.model.version}/bundle/trees.json`);
    expect(file.status).toBe(200);
    expect(file.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    await file.arrayBuffer();
    expect((await post(`${server.url}/v1/score`, tx('s-1'), key)).status).toBe(200);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/predictions_total\{/);
    const drift = await (await fetch(`${server.url}/v1/drift?window=1h`, { headers: auth })).json();
    expect(drift.rows).toBe(1);
    const explanation = await (
      await fetch(`${server.url}/v1/transactions/s-1/explanation?lang=kk`, { headers: auth })
    ).json();
    expect(explanation).toMatchObject({ lang: 'kk', source: 'template' });
    expect((await post(`${server.url}/threshold`, { threshold: 0.5, changed_by: 'ops' }, key)).status).toBe(200);
    expect((await (await fetch(`${server.url}/threshold`, { headers: auth })).json()).threshold).toBe(0.5);
  });

  it('keeps transactions, labels and drift history in DATA_DIR and restores the feature state after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudscore-data-'));
    try {
      const env = { DATA_DIR: dir };
      const first = await start(env);
      const key1 = first.generatedKey!;
      const day = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
      for (const [i, h] of [30, 20, 10].entries()) {
        expect(
          (
            await post(
              `${first.url}/v1/score`,
              { ...tx(`r-${i}`), customerId: 'c-9', amount: 10 * (i + 1), timestamp: day(h) },
              key1,
            )
          ).status,
        ).toBe(200);
      }
      expect(
        (await post(`${first.url}/v1/transactions/r-1/label`, { label: 'legitimate', analyst: 'ana' }, key1)).status,
      ).toBe(200);
      const before = (await (
        await post(`${first.url}/v1/score`, { ...tx('probe-1'), customerId: 'c-9' }, key1)
      ).json()) as ScoredTransaction;
      // The default DRIFT_WINDOW (1d): the transactions 20 h and 10 h ago and the probe.
      expect((await first.drift.runOnce()).rows).toBe(3);
      // Too few transactions to make the last day the baseline; a reset is recorded though.
      expect((await post(`${first.url}/drift/set-baseline`, { window: '1d' }, key1)).status).toBe(422);
      expect((await post(`${first.url}/drift/set-baseline`, { reset: true, changed_by: 'ops' }, key1)).status).toBe(
        200,
      );
      expect(before.features['CUSTOMER_ID_NB_TX_7DAY_WINDOW']).toBe(4);
      await first.close();

      const second = await start(env);
      const key2 = second.generatedKey!;
      // The generated key is kept in DATA_DIR/api-key (owner only), so the key printed before still works.
      expect(key2).toBe(key1);
      expect(second.keyFile).toBe(join(dir, 'api-key'));
      expect(statSync(join(dir, 'api-key')).mode & 0o777).toBe(0o600);
      const after = (await (
        await post(`${second.url}/v1/score`, { ...tx('probe-2'), customerId: 'c-9' }, key2)
      ).json()) as ScoredTransaction;
      // The probe of the first run is history now too: one more in the customer's windows, the rest equal.
      expect(after.features['CUSTOMER_ID_NB_TX_7DAY_WINDOW']).toBe(5);
      expect(after.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(
        (before.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW'] as number) + 1,
      );
      const stored = (await (
        await fetch(`${second.url}/v1/transactions/r-1`, { headers: { authorization: `Bearer ${key2}` } })
      ).json()) as ScoredTransaction;
      expect(stored.label?.label).toBe('legitimate');
      const history = (await (
        await fetch(`${second.url}/v1/drift/history`, { headers: { authorization: `Bearer ${key2}` } })
      ).json()) as { snapshots: unknown[] };
      expect(history.snapshots).toHaveLength(1);
      const baseline = (await (
        await fetch(`${second.url}/v1/drift/baseline`, { headers: { authorization: `Bearer ${key2}` } })
      ).json()) as { source: string; setBy: string };
      expect(baseline).toMatchObject({ source: 'bundle', setBy: 'ops' });
      const metrics = await (await fetch(`${second.url}/metrics`)).text();
      expect(metrics).toMatch(/^score_drift_score /m);
      expect(metrics).toMatch(/^model_accuracy_daily 1$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses configured keys and does not generate one', async () => {
    const key = 's'.repeat(24);
    const server = await start({ API_KEYS: `${key}:score` });
    expect(server.generatedKey).toBeUndefined();
    expect((await post(`${server.url}/v1/score`, tx('tx-1'), key)).status).toBe(200);
    // score does not grant analyst routes.
    expect((await fetch(`${server.url}/v1/alerts`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(403);
  });

  it('streams demo transactions through the in-process stream, scores them and labels some later', async () => {
    const server = await start(
      { DEMO: 'on', DEMO_RATE: '200' },
      { demo: { tickMs: 20, labelDelayMs: 50, legitimateLabelShare: 0.5, seed: 7 } },
    );
    const demo = server.demo!;
    const key = server.generatedKey!;
    await waitFor(
      'the demo to score and label transactions',
      () => demo.stats.scored >= 100 && demo.stats.labelled >= 10,
    );
    expect(demo.stats.errors).toBe(0);

    const page = (await (
      await fetch(`${server.url}/v1/transactions?limit=500`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { items: ScoredTransaction[] };
    expect(page.items.length).toBeGreaterThanOrEqual(100);
    expect(page.items.every((t) => t.id.startsWith('demo-'))).toBe(true);
    // Through the in-process stream (transactions_raw → the processor), explained in full (STREAM_EXPLAIN=all).
    expect(server.kafka.mode).toBe('memory');
    expect(server.kafka.processor.stats.scored).toBeGreaterThanOrEqual(100);
    expect(page.items.every((t) => t.shap !== null)).toBe(true);
    const labelled = page.items.filter((t) => t.label !== null);
    expect(labelled.length).toBeGreaterThan(0);
    expect(labelled.every((t) => t.label?.analyst === DEMO_ANALYST)).toBe(true);
    // Timestamps are re-based to now.
    for (const t of page.items) expect(Math.abs(t.transaction.timestamp - Date.now())).toBeLessThan(60_000);

    await demo.stop();
    const after = demo.stats.scored;
    await new Promise((r) => setTimeout(r, 100));
    expect(demo.stats.scored).toBe(after);
  });

  it('drains an in-flight request on close, then refuses connections', async () => {
    // A storage whose save waits for the test: the request stays in flight until released.
    const memory = new MemoryStorage();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let closed = false;
    const storage: HostStorage = {
      kind: 'test',
      storage: Object.assign(Object.create(memory) as MemoryStorage, {
        saveMany: async (records: readonly ScoredTransaction[]) => {
          await gate;
          return memory.saveMany(records);
        },
      }),
      close: async () => {
        closed = true;
      },
    };
    const server = await start({ SHUTDOWN_TIMEOUT_MS: '20000' }, { storage });
    const key = server.generatedKey!;
    const inFlight = post(`${server.url}/v1/score`, tx('slow-1'), key);
    await waitFor('the request to be in flight', () => server.inFlight() === 1);

    const closing = server.close();
    // The listener is closed at once: new connections are refused while the old request is still running.
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    expect(closed).toBe(false);

    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: string }).id).toBe('slow-1');
    await closing;
    expect(closed).toBe(true);
    expect(await memory.get('slow-1')).toBeDefined();
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('closes lingering connections at the shutdown deadline', async () => {
    const memory = new MemoryStorage();
    const storage: HostStorage = {
      kind: 'test',
      storage: Object.assign(Object.create(memory) as MemoryStorage, { saveMany: () => new Promise<never>(() => {}) }),
      close: async () => {},
    };
    const server = await start({ SHUTDOWN_TIMEOUT_MS: '100' }, { storage });
    const stuck = post(`${server.url}/v1/score`, tx('stuck-1'), server.generatedKey);
    await waitFor('the request to be in flight', () => server.inFlight() === 1);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(stuck).rejects.toThrow();
  });
});
