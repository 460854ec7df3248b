// Property-based fuzzing of every HTTP entry point a transaction comes through (POST /v1/score, /v1/score/batch,
// /predict, KServe V2 infer) with app.request(), on the memory store and on the embedded PostgreSQL (PGlite, which
// refuses NUL and lone surrogates outright: where the 500s came from). Seeded and bounded. Properties:
// - never a 5xx (and nothing logged as unexpected);
// - every refusal names the field (`error.field`; KServe: the message starts with it);
// - refused input changes nothing: the feature history, the number of stored records and the stored records of
//   every id involved are as before;
// - what is accepted and stored has finite features and meets the contract (amount ceiling, timestamp window, ids);
// - idempotency: a 200 is what is stored for that id; a conflict names the id.
import {
  createEdge,
  memoryHistory,
  MemoryStorage,
  type EdgeApp,
  type ScoredTransaction,
  type Storage,
} from '@fraudscore/edge';
import {
  amountProblem,
  createScorer,
  directorySource,
  idProblem,
  MemoryHistoryStore,
  timestampProblem,
  DEFAULT_TIME_WINDOW,
} from '@fraudscore/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyBytes, contentType, defaultPools, hostileValue, mixedTransaction } from '../test-support/hostile.js';
import { DEFAULT_BUNDLE } from './config.js';
import { openStorage, type OpenedStorage } from './storage/index.js';

const NOW = Date.parse('2026-03-20T12:00:00Z');
const clock = (): number => NOW;
const SEED = 160_016;
const RUNS = { memory: 1200, pglite: 600 };
const pools = defaultPools(NOW);
const poolIds = [...pools.ids.map(String), ...[0, 1, 2].map((k) => `${pools.ids[0]}-same-${k}`), '9000017'];

type Route = '/v1/score' | '/v1/score/batch' | '/predict' | 'infer';
const ROUTES: readonly Route[] = ['/v1/score', '/v1/score/batch', '/predict', 'infer'];

/** A request: the route, the JSON document (before corruption), its bytes and Content-Type. */
const request = fc.constantFrom(...ROUTES).chain((route) => {
  const one = mixedTransaction(pools);
  // Batches mostly valid: one invalid item refuses a whole batch, and accepted ones are where per-item conflicts show.
  const many = fc.array(mixedTransaction(pools, 8, 1), { minLength: 1, maxLength: 6 });
  const document: fc.Arbitrary<unknown> =
    route === '/v1/score' || route === '/predict'
      ? fc.oneof({ arbitrary: one, weight: 9 }, { arbitrary: hostileValue, weight: 1 })
      : route === '/v1/score/batch'
        ? fc.oneof(
            { arbitrary: many.map((transactions) => ({ transactions })), weight: 9 },
            { arbitrary: fc.record({ transactions: hostileValue }), weight: 1 },
          )
        : fc.tuple(many, fc.boolean()).map(([transactions, asText]) => ({
            inputs: [
              {
                name: 'transactions',
                datatype: 'BYTES',
                shape: [transactions.length],
                data: transactions.map((t) => (asText ? JSON.stringify(t) : t)),
              },
            ],
          }));
  return fc.record({ route: fc.constant(route), body: bodyBytes(document), contentType });
});

interface Backend {
  name: 'memory' | 'pglite';
  edge: EdgeApp;
  history: MemoryHistoryStore;
  count(): Promise<number>;
  unexpected: string[];
  close(): Promise<void>;
}

async function backend(name: 'memory' | 'pglite'): Promise<Backend> {
  const scorer = await createScorer({
    bundle: directorySource(DEFAULT_BUNDLE),
    backend: 'js',
    history: (spec) => new MemoryHistoryStore(spec, { clock }),
    cache: false,
    clock,
    onWarning: () => {},
  });
  const history = scorer.history as MemoryHistoryStore;
  let opened: OpenedStorage | undefined;
  let storage: Storage;
  let count: () => Promise<number>;
  if (name === 'pglite') {
    opened = await openStorage();
    storage = opened;
    count = async () =>
      Number((await opened!.db.query<{ n: number }>('SELECT count(*)::int AS n FROM scored_transactions')).rows[0]!.n);
  } else {
    const memory = new MemoryStorage();
    let created = 0;
    storage = Object.assign(Object.create(memory) as MemoryStorage, {
      saveMany: async (records: readonly ScoredTransaction[]) => {
        const saved = await memory.saveMany(records);
        created += saved.filter((r) => r.created).length;
        return saved;
      },
    });
    count = async () => created;
  }
  const unexpected: string[] = [];
  const edge = createEdge({
    model: scorer,
    history: memoryHistory(history),
    storage,
    clock,
    logger: { warn: () => {}, error: (event, fields) => void unexpected.push(`${event} ${JSON.stringify(fields)}`) },
  });
  return { name, edge, history, count, unexpected, close: async () => opened?.close() };
}

