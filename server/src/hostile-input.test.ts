// Issue 16, "Why", on the server as a new user runs it: the embedded PostgreSQL (PGlite), real HTTP on loopback, the
// in-process stream. A NUL or a lone surrogate used to reach PostgreSQL (which refuses them): a 500 over HTTP, and a
// stream that aborted and retried the same batch forever, with nothing in the DLQ, nothing logged and /health ok.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ScoredTransaction, Storage } from '@fraudscore/edge';
import { loadConfig, type Env } from './config.js';
import { createLogger } from './log.js';
import { openStorage } from './storage/index.js';
import { startServer, type RunningServer, type StartOptions } from './server.js';
import { rawMessage, TOPICS, type DlqMessage, type ScoredMessage } from './kafka/messages.js';

const KEY = 'hostile-admin-key-0123456789';
const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(env: Env = {}, options: StartOptions = {}): Promise<{ server: RunningServer; lines: string[] }> {
  const lines: string[] = [];
  const config = await loadConfig({ PORT: '0', DEMO: 'off', API_KEYS: `${KEY}:admin`, ...env });
  const server = await startServer(config, {
    logger: createLogger('info', (line) => lines.push(line)),
    dashboardDir: false,
    ...options,
  });
  running.push(server);
  return { server, lines };
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tx = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  customerId: 'c-1',
  terminalId: 't-1',
  amount: 42.5,
  timestamp: new Date().toISOString(),
  ...overrides,
});
const post = (url: string, body: unknown): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify(body),
  });
const events = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('HTTP and the stream on one server (embedded PostgreSQL, in-process log)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = (await start()).server;
    running.splice(running.indexOf(server), 1); // kept for the whole group
  }, 60_000);
  afterAll(() => server?.close());

  it.each([
    ['a NUL in id', tx('kn-1\u0000', { customerId: 'c-a' }), 'id', 'c-a'],
    ['a NUL in customerId', tx('kn-2', { customerId: 'c\u0000' }), 'customerId', 'c'],
    ['a lone surrogate in id', tx('bad-\ud800', { customerId: 'c-b' }), 'id', 'c-b'],
    ['a lone surrogate in terminalId', tx('kn-3', { customerId: 'c-c', terminalId: '\udc00t' }), 'terminalId', 'c-c'],
  ])('HTTP: %s is 422 naming the field, not a 500', async (_what, body, field, customerId) => {
    const res = await post(`${server.url}/v1/score`, body);
    expect(res.status).toBe(422);
    expect((await res.json()).error).toMatchObject({ code: 'validation_error', field });
    // Nothing stored or learned: the next payment of the customer sees an empty history.
    const probe = await (await post(`${server.url}/v1/score`, tx(`probe-${customerId}`, { customerId }))).json();
    expect(probe.features.CUSTOMER_ID_NB_TX_1DAY_WINDOW).toBe(1);
  });

  it("HTTP: a batch with one such item is 422 naming the item's field, not a 500 naming nothing", async () => {
    const res = await post(`${server.url}/v1/score/batch`, {
      transactions: [tx('ok-1'), tx('kn-1\u0000'), tx('ok-2')],
    });
    expect(res.status).toBe(422);
    expect((await res.json()).error).toMatchObject({ code: 'validation_error', field: 'transactions[1].id' });
    expect(
      (await fetch(`${server.url}/v1/transactions/ok-1`, { headers: { authorization: `Bearer ${KEY}` } })).status,
    ).toBe(404);
  });

  it('the stream: a NUL id goes to the DLQ with the field; transactions on every partition are scored; nothing aborted', async () => {
    const memory = server.kafka.memory!;
    const good = Array.from({ length: 40 }, (_, i) => tx(`good-${i}`, { customerId: `c-${i}` }));
    await server.kafka.publisher.send(TOPICS.raw, [
      { key: 'c-poison', value: JSON.stringify(rawMessage(tx('kn-1\u0000', { customerId: 'c-poison' }) as never)) },
      { key: 'c-poison', value: JSON.stringify(rawMessage(tx('bad-\ud800', { customerId: 'c-poison' }) as never)) },
      { key: 'c-hello', value: JSON.stringify({ hello: 'world' }) },
      ...good.map((t) => ({ key: t.customerId, value: JSON.stringify(rawMessage(t)) })),
    ]);
    await waitFor(
      'the good transactions to be scored and the poison dead-lettered',
      () => memory.read(TOPICS.scored).length >= 40 && memory.read(TOPICS.dlq).length >= 3,
      20_000,
    );
    const dlq = memory.read(TOPICS.dlq).map((m) => JSON.parse(m.value!) as DlqMessage);
    expect(dlq.map((d) => [d.reason, d.field]).sort()).toEqual([
      ['schema_violation', 'id'],
      ['schema_violation', 'id'],
      ['schema_violation', 'schemaVersion'],
    ]);
    expect(new Set(memory.read(TOPICS.scored).map((m) => (JSON.parse(m.value!) as ScoredMessage).id))).toEqual(
      new Set(good.map((t) => t.id)),
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^kafka_processor_aborted_batches_total 0$/m);
    expect(metrics).toMatch(/kafka_consumer_lag\{topic="transactions_raw",partition="\d+"\} 0/);
    expect((await (await fetch(`${server.url}/health`)).json()).status).toBe('ok');
  });
});

