import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSpec } from './spec.js';
import { describeFeatures } from './words.js';

const spec = (file: string) =>
  compileSpec(JSON.parse(readFileSync(new URL(`../../../models/specs/${file}`, import.meta.url), 'utf8')));
const KAZAKH = /[әғқңөұүһі]/i;

describe('describeFeatures', () => {
  it('names the handbook features from what they compute, delays included', () => {
    const words = describeFeatures(spec('handbook-features.json'));
    expect(words['TX_AMOUNT']).toEqual({
      kind: 'amount',
      en: 'transaction amount',
      ru: 'сумма транзакции',
      kk: 'транзакция сомасы',
    });
    expect(words['TX_DURING_NIGHT']?.en).toBe('night-time transaction');
    expect(words['CUSTOMER_ID_NB_TX_1DAY_WINDOW']).toMatchObject({
      kind: 'count',
      en: "customer's number of transactions over the last day",
      ru: 'число транзакций клиента за последний день',
    });
    expect(words['CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW']).toMatchObject({
      kind: 'amount',
      kk: 'клиенттің соңғы 30 күндегі орташа сомасы',
    });
    expect(words['TERMINAL_ID_RISK_7DAY_WINDOW']).toMatchObject({
      kind: 'share',
      en: 'share of fraud at the terminal over 7 days ending 7 days ago',
    });
  });

  it('names every kind and aggregate, in three languages that stay in their scripts', () => {
    const compiled = spec('conformance-features.json');
    const words = describeFeatures(compiled);
    expect(Object.keys(words)).toEqual(compiled.names);
    expect(words['TERMINAL_KNOWN_FRAUDS_28D']).toMatchObject({
      kind: 'count',
      en: 'confirmed frauds at the terminal over the last 28 days (as known at scoring time)',
    });
    expect(words['TERMINAL_KNOWN_LEGITIMATE_28D']?.en).toBe(
      'confirmed legitimate transactions at the terminal over the last 28 days (as known at scoring time)',
    );
    expect(words['AMOUNT_ZSCORE_30D_BEFORE_14D']?.en).toBe(
      'how unusual the amount is for the customer (standard deviations from the average over 30 days ending 14 days ago)',
    );
    expect(words['AMOUNT_OVER_MEAN_7D']).toMatchObject({
      kind: 'ratio',
      en: "amount relative to the customer's average over the last 7 days",
    });
    expect(words['CUSTOMER_HOURS_SINCE_PREVIOUS']).toMatchObject({
      kind: 'hours',
      en: "hours since the customer's previous transaction",
    });
    expect(words['CUSTOMER_TERMINALS_7D']?.en).toBe(
      'number of different terminals for the customer over the last 7 days',
    );
    for (const [name, w] of Object.entries(words)) {
      if (name.includes('RISK_STD') || name === 'CUSTOMER_AMOUNTS_1D') continue; // they name a raw field (label, amount)
      expect(w.ru, name).not.toMatch(/[a-z]/i);
      expect(w.ru, name).not.toMatch(KAZAKH);
      expect(w.kk, name).not.toMatch(/[a-z]/i);
      expect(new Set([w.en, w.ru, w.kk]).size, name).toBe(3);
    }
  });
});
