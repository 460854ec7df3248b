// The app's pure parts: reading the form, and turning factors into reasons.
import type { TopFactor } from '@fraudscore/sdk';
import { describe, expect, it } from 'vitest';
import { demoHistory } from './demo.js';
import { ValidationError } from '@fraudscore/sdk';
import { fieldOfSdkError, parseAmount, parsePayee } from './form.js';
import { describeFactor, topReasons, UNKNOWN_MERCHANT } from './reasons.js';
import { readBundleJson } from '../../../test/fixtures.js';

const factor = (feature: string, value: number | null, contribution: number): TopFactor => ({
  feature,
  value,
  contribution,
  direction: contribution >= 0 ? 'increases_risk' : 'decreases_risk',
});

describe('form', () => {
  it('reads amounts and says what is wrong', () => {
    expect(parseAmount(' 25 ')).toEqual({ ok: true, value: 25 });
    expect(parseAmount('25,50')).toEqual({ ok: true, value: 25.5 });
    expect(parseAmount('')).toMatchObject({ ok: false, empty: true });
    expect(parseAmount('12abc')).toMatchObject({ ok: false, empty: false, error: 'Enter an amount like 25 or 25.50' });
    expect(parseAmount('-5')).toMatchObject({ ok: false, error: "The amount can't be negative" });
    expect(parseAmount('0')).toMatchObject({ ok: false, error: 'Enter an amount above 0' });
    expect(parseAmount('25.555')).toMatchObject({ ok: false });
    expect(parsePayee(' T-20391 ')).toEqual({ ok: true, value: 'T-20391' });
    expect(parsePayee('T 1')).toMatchObject({ ok: false, empty: false });
  });

  it('maps an SDK validation error to its form field', () => {
    const amount = new ValidationError('amount', 'must be a finite number >= 0, got -1');
    expect(fieldOfSdkError(amount)).toEqual({ field: 'amount', message: 'Must be a finite number >= 0, got -1' });
    expect(fieldOfSdkError(new ValidationError('terminalId', 'must be a non-empty string'))?.field).toBe('payee');
    expect(fieldOfSdkError(new ValidationError('customerId', 'bad'))).toBeUndefined();
    expect(fieldOfSdkError(new Error('amount: something else'))).toBeUndefined();
  });
});

describe('reasons', () => {
  it('puts features in plain words', () => {
    expect(describeFactor('TX_AMOUNT', 400)).toEqual({ phrase: 'amount', detail: '€400.00' });
    expect(describeFactor('CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW', 41.2).phrase).toBe('your 30-day average spend');
    expect(describeFactor('TERMINAL_ID_RISK_7DAY_WINDOW', null).phrase).toBe(UNKNOWN_MERCHANT);
    expect(describeFactor('TX_DURING_NIGHT', 0).phrase).toBe('daytime payment');
    expect(describeFactor('SOME_NEW_FEATURE', 2).phrase).toBe('some new feature');
    expect(describeFactor('CUSTOMER_ID_AMOUNT_RATIO_30DAY_WINDOW', 5.04)).toEqual({
      phrase: 'this amount against your 30-day average',
      detail: '×5.04',
    });
    expect(describeFactor('TERMINAL_ID_KNOWN_FRAUD_7DAY_WINDOW', null).phrase).toBe(UNKNOWN_MERCHANT);
    expect(describeFactor('CUSTOMER_ID_AVG_AMOUNT_SHIFT_7DAY_WINDOW', 3)).toEqual({
      phrase: "your last 7 days' spending against your usual",
      detail: '×3.00',
    });
  });

  it("has the customer's own words for every feature of the default bundle a device computes", () => {
    const spec = readBundleJson('features.json') as { features: { name: string }[] };
    const phrases = new Set<string>();
    for (const { name } of spec.features) {
      const { phrase } = describeFactor(name, name.startsWith('TERMINAL_ID_') ? null : 1);
      expect(phrase, name).not.toBe(name.toLowerCase().replaceAll('_', ' '));
      if (!name.startsWith('TERMINAL_ID_')) phrases.add(phrase);
    }
    // No two customer features read the same: only the terminal ones the device cannot know are grouped.
    expect(phrases.size).toBe(spec.features.filter((f) => !f.name.startsWith('TERMINAL_ID_')).length);
  });

  it('groups the terminal features the device cannot know into one reason and keeps the strongest three', () => {
    const reasons = topReasons([
      factor('TX_AMOUNT', 25, -0.7),
      factor('TERMINAL_ID_RISK_7DAY_WINDOW', null, 1.6),
      factor('TERMINAL_ID_RISK_30DAY_WINDOW', null, -0.8),
      factor('TERMINAL_ID_RISK_1DAY_WINDOW', null, 0.6),
      factor('CUSTOMER_ID_NB_TX_1DAY_WINDOW', 1, -0.5),
      factor('TX_DURING_WEEKEND', 0, 0.1),
    ]);
    expect(reasons.map((r) => r.phrase)).toEqual([UNKNOWN_MERCHANT, 'amount', 'your payments in the last 24 hours']);
    expect(reasons[0]!.contribution).toBeCloseTo(1.4, 12);
    expect(reasons[0]!.features).toHaveLength(3);
    expect(reasons.map((r) => r.direction)).toEqual(['increases_risk', 'decreases_risk', 'decreases_risk']);
  });
});

describe('demo history', () => {
  it('is 20 payments around €40 over the last four weeks, none in the last day', () => {
    const now = Date.UTC(2026, 10, 26, 12);
    const history = demoHistory('C-1042', now);
    expect(history).toHaveLength(20);
    const mean = history.reduce((sum, tx) => sum + tx.amount, 0) / history.length;
    expect(mean).toBeGreaterThan(30);
    expect(mean).toBeLessThan(50);
    for (const tx of history) {
      expect(now - Number(tx.timestamp)).toBeGreaterThan(86_400_000);
      expect(now - Number(tx.timestamp)).toBeLessThan(29 * 86_400_000);
    }
  });
});
