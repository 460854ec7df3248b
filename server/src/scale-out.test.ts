// Scale-out against real redis-server, PostgreSQL and Kafka: one replay of simulated transactions, with labels
// arriving later, scored by
//   (a) one server process (the embedded feature history in memory),
//   (b) two HTTP replicas sharing Redis, requests alternating between them,
//   (c) two Kafka processors in one consumer group sharing Redis, one killed with kill -9 mid-stream and restarted,
//   (d) one server with WORKERS=2 (node:cluster), every request on a new connection,
// each with its own PostgreSQL database. Paced (each event answered before the next is sent, as one process would
// see them), every transaction's features and probability equal (a) exactly. The same replay at full load (no pacing)
// is measured: transactions scored in the same instant on two processes may not see each other, so their windows can
// differ; the test reports how many and which features, and checks each mismatch had such a neighbour.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoredTransaction } from '@fraudscore/edge';
import { compileSpec } from '@fraudscore/sdk';
import { simulate } from '@fraudscore/simulator';
import { startKafka, type TestKafka } from '../test-support/kafka.js';
import { startPostgres, type TestPostgres } from '../test-support/postgres.js';
import { startRedis, type TestRedis } from '../test-support/redis.js';
import { ensureTopics, kafkaPublisher, rawMessage, TOPICS } from './kafka/index.js';
import { KafkaProbe } from './kafka/testing.js';
import { openStorage } from './storage/index.js';
import { readBundleJson } from '../../test/fixtures.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** The default bundle's features that read labels as known at scoring time (spec format 2). */
const knownLabelFeatures = (): string[] =>
  (
    readBundleJson('features.json') as {
      features: { name: string; window?: { labels?: string } }[];
    }
  ).features
    .filter((f) => f.window?.labels === 'known')
    .map((f) => f.name);
/** The default bundle's features that read a window (directly or through a ratio or difference): what history changes. */
const windowedFeatures = (): Set<string> => {
  const spec = compileSpec(readBundleJson('features.json'));
  return new Set(spec.features.filter((f, i) => spec.dependsOn[i]!.length > 0).map((f) => f.name));
};
const KEY = 'scale-out-test-key-0123456789';
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------------------------
// The replay: a seeded simulation (few customers and terminals, so windows are full and terminals are shared), its
// timestamps moved to end an hour ago; every fraud labelled two days (stream time) after it happened, and one in ten
// genuine ones after three days; labels are sent at their place in the stream.

interface TxEvent {
  kind: 'tx';
  tx: { id: string; customerId: string; terminalId: string; amount: number; timestamp: string };
}
interface LabelEvent {
  kind: 'label';
  id: string;
  label: 'fraud' | 'legitimate';
  at: string;
}
type ReplayEvent = TxEvent | LabelEvent;

function replay(): { events: ReplayEvent[]; ids: string[] } {
  const simulated = [...simulate({ seed: 15, customers: 60, terminals: 40, days: 21 })].slice(0, 700);
  const start = Date.parse('2026-01-01T00:00:00Z');
  const shift = Date.now() - DAY / 24 - (start + simulated.at(-1)!.TX_TIME_SECONDS * 1000);
  const due: { at: number; event: LabelEvent }[] = [];
  const events: ReplayEvent[] = [];
  const ids: string[] = [];
  for (const s of simulated) {
    const time = start + s.TX_TIME_SECONDS * 1000 + shift;
    while (due.length > 0 && due[0]!.at <= time) events.push(due.shift()!.event);
    const id = `so-${s.TRANSACTION_ID}`;
    ids.push(id);
    events.push({
      kind: 'tx',
      tx: {
        id,
        customerId: `c${s.CUSTOMER_ID}`,
        terminalId: `t${s.TERMINAL_ID}`,
        amount: s.TX_AMOUNT,
        timestamp: new Date(time).toISOString(),
      },
    });
    const delay = s.TX_FRAUD === 1 ? 2 * DAY : s.TRANSACTION_ID % 10 === 0 ? 3 * DAY : undefined;
    if (delay !== undefined && time + delay < Date.now()) {
      const at = time + delay;
      const label = s.TX_FRAUD === 1 ? 'fraud' : 'legitimate';
      due.push({ at, event: { kind: 'label', id, label, at: new Date(at).toISOString() } });
      due.sort((x, y) => x.at - y.at);
    }
  }
  return { events, ids };
}

