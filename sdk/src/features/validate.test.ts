import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { compileSpec } from './spec.js';
import { normalizeTransaction, parseTimestamp } from './validate.js';

const specJson = JSON.parse(
  readFileSync(new URL('../../../models/specs/handbook-features.json', import.meta.url), 'utf8'),
);
const spec = compileSpec(specJson);
const good = { id: 'tx1', customerId: 'c1', terminalId: 't1', amount: 12.5, timestamp: '2018-04-01T00:08:01.000Z' };

function fieldOf(tx: unknown, compiled = spec): string {
  try {
    normalizeTransaction(tx, compiled);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error('accepted');
}

describe('normalizeTransaction', () => {
  it('returns ids as strings, epoch ms and a label, keeping only declared fields', () => {
    expect(normalizeTransaction({ ...good, customerId: 35, label: 1, note: 'x' }, spec)).toEqual({
      id: 'tx1',
      customerId: '35',
      terminalId: 't1',
      amount: 12.5,
      timestamp: 1522541281000,
      label: 1,
    });
    expect(normalizeTransaction({ ...good, timestamp: 1522541281000 }, spec).label).toBeNull();
  });

  const refused: [string, Record<string, unknown>, string][] = [
    ['a missing id', { id: undefined }, 'id'],
    ['an empty id', { id: '' }, 'id'],
    ['an object customer id', { customerId: { id: 1 } }, 'customerId'],
    ['an infinite terminal id', { terminalId: Infinity }, 'terminalId'],
    ['a missing amount', { amount: undefined }, 'amount'],
    ['a text amount', { amount: '12.5' }, 'amount'],
    ['a NaN amount', { amount: NaN }, 'amount'],
    ['an infinite amount', { amount: Infinity }, 'amount'],
    ['a negative amount', { amount: -1 }, 'amount'],
    ['a missing timestamp', { timestamp: undefined }, 'timestamp'],
    ['a timestamp in another format', { timestamp: '01/04/2018 00:08' }, 'timestamp'],
    ['an impossible date', { timestamp: '2018-02-30T00:00:00Z' }, 'timestamp'],
    ['an impossible hour', { timestamp: '2018-04-01T24:00:00Z' }, 'timestamp'],
    ['a fractional epoch', { timestamp: 1.5 }, 'timestamp'],
    ['a NaN epoch', { timestamp: NaN }, 'timestamp'],
    ['a label of 2', { label: 2 }, 'label'],
    ['a NUL in the id', { id: 'tx\u0000' }, 'id'],
    ['a lone surrogate in the customer id', { customerId: 'c\ud800' }, 'customerId'],
    ['a control character in the terminal id', { terminalId: 't\u0085' }, 'terminalId'],
    ['an id of 257 characters', { id: 'x'.repeat(257) }, 'id'],
    ['a fractional customer id', { customerId: 35.5 }, 'customerId'],
    ['an id above 2^53', { id: 2 ** 53 + 2 }, 'id'],
    ['an amount above the ceiling', { amount: 1.7e308 }, 'amount'],
    ['a timestamp in year 0', { timestamp: '0000-01-01T00:00:00Z' }, 'timestamp'],
    ['a timestamp before 1970', { timestamp: -1 }, 'timestamp'],
  ];
  for (const [what, change, field] of refused) {
    it(`refuses ${what}, naming ${field}`, () => expect(fieldOf({ ...good, ...change })).toBe(field));
  }

  it('applies the timestamp window around `now` when given, and a configured ceiling', () => {
    const now = Date.parse('2018-04-01T12:00:00Z');
    expect(normalizeTransaction(good, spec, { now }).timestamp).toBe(1522541281000);
    expect(() => normalizeTransaction({ ...good, timestamp: '2018-02-01T00:00:00Z' }, spec, { now })).toThrow(
      /days before the clock/,
    );
    expect(
      normalizeTransaction({ ...good, timestamp: '2018-02-01T00:00:00Z' }, spec, { now, limits: { timeWindow: false } })
        .id,
    ).toBe('tx1');
    expect(() => normalizeTransaction({ ...good, amount: 2e9 }, spec)).toThrow(/ceiling of 1,000,000,000/);
    expect(normalizeTransaction({ ...good, amount: 2e9 }, spec, { limits: { maxAmount: 5e9 } }).amount).toBe(2e9);
  });

  it('refuses what is not an object', () => {
    expect(fieldOf(null)).toBe('transaction');
    expect(fieldOf([good])).toBe('transaction');
  });

  it('checks declared extra fields by type; optional ones may be absent, windowed entities may not', () => {
    const extended = compileSpec({
      ...specJson,
      fields: {
        ...specJson.fields,
        channel: { type: 'category' },
        score: { type: 'number', max: 1 },
        deviceId: { type: 'id' },
        note: { type: 'string' },
      },
      features: [
        ...specJson.features,
        { name: 'DEVICE_COUNT', type: 'count', window: { entity: 'deviceId', length: '1d', aggregate: 'count' } },
      ],
    });
    const base = { ...good, deviceId: 7 };
    expect(normalizeTransaction(base, extended)).toMatchObject({ deviceId: '7' });
    expect(normalizeTransaction({ ...base, score: null, channel: 'web' }, extended)).toMatchObject({
      score: null,
      channel: 'web',
    });
    expect(fieldOf(good, extended)).toBe('deviceId');
    expect(fieldOf({ ...base, channel: {} }, extended)).toBe('channel');
    expect(fieldOf({ ...base, score: 'high' }, extended)).toBe('score');
    expect(fieldOf({ ...base, score: 2 }, extended)).toBe('score');
    expect(fieldOf({ ...base, note: 3 }, extended)).toBe('note');
    expect(fieldOf({ ...base, note: 'a\u0000b' }, extended)).toBe('note');
    expect(fieldOf({ ...base, channel: 'web\ud800' }, extended)).toBe('channel');
    expect(fieldOf({ ...base, deviceId: '' }, extended)).toBe('deviceId');
  });
});

describe('parseTimestamp', () => {
  it('reads ISO 8601 with a zone, or without one as UTC, to the millisecond', () => {
    expect(parseTimestamp('2018-04-01T00:08:01.000Z')).toBe(1522541281000);
    expect(parseTimestamp('2018-04-01T00:08:01')).toBe(1522541281000);
    expect(parseTimestamp('2018-04-01 05:08:01.1239+05:00')).toBe(1522541281123);
    expect(parseTimestamp('2018-03-31T19:08:01-0500')).toBe(1522541281000);
    expect(parseTimestamp('2018-04-01')).toBe(Date.UTC(2018, 3, 1));
    expect(parseTimestamp('2016-02-29T12:00Z')).toBe(Date.UTC(2016, 1, 29, 12));
    expect(parseTimestamp('0050-01-01T00:00:00Z')).toBe(new Date('0050-01-01T00:00:00Z').getTime());
    expect(parseTimestamp(-1)).toBe(-1);
    expect(() => parseTimestamp('2017-02-29T00:00:00Z')).toThrow(ValidationError);
    expect(() => parseTimestamp('2018-04-01T00:08:01+25:00')).toThrow(ValidationError);
  });
});
