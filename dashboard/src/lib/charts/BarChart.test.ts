import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import BarChart from './BarChart.svelte';

describe('BarChart', () => {
  it('draws a bar per category and series, with title, axis labels, a text alternative and a data table', () => {
    const { body } = render(BarChart, {
      props: {
        title: 'Reference vs current',
        categories: ['a', 'b', 'c'],
        xLabel: 'bin',
        yLabel: 'share (%)',
        series: [
          { name: 'reference', values: [0.2, 0.5, 0.3], colour: '#999' },
          { name: 'current', values: [0.1, 0.6, 0.3], colour: '#0072B2' },
        ],
      },
    });
    expect(body.match(/<rect /g)).toHaveLength(6);
    expect(body).toContain('<figcaption');
    expect(body).toContain('Reference vs current');
    expect(body).toContain('>bin</text>');
    expect(body).toContain('>share (%)</text>');
    expect(body).toMatch(/<desc[^>]*>reference: a 0\.2, b 0\.5, c 0\.3\. current: a 0\.1, b 0\.6, c 0\.3<\/desc>/);
    expect(body.match(/<tr>/g)).toHaveLength(4); // header + 3 categories
  });

  it('scales the tallest bar to the top of the nice domain', () => {
    const { body } = render(BarChart, {
      props: {
        title: 't',
        categories: ['x'],
        xLabel: 'x',
        yLabel: 'y',
        series: [{ name: 's', values: [1], colour: '#000' }],
      },
    });
    const [, y, height] = /<rect [^>]*y="([^"]+)"[^>]*height="([^"]+)"/.exec(body)!;
    expect(Number(y)).toBe(10); // margin.top: 1 is the top of [0, 1]
    expect(Number(y) + Number(height)).toBe(280 - 64); // the baseline
  });
});
