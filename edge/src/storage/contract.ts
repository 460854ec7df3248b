// The storage contract: the behaviour every Storage must have (the memory store, PGlite and PostgreSQL all run it),
// written once. A test module, exported as @fraudscore/edge/storage-contract (vitest is an optional peer
// dependency); the app never imports it. MemoryStorage is the reference the SQL stores are compared with.
import { ALERT_LEVELS, type RiskLevel } from '@fraudscore/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { DriftHistory } from '../drift/history.js';
import { MemoryStorage } from './memory.js';
import type { ListQuery, SaveResult, ScoredTransaction, Storage } from './types.js';

export interface StorageContractBackend<S extends Storage = Storage> {
  /** A store on empty data. */
  fresh(): Promise<S>;
  /** Releases a store after its test. */
  close(store: S): Promise<void>;
  /**
   * Other stores on the same data as `store` (further connections) that run at once, for the concurrent-save test;
   * none where one store is all there is (memory, PGlite).
   */
  others?(store: S): Promise<S[]>;
  /** The store's drift history, where it keeps one. */
  driftHistory?(store: S): DriftHistory;
}

/** A scored transaction with the given id, transaction time, tier and customer (the rest fixed). */
export const scoredRecord = (
  id: string,
  timestamp: number,
  riskLevel: RiskLevel = 'LOW',
  customerId = 'c',
): ScoredTransaction => ({
  id,
  transaction: { id, customerId, terminalId: 't', amount: 1, timestamp },
  probability: 0.1,
  riskLevel,
  shouldBlock: false,
  threshold: 0.4,
  topFactors: [],
  shap: null,
  features: {},
  modelVersion: '1',
  scoredAt: '2026-01-01T00:00:00.000Z',
  deviceScore: null,
  agreement: null,
  label: null,
  acknowledged: null,
});

/** One record through saveMany. */
export const saveOne = async (s: Storage, r: ScoredTransaction): Promise<SaveResult> => (await s.saveMany([r]))[0]!;

