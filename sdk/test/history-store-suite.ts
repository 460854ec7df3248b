// The behaviour every HistoryStore must show (memory, IndexedDB, and any shared store such as a server-side one):
// the same windows from the same calls, labels with their known-at times included. memory.test.ts and
// indexeddb.test.ts run it; another implementation runs it with its own `open`.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { computeFeatures } from '../src/features/compute.js';
import { compileSpec, type CompiledSpec } from '../src/features/spec.js';
import { normalizeTransaction } from '../src/features/validate.js';
import type { HistoryStore } from '../src/history/store.js';
import type { NormalizedTransaction } from '../src/transaction.js';

export interface FeatureVectors {
  features: string[];
  transactions: (Record<string, unknown> & { timestampMs: number; label: 0 | 1 | null; labelKnownAt: number | null })[];
  expected: (number | null)[][];
}

const read = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
/** The spec that uses every feature kind, aggregate and option, and its conformance vectors. */
export const allKindsSpec = compileSpec(read('../../models/specs/conformance-features.json'));
export const allKindsVectors = read('../../models/conformance/default/features-all-kinds.json') as FeatureVectors;

/** The transactions of the vectors, normalized, each with its final label and known-at time. */
export function labelledStream(spec: CompiledSpec, vectors: FeatureVectors): NormalizedTransaction[] {
  return vectors.transactions.map((raw) => ({ ...normalizeTransaction(raw, spec), labelKnownAt: raw.labelKnownAt }));
}

/**
 * Compares a computed row with the expected one: counts, flags and missing values exactly, others within 1e-9
 * relative (the conformance tolerance); `only` restricts the features compared. Returns the max relative error.
 */
export function expectRow(
  spec: CompiledSpec,
  got: Float64Array,
  expected: readonly (number | null)[],
  only?: (j: number) => boolean,
): number {
  let worst = 0;
  for (const [j, feature] of spec.features.entries()) {
    if (only && !only(j)) continue;
    const want = expected[j] ?? NaN;
    const value = got[j]!;
    if (Number.isNaN(want) || feature.type === 'count' || feature.type === 'flag') {
      expect(value, `${feature.name}`).toBe(want);
      continue;
    }
    const error = want === 0 ? Math.abs(value) : Math.abs(value - want) / Math.abs(want);
    expect(error, `${feature.name}: ${value} vs ${want}`).toBeLessThanOrEqual(1e-9);
    worst = Math.max(worst, error);
  }
  return worst;
}

/** Features whose value reads no window on an entity outside `covered`. */
export const coveredOnly =
  (spec: CompiledSpec, covered: ReadonlySet<string>) =>
  (j: number): boolean =>
    spec.dependsOn[j]!.every((entity) => covered.has(entity));

/** Features that read labels as stored now (windows with labels "stored" over a label field, and what uses them). */
export function readsStoredLabels(spec: CompiledSpec): boolean[] {
  const out: boolean[] = [];
  for (const f of spec.features) {
    out.push(
      f.kind === 'window'
        ? f.field !== null && spec.fields.get(f.field) === 'label' && f.labels === 'stored'
        : f.kind === 'ratio'
          ? out[f.numerator]! || out[f.denominator]!
          : f.kind === 'difference'
            ? out[f.minuend]! || out[f.subtrahend]!
            : false,
    );
  }
  return out;
}

export interface StoreUnderTest {
  store: HistoryStore;
  /** Sets the store's clock (epoch ms). */
  setNow(now: number): void;
}

