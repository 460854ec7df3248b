// Features in words from the model's spec, fetched once per model version; names when the spec cannot be had.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { shortLabel } from './charts/waterfall.js';
import { featureValue, featureWords, phrase } from './words.js';

const spec = readFileSync(new URL('../../../models/specs/handbook-features.json', import.meta.url), 'utf8');

afterEach(() => vi.unstubAllGlobals());

describe('featureWords', () => {
  it("describes the version's spec from the public bundle route, once per version", async () => {
    const fetch = vi.fn(
      async (url: string) =>
        new Response(url.endsWith('/v1/models/1.2.3/bundle/features.json') ? spec : '{}', {
          status: 200,
          headers: { 'content-type': 'application/json' },
        }),
    );
    vi.stubGlobal('fetch', fetch);
    const words = await featureWords('1.2.3');
    await featureWords('1.2.3');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(phrase(words, 'TX_AMOUNT', 'ru')).toBe('сумма транзакции');
    expect(phrase(words, 'TERMINAL_ID_RISK_7DAY_WINDOW', 'en')).toBe(
      'share of fraud at the terminal over 7 days ending 7 days ago',
    );
    expect(phrase(words, 'NOT_IN_THE_SPEC', 'kk')).toBe('NOT_IN_THE_SPEC');
    expect(featureValue(words, 'TX_DURING_NIGHT', 1, 'kk')).toBe('иә');
    expect(featureValue(words, 'TERMINAL_ID_RISK_7DAY_WINDOW', 0.25, 'en')).toMatch(/25[.,]0\s?%/);
    expect(featureValue(words, 'TX_AMOUNT', null, 'en')).toBe('—');
  });

  it('falls back to names when the spec cannot be fetched', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ error: { code: 'not_found', message: 'no' } }), { status: 404 })),
    );
    const words = await featureWords('9.9.9');
    expect(words).toEqual({});
    expect(phrase(words, 'TX_AMOUNT', 'en')).toBe('TX_AMOUNT');
  });
});

describe('shortLabel', () => {
  it('keeps short labels and cuts long ones at a word with an ellipsis', () => {
    expect(shortLabel('transaction amount')).toBe('transaction amount');
    const long =
      'how unusual the amount is for the customer (standard deviations from the average over the last 30 days)';
    const cut = shortLabel(long);
    expect(cut.length).toBeLessThanOrEqual(58);
    expect(cut.endsWith('…')).toBe(true);
    expect(long.startsWith(cut.slice(0, -1))).toBe(true);
  });
});
