import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import Sparkline from './Sparkline.svelte';

describe('Sparkline', () => {
  it('shows the latest value with its unit, a path through every point and a text alternative', () => {
    const { body } = render(Sparkline, {
      props: { title: 'Throughput', unit: 'tx/s', values: [100, 300, 250], digits: 0 },
    });
    expect(body).toContain('Throughput: <strong>250 tx/s</strong>');
    expect(body).toMatch(/<path d="M[^"]+L[^"]+L[^"]+"/);
    expect(body).toMatch(/<desc[^>]*>Throughput over the last 3 seconds, in tx\/s: latest 250, highest 300\.<\/desc>/);
    expect(body).toContain('last 3 s · tx/s');
  });

  it('says — before any value', () => {
    expect(render(Sparkline, { props: { title: 'Latency', unit: 'ms', values: [] } }).body).toContain(
      'Latency: <strong>—</strong>',
    );
  });
});