const LEVELS: RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** Registers the contract's tests for one backend under `describe(name)`; `backend` is called when tests run. */
export function storageContract<S extends Storage>(name: string, backend: () => StorageContractBackend<S>): void {
  describe(name, () => {
    const opened: S[] = [];
    const track = (store: S): S => {
      opened.push(store);
      return store;
    };
    const fresh = async (): Promise<S> => track(await backend().fresh());
    const others = async (of: S): Promise<S[]> => ((await backend().others?.(of)) ?? []).map(track);
    afterEach(async () => {
      await Promise.all(
        opened.splice(0).map((s) =>
          backend()
            .close(s)
            .catch(() => {}),
        ),
      );
    });

    it('saves idempotently by id and gets what was saved', async () => {
      const s = await fresh();
      expect((await saveOne(s, scoredRecord('a', 1))).created).toBe(true);
      const again = await saveOne(s, { ...scoredRecord('a', 2), probability: 0.9 });
      expect(again).toMatchObject({ created: false, record: { probability: 0.1 } });
      expect(await s.get('a')).toEqual(scoredRecord('a', 1));
      const got = await s.get('a');
      got!.probability = 1;
      expect((await s.get('a'))?.probability).toBe(0.1);
      expect(await s.get('b')).toBeUndefined();
    });

    it('keeps the content fingerprint idempotency compares; a record stored without one reads back without one', async () => {
      const s = await fresh();
      const withPrint = { ...scoredRecord('fp', 1), fingerprint: 'ab'.repeat(32) };
      await saveOne(s, withPrint);
      await saveOne(s, scoredRecord('nofp', 2));
      expect(await s.get('fp')).toEqual(withPrint);
      expect(await s.get('nofp')).toEqual(scoredRecord('nofp', 2));
      expect((await s.list({ limit: 10 })).items.map((r) => r.fingerprint)).toEqual([undefined, 'ab'.repeat(32)]);
    });

    it('saves many in one call: duplicates within the call and ids already stored are not created again', async () => {
      const s = await fresh();
      await saveOne(s, scoredRecord('old', 1));
      const results = await s.saveMany([
        scoredRecord('n1', 2),
        { ...scoredRecord('old', 3), probability: 0.7 },
        scoredRecord('n2', 4),
        { ...scoredRecord('n1', 5), probability: 0.8 },
      ]);
      expect(results.map((r) => [r.record.id, r.created])).toEqual([
        ['n1', true],
        ['old', false],
        ['n2', true],
        ['n1', false],
      ]);
      expect(results[1]!.record).toEqual(scoredRecord('old', 1));
      expect(results[3]!.record).toEqual(scoredRecord('n1', 2));
      expect(await s.getMany(['n2', 'missing', 'old', 'n1'])).toEqual([
        scoredRecord('n2', 4),
        undefined,
        scoredRecord('old', 1),
        scoredRecord('n1', 2),
      ]);
      expect(await s.saveMany([])).toEqual([]);
      expect(await s.getMany([])).toEqual([]);
    });

    it('lists newest first with filters and keyset paging over equal timestamps', async () => {
      const s = await fresh();
      for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries())
        await saveOne(s, scoredRecord(id, i < 3 ? 100 : 200 + i, i % 2 ? 'HIGH' : 'LOW', i < 2 ? 'x' : 'y'));
      const ids = async (q: ListQuery) => (await s.list(q)).items.map((r) => r.id);
      expect(await ids({ limit: 10 })).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect(await ids({ limit: 10, riskLevels: ['HIGH'] })).toEqual(['d', 'b']);
      expect(await ids({ limit: 10, riskLevels: [] })).toHaveLength(5);
      expect(await ids({ limit: 10, customerId: 'x' })).toEqual(['b', 'a']);
      expect(await ids({ limit: 10, from: 100, to: 204 })).toEqual(['d', 'c', 'b', 'a']);
      expect(await ids({ limit: 10, from: 101 })).toEqual(['e', 'd']);
      const p1 = await s.list({ limit: 3 });
      expect(p1.items.map((r) => r.id)).toEqual(['e', 'd', 'c']);
      const p2 = await s.list({ limit: 3, cursor: p1.nextCursor! });
      expect(p2.items.map((r) => r.id)).toEqual(['b', 'a']);
      expect(p2.nextCursor).toBeNull();
      expect((await s.list({ limit: 5 })).nextCursor).toBeNull();
      await expect(s.list({ limit: 3, cursor: 'junk' })).rejects.toThrow(RangeError);
    });

    it('pages through many records with filters exactly as MemoryStorage does: no gaps, no repeats', async () => {
      const s = await fresh();
      const memory = new MemoryStorage();
      const records: ScoredTransaction[] = [];
      for (let i = 0; i < 300; i++) {
        // Few distinct timestamps so many ties are broken by id; ids of mixed length and case.
        const r = scoredRecord(
          `tx-${(i * 7919) % 1000}${i % 3 === 0 ? 'A' : 'b'}`,
          1_700_000_000_000 + (i % 17) * 1000,
          LEVELS[i % 4],
          `cust-${i % 5}`,
        );
        records.push(r);
        await saveOne(memory, r);
      }
      for (let i = 0; i < records.length; i += 50)
        await Promise.all(records.slice(i, i + 50).map((r) => saveOne(s, r)));
      for (const [i, r] of records.entries()) {
        if (i % 3 !== 1) continue;
        const label = {
          label: i % 8 === 1 ? 'fraud' : 'legitimate',
          analyst: 'ana',
          at: '2026-01-02T00:00:00.000Z',
        } as const;
        await s.setLabel(r.id, label);
        await memory.setLabel(r.id, label);
      }
      const queries: Omit<ListQuery, 'limit' | 'cursor'>[] = [
        {},
        { riskLevels: ALERT_LEVELS },
        { customerId: 'cust-3' },
        { from: 1_700_000_003_000, to: 1_700_000_011_000 },
        { riskLevels: ['LOW'], customerId: 'cust-1', from: 1_700_000_002_000 },
        { labelled: true },
        { labelled: false, riskLevels: ['MEDIUM'] },
      ];
      for (const q of queries) {
        for (const limit of [1, 7, 50, 500]) {
          const walk = async (store: {
            list(q: ListQuery): Promise<{ items: ScoredTransaction[]; nextCursor: string | null }>;
          }) => {
            const seen: string[] = [];
            let cursor: string | undefined;
            for (let pages = 0; pages < 400; pages++) {
              const page = await store.list({ ...q, limit, ...(cursor === undefined ? {} : { cursor }) });
              seen.push(...page.items.map((r) => r.id));
              if (page.nextCursor === null) return seen;
              cursor = page.nextCursor;
            }
            throw new Error('paging did not end');
          };
          const got = await walk(s);
          expect(new Set(got).size).toBe(got.length);
          expect(got).toEqual(await walk(memory));
        }
      }
    });

    it('lists alerts (HIGH and CRITICAL) newest first', async () => {
      const s = await fresh();
      for (const [i, level] of LEVELS.entries()) await saveOne(s, scoredRecord(`r${i}`, i, level));
      const page = await s.list({ limit: 10, riskLevels: ALERT_LEVELS });
      expect(page.items.map((r) => [r.id, r.riskLevel])).toEqual([
        ['r3', 'CRITICAL'],
        ['r2', 'HIGH'],
      ]);
    });

    it('sets and replaces labels and keeps the threshold audit in order', async () => {
      const s = await fresh();
      await saveOne(s, scoredRecord('a', 1));
      expect(await s.setLabel('zz', { label: 'fraud', analyst: 'a', at: 'x' })).toBeUndefined();
      const labelled = await s.setLabel('a', { label: 'fraud', analyst: 'ana', at: '2026-01-02T00:00:00.000Z' });
      expect(labelled).toEqual({
        ...scoredRecord('a', 1),
        label: { label: 'fraud', analyst: 'ana', at: '2026-01-02T00:00:00.000Z' },
      });
      await s.setLabel('a', { label: 'legitimate', analyst: 'bo', at: '2026-01-03T00:00:00.000Z' });
      expect((await s.get('a'))?.label).toEqual({ label: 'legitimate', analyst: 'bo', at: '2026-01-03T00:00:00.000Z' });
      expect((await s.list({ limit: 1 })).items[0]?.label?.label).toBe('legitimate');
      // Saving again does not clear the label.
      expect((await saveOne(s, scoredRecord('a', 1))).record.label?.analyst).toBe('bo');
      expect(await s.thresholdChanges()).toEqual([]);
      await s.recordThresholdChange({ from: 0.4, to: 0.5, by: 'admin', at: '2026-01-02T00:00:00.000Z' });
      await s.recordThresholdChange({ from: 0.5, to: 0.1 + 0.2, by: 'root', at: '2026-01-03T00:00:00.000Z' });
      expect(await s.thresholdChanges()).toEqual([
        { from: 0.4, to: 0.5, by: 'admin', at: '2026-01-02T00:00:00.000Z' },
        { from: 0.5, to: 0.1 + 0.2, by: 'root', at: '2026-01-03T00:00:00.000Z' },
      ]);
    });

    it('sets many labels in one call, in order, undefined for unknown ids; an id given twice takes its last', async () => {
      const s = await fresh();
      await s.saveMany([scoredRecord('a', 1), scoredRecord('b', 2), scoredRecord('c', 3)]);
      const at = (day: number) => `2026-01-0${day}T00:00:00.000Z`;
      expect(await s.setLabels([])).toEqual([]);
      const results = await s.setLabels([
        { id: 'b', label: { label: 'fraud', analyst: 'ana', at: at(2) } },
        { id: 'zz', label: { label: 'fraud', analyst: 'ana', at: at(2) } },
        { id: 'a', label: { label: 'legitimate', analyst: 'ana', at: at(2) } },
        { id: 'b', label: { label: 'legitimate', analyst: 'bo', at: at(3) } },
      ]);
      expect(results.map((r) => r && [r.id, r.label])).toEqual([
        ['b', { label: 'legitimate', analyst: 'bo', at: at(3) }],
        undefined,
        ['a', { label: 'legitimate', analyst: 'ana', at: at(2) }],
        ['b', { label: 'legitimate', analyst: 'bo', at: at(3) }],
      ]);
      expect(results[2]).toEqual({
        ...scoredRecord('a', 1),
        label: { label: 'legitimate', analyst: 'ana', at: at(2) },
      });
      expect((await s.getMany(['a', 'b', 'c'])).map((r) => r?.label ?? null)).toEqual([
        { label: 'legitimate', analyst: 'ana', at: at(2) },
        { label: 'legitimate', analyst: 'bo', at: at(3) },
        null,
      ]);
    });

    it('acknowledges alerts independently of labels, for every reader', async () => {
      const s = await fresh();
      await saveOne(s, scoredRecord('a', 1, 'HIGH'));
      expect(await s.acknowledge('zz', { analyst: 'a', at: 'x' })).toBeUndefined();
      const acked = await s.acknowledge('a', { analyst: 'ana', at: '2026-01-02T00:00:00.000Z' });
      expect(acked).toEqual({
        ...scoredRecord('a', 1, 'HIGH'),
        acknowledged: { analyst: 'ana', at: '2026-01-02T00:00:00.000Z' },
      });
      await s.setLabel('a', { label: 'fraud', analyst: 'bo', at: '2026-01-03T00:00:00.000Z' });
      const [got] = await s.getMany(['a']);
      expect(got?.acknowledged).toEqual({ analyst: 'ana', at: '2026-01-02T00:00:00.000Z' });
      expect(got?.label?.analyst).toBe('bo');
      expect((await s.list({ limit: 5, riskLevels: ['HIGH'] })).items[0]?.acknowledged?.analyst).toBe('ana');
      // Saving again (a repeated id) does not clear it.
      expect((await saveOne(s, scoredRecord('a', 1, 'HIGH'))).record.acknowledged?.analyst).toBe('ana');
    });

    it('round-trips doubles and nested data exactly', async () => {
      const s = await fresh();
      const awkward = [
        0.1 + 0.2,
        1 / 3,
        Math.PI,
        5e-324,
        1.7976931348623157e308,
        -2.2250738585072014e-308,
        123456789.12345679,
        1e21,
        2 ** 53 + 2,
        -0.000001234,
      ];
      const r: ScoredTransaction = {
        ...scoredRecord('dbl', 1_700_000_000_123.5),
        transaction: {
          id: 'dbl',
          customerId: 'ü "quoted" \\ 客户',
          terminalId: 't',
          amount: 1234.5600000000002,
          timestamp: 1_700_000_000_123.5,
          extra: { nested: [1, null, 'x'] },
        },
        probability: 0.30000000000000004,
        threshold: 0.1 + 0.7,
        topFactors: [
          {
            feature: 'amount',
            value: 1234.5600000000002,
            contribution: -0.12345678901234568,
            direction: 'decreases_risk',
          },
          { feature: 'gone', value: null, contribution: 2.5e-17, direction: 'increases_risk' },
        ],
        shap: { baseValue: -3.0000000000000004, values: awkward },
        features: { ...Object.fromEntries(awkward.map((v, i) => [`f${i}`, v])), missing: null },
        deviceScore: { probability: 1 / 7, riskLevel: 'MEDIUM' },
        agreement: { sameTier: false, delta: 0.30000000000000004 - 1 / 7 },
      };
      await saveOne(s, r);
      const back = await s.get('dbl');
      expect(back).toEqual(r);
      for (const [i, v] of awkward.entries()) expect(Object.is(back?.shap?.values[i], v)).toBe(true);
      expect((await s.list({ limit: 1, customerId: r.transaction.customerId })).items[0]).toEqual(r);
      const page = await s.list({ limit: 1, from: 1_700_000_000_123.5, to: 1_700_000_000_124 });
      expect(page.items.map((x) => x.id)).toEqual(['dbl']);
    });

    it.runIf(backend().driftHistory !== undefined)(
      'keeps drift snapshots in time order and the latest baseline change',
      async () => {
        const history = backend().driftHistory!(await fresh());
        const baseline = {
          source: 'bundle',
          modelVersion: '1',
          window: null,
          rows: null,
          setBy: null,
          setAt: null,
        } as const;
        const snapshot = (at: string) =>
          ({
            rows: 0,
            features: {},
            score: {
              psi: null,
              wasserstein: null,
              missingShare: 0,
              referenceMissingShare: 0,
              count: 0,
              present: 0,
              level: 'insufficient_data',
            },
            level: 'insufficient_data',
            thresholds: { warn: 0.1, alert: 0.3 },
            distanceThresholds: { warn: 0.15, alert: 0.2 },
            minRows: 1000,
            window: { from: at, to: at },
            computedAt: at,
            baseline,
          }) as const;
        for (const at of ['2026-01-01T06:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T12:00:00.000Z'])
          await history.append(snapshot(at));
        expect((await history.list()).map((x) => x.computedAt)).toEqual([
          '2026-01-01T00:00:00.000Z',
          '2026-01-01T06:00:00.000Z',
          '2026-01-01T12:00:00.000Z',
        ]);
        expect(
          await history.list({ from: Date.parse('2026-01-01T01:00:00Z'), to: Date.parse('2026-01-01T06:00:00Z') }),
        ).toEqual([snapshot('2026-01-01T06:00:00.000Z')]);
        expect(await history.latestBaseline()).toBeUndefined();
        const reference = {
          format: 'fraudscore-reference/1',
          features: { A: { cutPoints: [1.5], frequencies: [0.25, 0.75], missingShare: 0.1, count: 10 } },
          score: { cutPoints: [], frequencies: [0], missingShare: 1, count: 0 },
        } as const;
        await history.appendBaseline({
          ...baseline,
          source: 'window',
          setBy: 'ops',
          setAt: '2026-01-02T00:00:00.000Z',
          reference,
        });
        await history.appendBaseline({ ...baseline, setBy: 'ana', setAt: '2026-01-03T00:00:00.000Z', reference });
        expect(await history.latestBaseline()).toEqual({
          ...baseline,
          setBy: 'ana',
          setAt: '2026-01-03T00:00:00.000Z',
          reference,
        });
      },
    );

    it('creates exactly one record when the same id is saved many times at once', async () => {
      const s = await fresh();
      const stores = [s, ...(await others(s))];
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          saveOne(stores[i % stores.length]!, { ...scoredRecord('same', 5), probability: i / 100 }),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const winner = results.find((r) => r.created)!.record.probability;
      for (const r of results) expect(r.record.probability).toBe(winner);
      expect((await s.list({ limit: 10 })).items).toHaveLength(1);
    });
  });
}
