import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { IntegrityError, ValidationError } from './errors.js';
import { createScorer, directorySource, type Backend, type Transaction } from './node.js';
import { DEFAULT_BUNDLE_DIR } from '../../test/fixtures.js';

const bundleDir = DEFAULT_BUNDLE_DIR;
const tx: Transaction = {
  id: 't1',
  customerId: 'c1',
  terminalId: 'm9',
  amount: 250,
  timestamp: '2026-11-20T03:15:00Z',
};
/** The clock the timestamp window is judged against: fixed, so the tests do not age. */
const clock = (): number => Date.parse('2026-11-20T12:00:00Z');

describe.each<Backend>(['wasm', 'js'])('createScorer (%s backend)', (backend) => {
  it('scores, tiers and explains a transaction', async () => {
    const scorer = await createScorer({ bundle: directorySource(bundleDir), backend, cache: false, clock });
    expect(scorer.model).toMatchObject({ name: 'fraud-ensemble', features: expect.arrayContaining(['TX_AMOUNT']) });
    const result = await scorer.score(tx);
    expect(result.transactionId).toBe('t1');
    expect(result.probability).toBeCloseTo(1 / (1 + Math.exp(-result.margin)), 15);
    const weights = scorer.model.weights;
    expect(result.margin).toBeCloseTo(
      weights['lightgbm']! * result.margins['lightgbm']! + weights['xgboost']! * result.margins['xgboost']!,
      12,
    );
    expect(result.shouldBlock).toBe(result.probability >= scorer.model.threshold);
    expect(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).toContain(result.riskLevel);
    const shap = result.shap!;
    expect(shap.values).toHaveLength(scorer.model.features.length);
    expect(Math.abs(shap.baseValue + shap.values.reduce((a, b) => a + b, 0) - shap.margin)).toBeLessThan(1e-9);
    expect(Math.abs(shap.margin - result.margin)).toBeLessThan(1e-4);
    expect(result.topFactors).toHaveLength(5);
    expect(Math.abs(result.topFactors[0]!.contribution)).toBe(Math.max(...shap.values.map(Math.abs)));
    expect(result.features['TX_AMOUNT']).toBe(250);
    expect(result.features['TERMINAL_ID_RISK_1DAY_WINDOW']).toBeNull(); // unknown on a device
    // A device knows its customer, not the terminal: every customer feature computed, every terminal one missing.
    // A first payment has no spread to divide by (z-scores), and its customer no payments from before the last 14
    // days: that baseline is 0 (the spec's `empty`), so the amount is all above it and nothing can be divided by it.
    const dividesByNothing = (name: string): boolean =>
      name.includes('_ZSCORE_') ||
      name.includes('_SHIFT_') ||
      name === 'CUSTOMER_ID_AMOUNT_RATIO_30DAY_WINDOW_14DAY_DELAY';
    for (const name of scorer.model.features) {
      if (name.startsWith('TERMINAL_ID_') || dividesByNothing(name)) expect(result.features[name], name).toBeNull();
      else expect(result.features[name], name).not.toBeNull();
    }
    expect(scorer.model.features.filter(dividesByNothing)).toHaveLength(6);
    expect(result.features['CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW_14DAY_DELAY']).toBe(0);
    expect(result.features['CUSTOMER_ID_STD_AMOUNT_30DAY_WINDOW_14DAY_DELAY']).toBe(0);
    expect(result.features['CUSTOMER_ID_AMOUNT_DIFF_30DAY_WINDOW_14DAY_DELAY']).toBe(250);
    expect(result.features['TX_DURING_NIGHT']).toBe(1);
    await scorer.dispose();
  });

  it('reads its own history when told to record, and accepts known features', async () => {
    const scorer = await createScorer({ bundle: directorySource(bundleDir), backend, cache: false, clock });
    await scorer.score({ ...tx, id: 'a', timestamp: '2026-11-20T01:00:00Z', amount: 20 }, { record: true });
    const second = await scorer.score({ ...tx, id: 'b', amount: 60 });
    expect(second.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(2);
    expect(second.features['CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW']).toBe(40);
    const again = await scorer.score({ ...tx, id: 'b', amount: 60 });
    expect(again.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(2); // scoring alone does not record
    const known = await scorer.score(tx, { knownFeatures: { TERMINAL_ID_RISK_7DAY_WINDOW: 0.5 } });
    expect(known.features['TERMINAL_ID_RISK_7DAY_WINDOW']).toBe(0.5);
    const batch = await scorer.scoreBatch([tx, { ...tx, id: 't2', amount: 5 }], { explain: false });
    expect(batch.map((r) => r.shap)).toEqual([null, null]);
    // Only the risky ones: SHAP for tiers at or above HIGH (at the given threshold), none for the others.
    const risky = await scorer.scoreBatch(
      [
        { ...tx, id: 'r1', amount: 900 },
        { ...tx, id: 'r2', amount: 5, timestamp: '2026-11-20T12:00:00Z' },
      ],
      { explain: { minLevel: 'HIGH' } },
    );
    expect(risky.map((r) => r.riskLevel)).toEqual(['CRITICAL', 'LOW']);
    expect(risky[0]!.shap).not.toBeNull();
    expect(risky[0]!.topFactors).toHaveLength(5);
    expect(risky[1]!.shap).toBeNull();
    const strict = await scorer.score(
      { ...tx, id: 'r3', amount: 900 },
      { explain: { minLevel: 'HIGH', threshold: 0.999 } },
    );
    expect(strict.shap).toBeNull(); // LOW at a threshold of 0.999
    await scorer.dispose();
  });
});

describe('createScorer errors', () => {
  it('refuses bad transactions with a validation error naming the field', async () => {
    const scorer = await createScorer({ bundle: directorySource(bundleDir), backend: 'js', cache: false, clock });
    const cases: [unknown, string][] = [
      [{ ...tx, amount: -1 }, 'amount'],
      [{ ...tx, amount: Number.NaN }, 'amount'],
      [{ ...tx, amount: Infinity }, 'amount'],
      [{ ...tx, amount: '12' }, 'amount'],
      [{ ...tx, amount: undefined }, 'amount'],
      [{ ...tx, timestamp: 'yesterday' }, 'timestamp'],
      [{ ...tx, customerId: { id: 1 } }, 'customerId'],
      [{ ...tx, id: '' }, 'id'],
    ];
    for (const [bad, field] of cases) {
      const error = await scorer.score(bad as Transaction).catch((e: unknown) => e);
      expect(error, JSON.stringify(bad)).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
    }
  });

  it('holds device input to the contract: the timestamp window around its clock, the amount ceiling, opt-outs per call', async () => {
    const scorer = await createScorer({
      bundle: directorySource(bundleDir),
      backend: 'js',
      cache: false,
      clock,
      limits: { maxAmount: 10_000 },
    });
    const old = { ...tx, id: 'old', timestamp: '2026-09-01T00:00:00Z' };
    await expect(scorer.score(old)).rejects.toMatchObject({
      field: 'timestamp',
      message: expect.stringMatching(/80 days before the clock/),
    });
    await expect(scorer.record(old)).rejects.toMatchObject({ field: 'timestamp' });
    await scorer.record(old, { limits: { timeWindow: false } }); // a back-filled payment
    expect(scorer.normalize({ ...tx, id: 17 })).toMatchObject({
      id: '17',
      timestamp: Date.parse(tx.timestamp as string),
    });
    expect(() => scorer.normalize({ ...tx, amount: 20_000 })).toThrow(/ceiling of 10,000/);
    expect(() => scorer.normalize({ ...tx, id: 'a\u0000' })).toThrow(ValidationError);
  });

  it('refuses a batch with one bad transaction without recording any of it', async () => {
    const scorer = await createScorer({ bundle: directorySource(bundleDir), backend: 'js', cache: false, clock });
    const batch = [tx, { ...tx, id: 't2', amount: -3 }];
    const error = await scorer.scoreBatch(batch, { record: true }).catch((e: unknown) => e);
    expect((error as ValidationError).field).toBe('transactions[1].amount');
    const after = await scorer.score({ ...tx, id: 't3' });
    expect(after.features['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toBe(1); // nothing of the batch was recorded
  });

  it('keeps the model it had when a reload finds a tampered bundle', async () => {
    const scorer = await createScorer({ bundle: directorySource(bundleDir), backend: 'js', cache: false, clock });
    const files: Record<string, Uint8Array> = {};
    for (const name of ['manifest.json', 'features.json', 'trees.json', 'model.onnx', 'reference.json']) {
      files[name] = new Uint8Array(await readFile(`${bundleDir}${name}`));
    }
    const before = await scorer.score(tx);
    files['trees.json'] = files['trees.json']!.slice(0, -20);
    await expect(scorer.reload(files)).rejects.toBeInstanceOf(IntegrityError);
    expect((await scorer.score(tx)).probability).toBe(before.probability);
  });
});
