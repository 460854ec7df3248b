import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import TierBadge from './TierBadge.svelte';
import { TIER_COLOURS } from './tiers.js';

describe('TierBadge', () => {
  it('names the tier in words with the Okabe–Ito colour, and marks blocked ones in words too', () => {
    const { body } = render(TierBadge, { props: { level: 'CRITICAL', blocked: true } });
    expect(body).toContain('>CRITICAL</span>');
    expect(body).toContain(`background:${TIER_COLOURS.CRITICAL.fill}`);
    expect(body).toContain('BLOCKED');
    expect(render(TierBadge, { props: { level: 'LOW' } }).body).not.toContain('BLOCKED');
  });

  it('uses four distinct colours', () => {
    expect(new Set(Object.values(TIER_COLOURS).map((c) => c.fill)).size).toBe(4);
  });
});