describe("failures that are not the input's fault (embedded PostgreSQL, a storage that fails on demand)", () => {
  let server: RunningServer;
  let lines: string[];
  let broken = false;
  beforeAll(async () => {
    const opened = await openStorage();
    const failing: Storage = Object.assign(Object.create(opened) as Storage, {
      saveMany: async (records: readonly ScoredTransaction[]) => {
        if (records.some((r) => r.id === 'boom')) throw new Error('disk on fire');
        if (broken) throw new Error('database unavailable');
        return opened.saveMany(records);
      },
    });
    ({ server, lines } = await start(
      {},
      {
        storage: { storage: failing, kind: 'test', close: () => opened.close() },
        stream: { processor: { retryBackoff: { baseMs: 20, maxMs: 200 } } },
      },
    ));
    running.splice(running.indexOf(server), 1); // kept for the whole group
  }, 60_000);
  afterAll(() => server?.close());

  it('HTTP: an unexpected error is logged with a request id, which the 500 carries', async () => {
    const res = await post(`${server.url}/v1/score`, tx('boom'));
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[\w-]{8,}$/);
    expect((await res.json()).error).toMatchObject({ code: 'internal_error', requestId });
    const logged = events(lines).find((e) => e.event === 'http.unexpected_error');
    expect(logged).toMatchObject({
      requestId,
      error: 'Error',
      message: 'disk on fire',
      method: 'POST',
      path: '/v1/score',
    });
    // A failed request teaches the history nothing.
    const probe = await (await post(`${server.url}/v1/score`, tx('probe-2'))).json();
    expect(probe.features.CUSTOMER_ID_NB_TX_1DAY_WINDOW).toBe(1);
  });

  it('the stream: a batch that keeps failing raises a metric and a log line and turns /health degraded, with the reason', async () => {
    broken = true;
    await server.kafka.publisher.send(
      TOPICS.raw,
      [1, 2, 3].map((i) => ({
        key: `c-${i}`,
        value: JSON.stringify(rawMessage(tx(`stuck-${i}`, { customerId: `c-${i}` }))),
      })),
    );
    await waitFor(
      '/health to say degraded',
      async () => (await (await fetch(`${server.url}/health`)).json()).status === 'degraded',
      20_000,
    );
    const health = await (await fetch(`${server.url}/health`)).json();
    expect(health.reasons.join(' ')).toMatch(/stream.*database unavailable/);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/^kafka_processor_consecutive_aborts [3-9]/m);
    expect(events(lines).some((e) => e.event === 'kafka.batch_retrying' && e.message === 'database unavailable')).toBe(
      true,
    );
    expect(events(lines).filter((e) => e.event === 'kafka.stream_degraded')).toHaveLength(1);
    // A systemic failure is not the messages' fault: nothing was dead-lettered, and once it heals all is scored.
    expect(server.kafka.memory!.read(TOPICS.dlq)).toEqual([]);
    broken = false;
    await waitFor('the stream to recover', () => server.kafka.memory!.read(TOPICS.scored).length === 3, 20_000);
    await waitFor(
      '/health to be ok again',
      async () => (await (await fetch(`${server.url}/health`)).json()).status === 'ok',
      10_000,
    );
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/^kafka_processor_consecutive_aborts 0$/m);
    expect(events(lines).some((e) => e.event === 'kafka.stream_recovered')).toBe(true);
  });
});
