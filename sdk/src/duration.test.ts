import { describe, expect, it } from 'vitest';
import { durationPattern, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['30m', 1_800_000],
    ['6h', 21_600_000],
    ['7d', 604_800_000],
    ['0d', 0],
    ['007m', 420_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '6', 'h', '-1h', '1.5h', ' 6h', '6h ', '6 h', '6H', '6w', '1e3s', '6hh', '١h'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('takes only the units the caller names; milliseconds only when named', () => {
    expect(parseDuration('500ms')).toBeUndefined();
    expect(parseDuration('500ms', ['ms', 's', 'm'])).toBe(500);
    expect(parseDuration('10s', ['m', 'h', 'd'])).toBeUndefined();
    expect(parseDuration('2m', ['m', 'h', 'd'])).toBe(120_000);
  });

  it('documents the same shape as a pattern', () => {
    const pattern = durationPattern(['m', 'h', 'd']);
    for (const text of ['30m', '6h', '7d', '30s', '6', '-1h', '6hh', '500ms'])
      expect(pattern.test(text)).toBe(parseDuration(text, ['m', 'h', 'd']) !== undefined);
  });
});