// ---------------------------------------------------------------------------------------------------------------
// Server processes (node server/dist/main.js), as an operator runs them.

interface Proc {
  child: ChildProcess;
  url: Promise<string>;
  lines: string[];
  env: Record<string, string>;
}

const procs: Proc[] = [];

function startProcess(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      DEMO: 'off',
      API_KEYS: `${KEY}:admin`,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = new Promise<string>((resolve, reject) => {
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const split = text.split('\n');
      partial = split.pop()!;
      for (const line of split) {
        lines.push(line);
        if (line.includes('"server.listening"')) resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${stderr}\n${lines.join('\n')}`)),
    );
  });
  url.catch(() => {});
  const proc = { child, url, lines, env };
  procs.push(proc);
  return proc;
}

async function stopProcess(proc: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** One HTTP call on a new connection (so node:cluster hands it to the next worker). */
function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${url}${path}`,
      {
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${KEY}`,
          connection: 'close',
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function send(url: string, event: ReplayEvent): Promise<void> {
  const { status, text } =
    event.kind === 'tx'
      ? await call(url, 'POST', '/v1/score', event.tx)
      : await call(url, 'POST', `/v1/transactions/${event.id}/label`, {
          label: event.label,
          analyst: 'replay',
          at: event.at,
        });
  if (status !== 200)
    throw new Error(`${event.kind} ${event.kind === 'tx' ? event.tx.id : event.id}: ${status} ${text}`);
}

/** The stored records of the ids, from a scenario's database. */
async function records(databaseUrl: string, ids: readonly string[]): Promise<Map<string, ScoredTransaction>> {
  const storage = await openStorage({ databaseUrl });
  try {
    const found = await storage.getMany(ids);
    return new Map(found.flatMap((r) => (r ? [[r.id, r] as const] : [])));
  } finally {
    await storage.close();
  }
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Comparison {
  scenario: string;
  compared: number;
  missing: number;
  mismatched: number;
  /** feature → transactions where it differs. */
  features: Map<string, number>;
  mismatchedIds: string[];
}

function compare(
  scenario: string,
  reference: Map<string, ScoredTransaction>,
  got: Map<string, ScoredTransaction>,
): Comparison {
  const out: Comparison = { scenario, compared: 0, missing: 0, mismatched: 0, features: new Map(), mismatchedIds: [] };
  for (const [id, want] of reference) {
    const record = got.get(id);
    if (!record) {
      out.missing += 1;
      continue;
    }
    out.compared += 1;
    let differs = record.probability !== want.probability;
    for (const [name, value] of Object.entries(want.features)) {
      if (!Object.is(record.features[name], value)) {
        differs = true;
        out.features.set(name, (out.features.get(name) ?? 0) + 1);
      }
    }
    if (differs) {
      out.mismatched += 1;
      out.mismatchedIds.push(id);
    }
  }
  return out;
}

const row = (c: Comparison): string =>
  `| ${c.scenario} | ${c.compared} | ${c.missing} | ${c.mismatched} (${((100 * c.mismatched) / Math.max(1, c.compared)).toFixed(1)}%) | ${
    [...c.features].map(([f, n]) => `${f} ${n}`).join(', ') || '-'
  } |`;

// ---------------------------------------------------------------------------------------------------------------

let redis: TestRedis;
let postgres: TestPostgres;
let kafka: TestKafka;
const { events, ids } = replay();
const table: Comparison[] = [];
let reference: Map<string, ScoredTransaction>;

beforeAll(async () => {
  [redis, postgres, kafka] = await Promise.all([startRedis(), startPostgres(), startKafka()]);
}, 180_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => stopProcess(p, 'SIGKILL')));
  await Promise.all([redis?.stop(), postgres?.stop(), kafka?.stop()]);
  if (table.length > 0) {
    console.info(
      [
        `scale-out: ${ids.length} transactions, ${events.length - ids.length} labels; every scenario compared with (a)`,
        '| scenario | compared | missing | mismatched | features that differ (transactions) |',
        '|---|---|---|---|---|',
        ...table.map(row),
      ].join('\n'),
    );
  }
}, 60_000);

/** A fresh database and Redis prefix for one scenario. */
async function scenarioEnv(name: string, redisToo = true): Promise<Record<string, string>> {
  return {
    DATABASE_URL: await postgres.createDatabase(`scale_${name}`),
    ...(redisToo ? { REDIS_URL: redis.url, REDIS_PREFIX: `scale-${name}:` } : {}),
  };
}

describe('scale-out: every process scores as one process does', () => {
  it('(a) one process: the reference', async () => {
    const env = await scenarioEnv('a', false);
    const server = startProcess(env);
    const url = await server.url;
    for (const event of events) await send(url, event);
    reference = await records(env.DATABASE_URL!, ids);
    expect(reference.size).toBe(ids.length);
    // The replay exercises the windows: repeat customers and terminals, and terminal risk from delayed labels.
    const values = (name: string) => [...reference.values()].map((r) => r.features[name] as number);
    expect(Math.max(...values('CUSTOMER_ID_NB_TX_7DAY_WINDOW'))).toBeGreaterThan(3);
    expect(Math.max(...values('TERMINAL_ID_NB_TX_30DAY_WINDOW'))).toBeGreaterThan(10);
    expect(values('TERMINAL_ID_RISK_30DAY_WINDOW').some((v) => v > 0)).toBe(true);
    // ... and, where the bundle's spec has them, windows over labels as known at scoring time (the decision times)
    const known = knownLabelFeatures();
    if (known.length > 0) expect(known.some((name) => values(name).some((v) => v > 0))).toBe(true);
    await stopProcess(server);
  }, 300_000);

  it('(b) two HTTP replicas, requests alternating: equal to (a)', async () => {
    const env = await scenarioEnv('b');
    const replicas = [startProcess(env), startProcess(env)];
    const urls = await Promise.all(replicas.map((r) => r.url));
    for (const [i, event] of events.entries()) await send(urls[i % 2]!, event);
    const result = compare('(b) 2 HTTP replicas, paced', reference, await records(env.DATABASE_URL!, ids));
    table.push(result);
    expect(result).toMatchObject({ missing: 0, mismatched: 0, compared: ids.length });
    await Promise.all(replicas.map((r) => stopProcess(r)));
  }, 300_000);

  it('(c) two Kafka processors in one group, one killed (kill -9) and restarted mid-stream: equal to (a)', async () => {
    const env: Record<string, string> = {
      ...(await scenarioEnv('c')),
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_GROUP_ID: 'scale-out-c',
    };
    await ensureTopics({ brokers: kafka.brokers, clientId: 'scale-out' }, 1);
    const processors = [
      startProcess({ ...env, KAFKA_INSTANCE_ID: 'p1' }),
      startProcess({ ...env, KAFKA_INSTANCE_ID: 'p2' }),
    ];
    const urls = await Promise.all(processors.map((p) => p.url));
    const publisher = await kafkaPublisher({ brokers: kafka.brokers, clientId: 'scale-out-publisher' });
    const killAt = Math.floor(events.length * 0.4);
    let restarted: Proc | undefined;
    try {
      for (const [i, event] of events.entries()) {
        if (event.kind === 'label') {
          // Labels through the HTTP API of a processor that is up.
          await send(restarted || i < killAt ? urls[i % 2]! : urls[1]!, event);
          continue;
        }
        await publisher.send(TOPICS.raw, [
          { key: event.tx.customerId, value: JSON.stringify(rawMessage({ ...event.tx })) },
        ]);
        if (i >= killAt && !restarted) {
          // Mid-stream, with this message in flight: processor 1 dies without a goodbye and comes back.
          await stopProcess(processors[0]!, 'SIGKILL');
          restarted = startProcess({ ...env, KAFKA_INSTANCE_ID: 'p1' });
          urls[0] = await restarted.url;
        }
        const id = event.tx.id;
        // Paced: the next event waits until this transaction is stored (by whichever processor had its partition).
        await until(
          `${id} to be scored`,
          async () => (await call(urls[1]!, 'GET', `/v1/transactions/${id}`)).status === 200,
          90_000,
        );
      }
    } finally {
      await publisher.close();
    }
    const result = compare('(c) 2 Kafka processors, one killed', reference, await records(env.DATABASE_URL!, ids));
    table.push(result);
    expect(result).toMatchObject({ missing: 0, mismatched: 0, compared: ids.length });
    await Promise.all([processors[1]!, restarted!].map((p) => stopProcess(p)));
  }, 600_000);

  it('(d) WORKERS=2 (node:cluster), a new connection per request: equal to (a), both workers served', async () => {
    const env: Record<string, string> = { ...(await scenarioEnv('d')), WORKERS: '2', LOG_LEVEL: 'debug' };
    const server = startProcess(env);
    const url = await server.url;
    await until(
      'both workers to listen',
      async () => server.lines.filter((l) => l.includes('"server.listening"')).length === 2,
      60_000,
    );
    for (const event of events) await send(url, event);
    const result = compare('(d) WORKERS=2, paced', reference, await records(env.DATABASE_URL!, ids));
    table.push(result);
    expect(result).toMatchObject({ missing: 0, mismatched: 0, compared: ids.length });
    const served = new Map<number, number>();
    for (const line of server.lines.filter((l) => l.includes('"http.request"'))) {
      const worker = (JSON.parse(line) as { worker: number }).worker;
      served.set(worker, (served.get(worker) ?? 0) + 1);
    }
    expect([...served.keys()].sort()).toEqual([1, 2]);
    expect(Math.min(...served.values())).toBeGreaterThan(events.length / 4);
    // One scrape shows both workers' counters (whichever worker answered it).
    const metrics = (await call(url, 'GET', '/metrics')).text;
    for (const worker of [1, 2]) expect(metrics).toMatch(new RegExp(`^predictions_total\\{worker="${worker}",`, 'm'));
    await stopProcess(server);
  }, 300_000);

  it('WORKERS=2 with KAFKA_BROKERS: both workers run a processor in the one consumer group', async () => {
    const env: Record<string, string> = {
      ...(await scenarioEnv('workers-kafka')),
      WORKERS: '2',
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_GROUP_ID: 'scale-out-workers',
      KAFKA_INSTANCE_ID: 'host-a',
    };
    const server = startProcess(env);
    await server.url;
    const probe = new KafkaProbe({ brokers: kafka.brokers, clientId: 'scale-out-probe' });
    try {
      await until(
        'two members in the group',
        async () => {
          const group = await probe.group('scale-out-workers');
          return group.state.toUpperCase() === 'STABLE' && group.members === 2;
        },
        60_000,
      );
    } finally {
      await probe.close();
    }
    // Each worker started its own processor and, after the last rebalance, holds partitions of its own. A worker's
    // log lines can reach the primary's output after the group is stable (a loaded machine): wait for them.
    const workersLogged = (event: string) =>
      new Set(
        server.lines.flatMap((l) => {
          try {
            const line = JSON.parse(l) as { event?: string; worker?: number };
            return line.event === event ? [line.worker] : [];
          } catch {
            return [];
          }
        }),
      ).size === 2;
    await until(
      'both workers logging kafka.processor_started and kafka.group_joined',
      async () => workersLogged('kafka.processor_started') && workersLogged('kafka.group_joined'),
      30_000,
    );
    const logged = server.lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as { event?: string; worker?: number; partitions?: string }];
      } catch {
        return [];
      }
    });
    const named = (name: string) => logged.filter((l) => l.event === name);
    expect(new Set(named('kafka.processor_started').map((l) => l.worker))).toEqual(new Set([1, 2]));
    const lastJoin = new Map(named('kafka.group_joined').map((l) => [l.worker, l.partitions ?? ''] as const));
    expect([...lastJoin.keys()].sort()).toEqual([1, 2]);
    const held = [...lastJoin.values()].map((p) => p.split(',').filter(Boolean));
    for (const partitions of held) expect(partitions.length).toBeGreaterThan(0);
    expect(new Set(held.flat()).size).toBe(held.flat().length);
    // Transactions on every partition are scored once, by whichever worker holds it.
    const publisher = await kafkaPublisher({ brokers: kafka.brokers, clientId: 'scale-out-workers-pub' });
    const txs = (events.filter((e) => e.kind === 'tx') as TxEvent[])
      .slice(0, 40)
      .map((e) => ({ ...e.tx, id: `wk-${e.tx.id}` }));
    try {
      await publisher.send(
        TOPICS.raw,
        txs.map((tx) => ({ key: tx.customerId, value: JSON.stringify(rawMessage({ ...tx })) })),
      );
    } finally {
      await publisher.close();
    }
    await until(
      'every published transaction to be scored',
      async () =>
        (
          await records(
            env.DATABASE_URL!,
            txs.map((t) => t.id),
          )
        ).size === txs.length,
      60_000,
    );
    await stopProcess(server);
  }, 180_000);

  it('at full load (no pacing), measures what concurrency changes: only windows of transactions scored at once', async () => {
    const env = await scenarioEnv('load');
    const replicas = [startProcess(env), startProcess(env)];
    const urls = await Promise.all(replicas.map((r) => r.url));
    // 16 requests in flight, alternating replicas; labels wait for the transactions before them, as a bank's would.
    // Recorded: which transactions were in flight together with another event on the same customer or terminal.
    const txOf = new Map(events.flatMap((e) => (e.kind === 'tx' ? [[e.tx.id, e.tx] as const] : [])));
    const inFlight = new Map<string, TxEvent['tx']>();
    const overlapped = new Set<string>();
    const touch = (tx: TxEvent['tx']): void => {
      for (const other of inFlight.values()) {
        if (other.customerId === tx.customerId || other.terminalId === tx.terminalId)
          overlapped.add(other.id).add(tx.id);
      }
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < events.length) {
        const i = next++;
        const event = events[i]!;
        if (event.kind === 'tx') {
          touch(event.tx);
          inFlight.set(event.tx.id, event.tx);
          await send(urls[i % 2]!, event);
          inFlight.delete(event.tx.id);
        } else {
          await until(`${event.id} before its label`, async () => !inFlight.has(event.id), 30_000);
          const labelled = txOf.get(event.id)!;
          inFlight.set(`label:${event.id}`, { ...labelled, id: `label:${event.id}` });
          touch(labelled);
          await send(urls[i % 2]!, event);
          inFlight.delete(`label:${event.id}`);
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: 16 }, worker));
    const seconds = (Date.now() - started) / 1000;
    const result = compare(
      `(b) 2 HTTP replicas, 16 concurrent (${Math.round(ids.length / seconds)} tx/s)`,
      reference,
      await records(env.DATABASE_URL!, ids),
    );
    table.push(result);
    expect(result.missing).toBe(0);
    // Every mismatch is a transaction that was in flight together with others.
    expect(result.mismatchedIds.filter((id) => !overlapped.has(id))).toEqual([]);
    // Only windowed features can differ: the transaction's own fields are the same.
    const windowed = windowedFeatures();
    for (const name of result.features.keys()) expect(windowed.has(name), name).toBe(true);
    await Promise.all(replicas.map((r) => stopProcess(r)));
  }, 300_000);
});