/** What a refusal must leave as it was. */
async function snapshot(
  b: Backend,
): Promise<{ history: number; stored: number; records: (ScoredTransaction | undefined)[] }> {
  return { history: b.history.size, stored: await b.count(), records: await b.edge.storage.getMany(poolIds) };
}

function expectFiniteRecord(record: ScoredTransaction): void {
  for (const [name, value] of Object.entries(record.features))
    expect(value === null || Number.isFinite(value), name).toBe(true);
  expect(record.probability).toBeGreaterThanOrEqual(0);
  expect(record.probability).toBeLessThanOrEqual(1);
  expect(amountProblem(record.transaction.amount)).toBeUndefined();
  expect(timestampProblem(record.transaction.timestamp, DEFAULT_TIME_WINDOW, NOW)).toBeUndefined();
  for (const field of ['id', 'customerId', 'terminalId'] as const)
    expect(idProblem(record.transaction[field])).toBeUndefined();
}

for (const name of ['memory', 'pglite'] as const) {
  describe(`hostile input through every HTTP entry point (${name} store)`, () => {
    let b: Backend;
    beforeAll(async () => {
      b = await backend(name);
    }, 60_000);
    afterAll(() => b?.close());

    it(`${RUNS[name]} seeded requests: no 5xx, refusals name the field and change nothing, stored state stays finite`, async () => {
      const statuses = new Map<string, number>();
      let runs = 0;
      let conflictsInBatches = 0;
      const model = b.edge.service.currentModel().model.name;
      await fc.assert(
        fc.asyncProperty(request, async ({ route, body, contentType: type }) => {
          runs += 1;
          const before = await snapshot(b);
          const path = route === 'infer' ? `/v2/models/${model}/infer` : route;
          const res = await b.edge.app.request(path, {
            method: 'POST',
            headers: type === undefined ? {} : { 'content-type': type },
            body: body.bytes,
          });
          const text = await res.text();
          statuses.set(`${route} ${res.status}`, (statuses.get(`${route} ${res.status}`) ?? 0) + 1);
          expect(res.status, text).toBeLessThan(500);
          const json = JSON.parse(text) as Record<string, unknown>;
          if (res.status >= 400) {
            if (route === 'infer')
              expect(json['error']).toMatch(/^(transactions|inputs|outputs|parameters|id|body|content-type)\b/);
            else expect((json['error'] as { field?: string }).field, text).toMatch(/^\S+$/);
            if (res.status === 409 && route !== 'infer')
              expect((json['error'] as { id?: string }).id).toEqual(expect.any(String));
            expect(await snapshot(b)).toEqual(before);
            return;
          }
          expect(body.corrupted && body.bytes.length > 0 ? 'accepted corrupted bytes' : 'ok').toBe('ok');
          if (route === '/v1/score') {
            const record = json as unknown as ScoredTransaction;
            expectFiniteRecord(record);
            expect(await b.edge.storage.get(record.id)).toEqual(record);
          } else if (route === '/v1/score/batch') {
            const results = json['results'] as (
              ScoredTransaction | { id?: string; error: { code: string; field: string; id: string } }
            )[];
            for (const [i, item] of results.entries()) {
              if ('error' in item) {
                expect(item.error).toMatchObject({ code: 'conflict', field: `transactions[${i}].id`, id: item.id });
                conflictsInBatches += 1;
              } else expectFiniteRecord(item);
            }
          }
        }),
        { seed: SEED, numRuns: RUNS[name], interruptAfterTimeLimit: 150_000, markInterruptAsFailure: false },
      );
      // Everything stored is finite and within the contract, and nothing was logged as unexpected.
      for (const record of (await b.edge.storage.list({ limit: 100_000 })).items) expectFiniteRecord(record);
      expect(b.unexpected).toEqual([]);
      const summary = Object.fromEntries([...statuses].sort());
      console.log(
        `property runs (${name} store): ${runs} requests, ${conflictsInBatches} per-item conflicts in batches; ${JSON.stringify(summary)}`,
      );
      expect(conflictsInBatches).toBeGreaterThan(0);
      expect(runs).toBeGreaterThanOrEqual(Math.min(RUNS[name], 100));
      // The runs covered acceptance, refusals of every kind and conflicts on each route.
      for (const status of [
        '/v1/score 200',
        '/v1/score 422',
        '/v1/score 409',
        '/v1/score 415',
        '/v1/score 400',
        '/v1/score/batch 200',
        '/v1/score/batch 422',
        '/predict 200',
        '/predict 409',
        'infer 200',
        'infer 400',
        'infer 409',
      ]) {
        expect(summary[status], status).toBeGreaterThan(0);
      }
    }, 240_000);
  });
}
