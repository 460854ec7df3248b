// The waterfall's arithmetic: base + Σ SHAP = final log-odds = logit(probability), and each bar starts where the
// previous one ended; the rendered chart carries the same numbers.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import Waterfall from './Waterfall.svelte';
import { logit, sigmoid, waterfall, waterfallExtent } from './waterfall.js';

// A transaction as GET /v1/transactions/{id} returned it from the committed default bundle (values in model order).
const FEATURES = [
  'TX_AMOUNT',
  'TX_DURING_WEEKEND',
  'TX_DURING_NIGHT',
  'CUSTOMER_ID_NB_TX_1DAY_WINDOW',
  'CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW',
  'CUSTOMER_ID_NB_TX_7DAY_WINDOW',
  'CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW',
  'CUSTOMER_ID_NB_TX_30DAY_WINDOW',
  'CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW',
  'TERMINAL_ID_NB_TX_1DAY_WINDOW',
  'TERMINAL_ID_RISK_1DAY_WINDOW',
  'TERMINAL_ID_NB_TX_7DAY_WINDOW',
  'TERMINAL_ID_RISK_7DAY_WINDOW',
  'TERMINAL_ID_NB_TX_30DAY_WINDOW',
  'TERMINAL_ID_RISK_30DAY_WINDOW',
];
const VALUES = [
  0.5015937863376605, 0.004943110437629841, -0.054144704247818615, -0.7711877751443156, 0.006988929184208706,
  0.1952578706190003, 0.30023790875182876, -0.029464306396011837, -1.1872860467607889, -0.0018375486833476454,
  -0.026615484255064905, 0.04778418562543614, -0.16704989741673515, 0.6360052874191713, -0.06388351335763287,
];
const BASE = -5.9887334128902925;
const PROBABILITY = 0.0013620644981806723;

describe('waterfall', () => {
  it('ends at base + Σ shap; against the API probability within XGBoost float32 rounding', () => {
    const w = waterfall(FEATURES, VALUES, BASE);
    expect(Math.abs(w.final - (BASE + VALUES.reduce((a, b) => a + b, 0)))).toBeLessThan(1e-12);
    expect(Math.abs(w.final - logit(w.probability))).toBeLessThan(1e-9);
    // The served probability sums XGBoost's leaves in float32 as the library does, SHAP in double
    // (sdk/src/scorer.ts ScoreResult.shap): about 1e-6 apart in log-odds, invisible in the shown percentage.
    expect(Math.abs(w.final - logit(PROBABILITY))).toBeLessThan(2e-6);
    expect(Math.abs(w.probability - PROBABILITY)).toBeLessThan(1e-8);
  });

  it('ends exactly at logit(probability) when the probability is sigmoid(base + Σ shap)', () => {
    const probability = sigmoid(BASE + VALUES.reduce((a, b) => a + b, 0));
    const w = waterfall(FEATURES, VALUES, BASE);
    expect(Math.abs(w.final - logit(probability))).toBeLessThan(1e-9);
  });

  it('chains the bars: each starts where the last ended, largest contribution first', () => {
    const w = waterfall(FEATURES, VALUES, BASE, { TX_AMOUNT: 80.05 });
    expect(w.steps).toHaveLength(15);
    expect(w.steps[0]!.start).toBe(BASE);
    for (let i = 1; i < w.steps.length; i++) expect(w.steps[i]!.start).toBe(w.steps[i - 1]!.end);
    expect(w.steps.at(-1)!.end).toBe(w.final);
    const sizes = w.steps.map((s) => Math.abs(s.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(w.steps[0]!.feature).toBe('CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW');
    expect(w.steps.find((s) => s.feature === 'TX_AMOUNT')!.value).toBe(80.05);
    const [lo, hi] = waterfallExtent(w);
    for (const s of w.steps) expect(Math.min(s.start, s.end) >= lo && Math.max(s.start, s.end) <= hi).toBe(true);
  });

  it('holds for random contributions too', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 4 - 2;
    for (let n = 0; n < 200; n++) {
      const values = FEATURES.map(() => rand());
      const base = rand() * 3;
      const w = waterfall(FEATURES, values, base);
      const p = sigmoid(base + values.reduce((a, b) => a + b, 0));
      expect(Math.abs(w.final - logit(p))).toBeLessThan(1e-9);
    }
  });

  it('refuses mismatched lengths', () => {
    expect(() => waterfall(FEATURES, VALUES.slice(1), BASE)).toThrow(/14 SHAP values for 15 features/);
  });

  it('renders a bar per feature, the title, axis label and a text alternative', () => {
    const { body } = render(Waterfall, {
      props: { features: FEATURES, values: VALUES, base: BASE, probability: PROBABILITY },
    });
    expect(body.match(/class="step"/g)).toHaveLength(15);
    expect(body).toContain('Why this score');
    expect(body).toContain('log-odds of fraud (logit of probability)');
    expect(body).toMatch(/<desc[^>]*>Starts at the base value/);
    expect(body).toContain('Data table');
    const final = Number(/data-final="([^"]+)"/.exec(body)![1]);
    expect(Math.abs(final - (BASE + VALUES.reduce((a, b) => a + b, 0)))).toBeLessThan(1e-12);
    expect(Math.abs(final - logit(PROBABILITY))).toBeLessThan(2e-6);
  });

  it('labels the bars in words when given them (the name stays in the tooltip and the table)', () => {
    const label = (f: string) => (f === 'TX_AMOUNT' ? 'transaction amount' : f.toLowerCase());
    const formatValue = (f: string, v: number | null) => (f === 'TX_AMOUNT' ? `€${v}` : String(v));
    const { body } = render(Waterfall, {
      props: {
        features: FEATURES,
        values: VALUES,
        base: BASE,
        probability: PROBABILITY,
        featureValues: { TX_AMOUNT: 80.05 },
        label,
        formatValue,
      },
    });
    expect(body).toContain('transaction amount = €80.05');
    expect(body).toContain('<title>transaction amount = €80.05 (TX_AMOUNT)</title>');
    expect(body).toMatch(/<td class="mono">TX_AMOUNT<\/td>/);
  });
});
