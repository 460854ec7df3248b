// The shared feature history against a real redis-server: the conformance stream's features equal
// models/conformance/default/features.json with the memory store's tolerances (and the memory store's own rows,
// bit for bit), whatever the batching; idempotency by id; labels; removal; retention; the layout check.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  compileSpec,
  computeFeaturesSync,
  MemoryHistoryStore,
  normalizeTransaction,
  type CompiledSpec,
  type NormalizedTransaction,
} from '@fraudscore/sdk';
import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { RedisConnection } from './connection.js';
import { RedisHistory } from './history.js';
import { readBundleJson, readConformanceJson } from '../../../test/fixtures.js';

const spec: CompiledSpec = compileSpec(readBundleJson('features.json'));
interface Vectors {
  features: string[];
  transactions: (Record<string, unknown> & { timestampMs: number })[];
  expected: (number | null)[][];
}
const vectors = readConformanceJson('features.json') as Vectors;
const DAY = 86_400_000;

/** The conformance tolerance (as sdk/src/features/compute.test.ts): counts and flags exact, others 1e-9 relative. */
function expectConformant(got: Float64Array, expected: readonly (number | null)[], row: number): void {
  for (const [j, feature] of spec.features.entries()) {
    const want = expected[j] ?? NaN;
    const value = got[j]!;
    if (Number.isNaN(want) || feature.type === 'count' || feature.type === 'flag') {
      expect(value, `row ${row} ${feature.name}`).toBe(want);
      continue;
    }
    const error = want === 0 ? Math.abs(value) : Math.abs(value - want) / Math.abs(want);
    expect(error, `row ${row} ${feature.name}: ${value} vs ${want}`).toBeLessThanOrEqual(1e-9);
  }
}

let redis: TestRedis;
let connection: RedisConnection;
let prefix = 0;
let history: RedisHistory;
let now = 0;

beforeAll(async () => {
  redis = await startRedis();
  connection = new RedisConnection({ url: redis.url });
  await connection.connect();
}, 30_000);

afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

beforeEach(() => {
  now = 0;
  history = new RedisHistory(connection, spec, { prefix: `test${prefix++}:`, clock: () => now });
});

const tx = (
  id: string,
  timestamp: number,
  customerId = 'c1',
  terminalId = 't',
  amount = 10,
): NormalizedTransaction => ({
  id,
  customerId,
  terminalId,
  amount,
  timestamp,
  label: null,
});

describe('RedisHistory conformance', () => {
  it('replays the conformance stream in batches of 1, 7 and 64 and reproduces every row, bit for bit as memory', async () => {
    expect(spec.names).toEqual(vectors.features);
    const memory = new MemoryHistoryStore(spec, { clock: () => 0 });
    const rows = vectors.transactions.map((raw) => normalizeTransaction(raw, spec));
    const memoryRows = rows.map((t) => {
      const row = computeFeaturesSync(spec, t, memory);
      memory.add(t);
      return row;
    });
    // Batch sizes change where one script call ends: every size must give the same rows.
    const sizes = [1, 7, 64];
    let i = 0;
    let batches = 0;
    while (i < rows.length) {
      const batch = rows.slice(i, i + sizes[batches % sizes.length]!);
      now = batch.at(-1)!.timestamp;
      const { view, added } = await history.open(batch);
      expect(added).toEqual(batch.map((t) => t.id));
      for (const [k, t] of batch.entries()) {
        const got = computeFeaturesSync(spec, t, view);
        expectConformant(got, vectors.expected[i + k]!, i + k);
        expect(Array.from(got), `row ${i + k}`).toEqual(Array.from(memoryRows[i + k]!));
        expect(view.add(t)).toBe(true);
      }
      i += batch.length;
      batches++;
    }
    // Pruning ran now and then on the stream's clock, as memory's does; after one more at the end both hold the same.
    memory.prune(now);
    await history.prune(now);
    expect(await history.size()).toBe(memory.size);
    console.info(`redis conformance: ${rows.length} rows in ${batches} script calls, equal to memory`);
  });

  it('concurrent batches of one process share one script call and still see each other in order', async () => {
    const rows = vectors.transactions.slice(0, 400).map((raw) => normalizeTransaction(raw, spec));
    const memory = new MemoryHistoryStore(spec, { clock: () => 0 });
    const expected = rows.map((t) => {
      const row = computeFeaturesSync(spec, t, memory);
      memory.add(t);
      return Array.from(row);
    });
    // Ten callers at once: the first runs alone, the other nine are merged into the next script call.
    const chunks = Array.from({ length: 10 }, (_, c) => rows.slice(c * 40, c * 40 + 40));
    const opened = await Promise.all(chunks.map((chunk) => history.open(chunk)));
    chunks.forEach((chunk, c) => {
      for (const [k, t] of chunk.entries()) {
        expect(Array.from(computeFeaturesSync(spec, t, opened[c]!.view)), `row ${c * 40 + k}`).toEqual(
          expected[c * 40 + k],
        );
        opened[c]!.view.add(t);
      }
    });
  });
});