/** Registers the behavioural tests of a HistoryStore; `open` gives a fresh, empty store on the all-kinds spec. */
export function historyStoreBehaviour(open: (spec: CompiledSpec) => Promise<StoreUnderTest>, rows = 1200): void {
  const spec = allKindsSpec;
  const stream = labelledStream(spec, allKindsVectors).slice(0, rows);

  it('reproduces the all-kinds vectors with every label stored with its known-at time', async () => {
    const { store, setNow } = await open(spec);
    const only = coveredOnly(spec, store.coveredEntities);
    for (const [i, tx] of stream.entries()) {
      setNow(tx.timestamp);
      expectRow(spec, await computeFeatures(spec, tx, store), allKindsVectors.expected[i]!, only);
      expect(await store.add(tx)).toBe(true);
    }
    store.close();
  });

  it('reproduces the windows over known labels when the labels are set as they become known (setLabel)', async () => {
    const { store, setNow } = await open(spec);
    const stored = readsStoredLabels(spec);
    const covered = coveredOnly(spec, store.coveredEntities);
    const pending = stream
      .filter((tx) => tx.label !== null && typeof tx['labelKnownAt'] === 'number')
      .sort((a, b) => (a['labelKnownAt'] as number) - (b['labelKnownAt'] as number));
    let next = 0;
    for (const [i, tx] of stream.entries()) {
      while (next < pending.length && (pending[next]!['labelKnownAt'] as number) <= tx.timestamp) {
        const labelled = pending[next++]!;
        expect(await store.setLabel(labelled.id, labelled.label!, labelled['labelKnownAt'] as number)).toBe(true);
      }
      setNow(tx.timestamp);
      const { label: _label, labelKnownAt: _knownAt, ...unlabelled } = tx;
      expectRow(
        spec,
        await computeFeatures(spec, unlabelled, store),
        allKindsVectors.expected[i]!,
        (j) => covered(j) && !stored[j],
      );
      expect(await store.add(unlabelled)).toBe(true);
    }
    store.close();
  });

  it('reads a label in "known" windows only from its known-at time; a correction replaces it, null clears it', async () => {
    const { store, setNow } = await open(spec);
    const DAY = 86_400_000;
    const t0 = 100 * DAY;
    setNow(t0);
    const base = { customerId: 'c', terminalId: 't', amount: 10 };
    await store.add({ ...base, id: 'a', timestamp: t0 });
    await store.add({ ...base, id: 'b', timestamp: t0 + 1000, label: 1, labelKnownAt: t0 + 5000 });
    const frauds = spec.names.indexOf('CUSTOMER_KNOWN_FRAUDS_14D');
    const labels = spec.names.indexOf('CUSTOMER_KNOWN_LABELS_14D');
    const at = async (t: number) => computeFeatures(spec, { ...base, id: `q${t}`, timestamp: t }, store);
    expect((await at(t0 + 4999))[frauds]).toBe(0);
    expect((await at(t0 + 5000))[frauds]).toBe(1); // known-at = t counts
    expect(await store.setLabel('a', 1, t0 + 2 * DAY)).toBe(true);
    expect((await at(t0 + DAY))[frauds]).toBe(1);
    expect((await at(t0 + 2 * DAY))[frauds]).toBe(2);
    expect(await store.setLabel('a', 0, t0 + 3 * DAY)).toBe(true); // corrected: known as legitimate from then on
    expect((await at(t0 + 2 * DAY))[labels]).toBe(1);
    expect((await at(t0 + 3 * DAY))[frauds]).toBe(1);
    expect((await at(t0 + 3 * DAY))[labels]).toBe(2);
    expect(await store.setLabel('b', null, t0 + 3 * DAY)).toBe(true);
    expect((await at(t0 + 4 * DAY))[frauds]).toBe(0);
    setNow(t0 + 6 * DAY);
    expect(await store.setLabel('a', 1)).toBe(true); // known-at defaults to the store's clock
    expect((await at(t0 + 6 * DAY - 1))[frauds]).toBe(0);
    expect((await at(t0 + 6 * DAY))[frauds]).toBe(1);
    expect(await store.setLabel('nope', 1, t0)).toBe(false);
    await expect(async () => store.setLabel('a', 1, Number.NaN)).rejects.toThrow(/knownAt/);
    const [entry] = await store.query('customerId', 'c', t0 - 1, t0);
    expect(entry).toMatchObject({ id: 'a', label: 1, labelKnownAt: t0 + 6 * DAY });
    store.close();
  });
}
