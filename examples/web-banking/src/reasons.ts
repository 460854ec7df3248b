// Turns the SDK's top factors (feature names with SHAP contributions) into reasons a customer can read.
import type { TopFactor } from '@fraudscore/sdk';

export interface Reason {
  /** Plain words, e.g. "amount" or "your 30-day average spend". */
  phrase: string;
  /** The value behind it, formatted ("€400.00", "3 payments"); empty when unknown. */
  detail: string;
  /** Sum of the grouped features' contributions (log-odds). */
  contribution: number;
  direction: 'increases_risk' | 'decreases_risk';
  features: string[];
}

/** The device cannot see the merchant's (terminal's) history: only the bank's server can. */
export const UNKNOWN_MERCHANT = 'merchant history unknown on this device';

const money = (value: number): string =>
  new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' }).format(value);
const count = (value: number): string => `${value} payment${value === 1 ? '' : 's'}`;
const times = (value: number): string => `×${value.toFixed(2)}`;

/** The default bundle's customer features (models/bundles/default/features.json), in the customer's own words. */
const PHRASES: Record<string, { phrase: string | ((value: number) => string); detail?: (value: number) => string }> = {
  TX_AMOUNT: { phrase: 'amount', detail: money },
  TX_DURING_WEEKEND: { phrase: (v) => (v ? 'weekend payment' : 'weekday payment') },
  TX_DURING_NIGHT: { phrase: (v) => (v ? 'night-time payment' : 'daytime payment') },
  CUSTOMER_ID_NB_TX_1DAY_WINDOW: { phrase: 'your payments in the last 24 hours', detail: count },
  CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW: { phrase: 'your average spend in the last 24 hours', detail: money },
  CUSTOMER_ID_NB_TX_7DAY_WINDOW: { phrase: 'your payments in the last 7 days', detail: count },
  CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW: { phrase: 'your 7-day average spend', detail: money },
  CUSTOMER_ID_NB_TX_30DAY_WINDOW: { phrase: 'your payments in the last 30 days', detail: count },
  CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW: { phrase: 'your 30-day average spend', detail: money },
  CUSTOMER_ID_STD_AMOUNT_7DAY_WINDOW: { phrase: 'how much your payments varied in the last 7 days', detail: money },
  CUSTOMER_ID_STD_AMOUNT_30DAY_WINDOW: { phrase: 'how much your payments varied in the last 30 days', detail: money },
  CUSTOMER_ID_AMOUNT_RATIO_7DAY_WINDOW: { phrase: 'this amount against your 7-day average', detail: times },
  CUSTOMER_ID_AMOUNT_RATIO_30DAY_WINDOW: { phrase: 'this amount against your 30-day average', detail: times },
  CUSTOMER_ID_AMOUNT_DIFF_30DAY_WINDOW: { phrase: 'this amount above your 30-day average', detail: money },
  CUSTOMER_ID_AMOUNT_ZSCORE_30DAY_WINDOW: {
    phrase: 'how unusual this amount is for you',
    detail: (v) => `${v.toFixed(1)} × your usual spread`,
  },
  CUSTOMER_ID_AMOUNT_RATIO_1DAY_WINDOW: { phrase: 'this amount against your last 24 hours', detail: times },
  // The baseline: the 30 days that ended 14 days ago, before a card stolen recently could have been used.
  CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW_14DAY_DELAY: {
    phrase: 'your usual spend before the last two weeks',
    detail: money,
  },
  CUSTOMER_ID_STD_AMOUNT_30DAY_WINDOW_14DAY_DELAY: {
    phrase: 'how much your payments varied before the last two weeks',
    detail: money,
  },
  CUSTOMER_ID_AMOUNT_RATIO_30DAY_WINDOW_14DAY_DELAY: {
    phrase: 'this amount against your usual spend before the last two weeks',
    detail: times,
  },
  CUSTOMER_ID_AMOUNT_DIFF_30DAY_WINDOW_14DAY_DELAY: {
    phrase: 'this amount above your usual spend before the last two weeks',
    detail: money,
  },
  CUSTOMER_ID_AMOUNT_ZSCORE_30DAY_WINDOW_14DAY_DELAY: {
    phrase: 'how unusual this amount is against your spending before the last two weeks',
    detail: (v) => `${v.toFixed(1)} × your usual spread`,
  },
  CUSTOMER_ID_AVG_AMOUNT_SHIFT_1DAY_WINDOW: {
    phrase: "your last 24 hours' spending against your usual",
    detail: times,
  },
  CUSTOMER_ID_AVG_AMOUNT_SHIFT_7DAY_WINDOW: { phrase: "your last 7 days' spending against your usual", detail: times },
  CUSTOMER_ID_STD_AMOUNT_SHIFT_7DAY_WINDOW: {
    phrase: 'how much your payments varied this week against your usual',
    detail: times,
  },
};

export function describeFactor(feature: string, value: number | null): { phrase: string; detail: string } {
  if (feature.startsWith('TERMINAL_ID_')) {
    if (value === null) return { phrase: UNKNOWN_MERCHANT, detail: '' };
    if (feature.includes('_KNOWN_FRAUD_'))
      return { phrase: 'frauds recently confirmed at this merchant', detail: `${value}` };
    if (feature.includes('_KNOWN_LABELS_'))
      return { phrase: 'payments checked at this merchant', detail: count(value) };
    return feature.includes('_RISK_')
      ? { phrase: "the merchant's recent fraud rate", detail: `${(value * 100).toFixed(1)} %` }
      : { phrase: "the merchant's recent payment volume", detail: count(value) };
  }
  const known = PHRASES[feature];
  if (!known)
    return { phrase: feature.toLowerCase().replaceAll('_', ' '), detail: value === null ? '' : String(value) };
  const phrase = typeof known.phrase === 'function' ? known.phrase(value ?? 0) : known.phrase;
  return { phrase, detail: value === null || !known.detail ? '' : known.detail(value) };
}

/**
 * The `limit` strongest reasons. Features that read the same to a person (the terminal features the device
 * cannot compute) are one reason whose contribution is their sum — SHAP values add up — so one cause is never
 * listed three times. Pass all the factors (the scorer's topFactors option at least the feature count).
 */
export function topReasons(factors: readonly TopFactor[], limit = 3): Reason[] {
  const byPhrase = new Map<string, Reason>();
  for (const factor of factors) {
    const { phrase, detail } = describeFactor(factor.feature, factor.value);
    const reason = byPhrase.get(phrase);
    if (reason) {
      reason.contribution += factor.contribution;
      reason.features.push(factor.feature);
    } else {
      byPhrase.set(phrase, {
        phrase,
        detail,
        contribution: factor.contribution,
        direction: 'increases_risk',
        features: [factor.feature],
      });
    }
  }
  return [...byPhrase.values()]
    .map((r) => ({ ...r, direction: r.contribution >= 0 ? ('increases_risk' as const) : ('decreases_risk' as const) }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, limit);
}