describe('RedisHistory', () => {
  it('is idempotent by id: a redelivered batch adds nothing and is scored as the first time', async () => {
    const batch = [tx('a', DAY), tx('b', DAY + 1), tx('c', DAY + 2)];
    const first = await history.open(batch);
    const rows = batch.map((t) => {
      const row = Array.from(computeFeaturesSync(spec, t, first.view));
      first.view.add(t);
      return row;
    });
    const again = await history.open(batch);
    expect(again.added).toEqual([]);
    for (const [k, t] of batch.entries()) {
      expect(Array.from(computeFeaturesSync(spec, t, again.view))).toEqual(rows[k]);
      expect(again.view.add(t)).toBe(false);
    }
    expect(await history.size()).toBe(3);
    expect(await history.add(tx('a', DAY))).toBe(false);
  });

  it('holds an id stored with other content (as memory does); replace brings it to what storage keeps', async () => {
    await history.open([tx('a', DAY, 'c1')]);
    // Other customer and terminal: the stored content is outside every range this batch reads.
    const other = await history.open([tx('a', 2 * DAY, 'c2', 't2')]);
    expect(other).toMatchObject({ added: [], held: ['a'] });
    expect((await history.get('a'))?.customerId).toBe('c1');
    expect(await history.query('customerId', 'c2', 0, 10 * DAY)).toEqual([]);
    // Scoring it records nothing, in Redis or in the batch's snapshot (the next transaction does not count it).
    expect(other.view.add(tx('a', 2 * DAY, 'c2', 't2'))).toBe(false);
    const slice = other.view.select('customerId', 'c2', 0, 10 * DAY);
    expect(slice.end - slice.start).toBe(0);
    // Storage kept the second content: the history follows it, once.
    await history.replace({ ...tx('a', 2 * DAY, 'c2'), label: 1 });
    expect(await history.get('a')).toMatchObject({ customerId: 'c2', label: 1 });
    expect(await history.query('customerId', 'c1', 0, 10 * DAY)).toEqual([]);
    await history.replace({ ...tx('a', 2 * DAY, 'c2'), label: 1 });
    expect((await history.query('customerId', 'c2', 0, 10 * DAY)).map((e) => e.id)).toEqual(['a']);
    expect(await history.size()).toBe(1);
  });

  it('removes what a failed batch added, only while the history holds that content', async () => {
    const mine = tx('a', DAY, 'c1');
    await history.open([mine]);
    // Another content under the id (replaced by a request that stored it first) is not this batch's to remove.
    await history.remove([tx('a', DAY, 'c9'), tx('never-stored', DAY)]);
    expect((await history.get('a'))?.customerId).toBe('c1');
    await history.remove([mine]);
    expect(await history.get('a')).toBeUndefined();
    expect(await history.query('customerId', 'c1', 0, 10 * DAY)).toEqual([]);
    expect(await history.query('terminalId', 't', 0, 10 * DAY)).toEqual([]);
  });

  it('sets labels once for every timeline; a label set twice is one label; unknown ids are refused', async () => {
    await history.addMany([tx('a', DAY), tx('b', DAY + 1)]);
    expect(await history.setLabel('a', 1)).toBe(true);
    expect(await history.setLabel('a', 1)).toBe(true);
    expect(await history.setLabel('nope', 1)).toBe(false);
    const byTerminal = await history.query('terminalId', 't', 0, 10 * DAY);
    expect(byTerminal.map((e) => [e.id, e.label])).toEqual([
      ['a', 1],
      ['b', null],
    ]);
    expect(await history.setLabel('a', null)).toBe(true);
    expect((await history.get('a'))?.label).toBeNull();
  });

  it('keeps ties in arrival order, late arrivals after every entry with their timestamp', async () => {
    await history.addMany([tx('x', DAY), tx('y', 3 * DAY), tx('z', DAY), tx('w', 2 * DAY)]);
    const ids = (await history.query('customerId', 'c1', 0, 10 * DAY)).map((e) => e.id);
    const memory = new MemoryHistoryStore(spec, { clock: () => 0 });
    for (const t of [tx('x', DAY), tx('y', 3 * DAY), tx('z', DAY), tx('w', 2 * DAY)]) memory.add(t);
    expect(ids).toEqual(memory.query('customerId', 'c1', 0, 10 * DAY).map((e) => e.id));
    expect(ids).toEqual(['x', 'z', 'w', 'y']);
  });

  it('prunes entries older than the retention from every index', async () => {
    await history.addMany([tx('old', DAY, 'c1', 't1'), tx('new', 60 * DAY, 'c1', 't1')]);
    expect(history.retentionMs).toBe(spec.lookBackMs + DAY);
    expect(await history.prune(60 * DAY)).toBe(1);
    expect(await history.size()).toBe(1);
    expect((await history.query('terminalId', 't1', 0, 100 * DAY)).map((e) => e.id)).toEqual(['new']);
  });

  it('refuses a history written for another feature spec', async () => {
    await history.checkLayout();
    const other = compileSpec({
      ...(spec.json as Record<string, unknown>),
      fields: { ...(spec.json['fields'] as object), channel: { type: 'string' } },
    });
    const mismatched = new RedisHistory(connection, other, { prefix: `test${prefix - 1}:` });
    await expect(mismatched.open([tx('a', DAY)])).rejects.toThrow(/written for another feature spec/);
  });
});
