import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  amountProblem,
  contentFingerprint,
  DEFAULT_TIME_WINDOW,
  differingFields,
  formatDuration,
  formatNumber,
  ID_PATTERN,
  idProblem,
  MAX_ID_LENGTH,
  resolveLimits,
  textProblem,
  timestampProblem,
} from './contract.js';
import { ValidationError } from './errors.js';
import { compileSpec } from './features/spec.js';
import { normalizeTransaction } from './features/validate.js';

const spec = compileSpec(
  JSON.parse(readFileSync(new URL('../../models/specs/handbook-features.json', import.meta.url), 'utf8')),
);
const NOW = Date.parse('2026-03-20T12:00:00Z');
const good = { id: 'tx1', customerId: 'c1', terminalId: 't1', amount: 12.5, timestamp: '2026-03-20T10:00:00Z' };
/** Seeded and bounded, so a failure reproduces and the suite stays fast. */
const RUNS = { seed: 16, numRuns: 2000 };

/** Any UTF-16 code unit sequence: lone surrogates, NUL, C1 controls, pairs, plain text. */
const utf16 = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
      fc.constantFrom('\u0000', '\u001f', '\u007f', '\u009f', '\ud800', '\udfff', '\ud83d\ude00', 'é', 'a', ' '),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

describe('text and ids', () => {
  it.each([
    ['kn-1\u0000', /control character U\+0000 at character 5/],
    ['bad-\ud800', /not valid Unicode: character 5 is U\+D800/],
    ['\udc00x', /not valid Unicode: character 1 is U\+DC00/],
    ['tab\there', /control character U\+0009/],
    ['c1\u0085', /control character U\+0085/],
    ['', /is empty/],
    ['x'.repeat(257), /is 257 characters long; at most 256/],
  ])('%j is refused in plain words', (text, message) => expect(textProblem(text)).toMatch(message));

  it.each(['tx-1', 'Zoë', '支付-1', '😀'.repeat(256), ' padded ', 'x'.repeat(256), 'line\u2028sep'])(
    '%j is an id',
    (text) => {
      expect(textProblem(text)).toBeUndefined();
    },
  );

  it('counts characters as code points (JSON Schema maxLength), not UTF-16 units', () => {
    expect(textProblem('😀'.repeat(MAX_ID_LENGTH))).toBeUndefined();
    expect(textProblem('😀'.repeat(MAX_ID_LENGTH + 1))).toMatch(/257 characters/);
  });

  it('agrees with the published pattern and maxLength on any UTF-16 text', () => {
    const pattern = new RegExp(ID_PATTERN);
    fc.assert(
      fc.property(utf16, (text) => {
        const published = pattern.test(text) && [...text].length <= MAX_ID_LENGTH;
        expect(textProblem(text) === undefined).toBe(published);
      }),
      RUNS,
    );
  });

  it('numbers are ids only as whole numbers JSON keeps exact', () => {
    expect(idProblem(17)).toBeUndefined();
    expect(idProblem(-3)).toBeUndefined();
    expect(idProblem(2 ** 53 - 1)).toBeUndefined();
    expect(idProblem(2 ** 53)).toMatch(/too large to be exact in JSON.*send it as text/);
    expect(idProblem(1.5)).toMatch(/whole number/);
    expect(idProblem(true)).toMatch(/got true/);
    expect(idProblem({})).toMatch(/got a object/);
  });
});

describe('amounts and timestamps', () => {
  it('amounts are finite, not negative, not above the ceiling', () => {
    expect(amountProblem(0)).toBeUndefined();
    expect(amountProblem(-0)).toBeUndefined();
    expect(amountProblem(5e-324)).toBeUndefined();
    expect(amountProblem(1e9)).toBeUndefined();
    expect(amountProblem(1.7e308)).toBe(
      'is above the ceiling of 1,000,000,000; it must be a number from 0 to 1,000,000,000, got 1.7e+308',
    );
    expect(amountProblem(-1)).toMatch(/must not be negative/);
    expect(amountProblem(Infinity)).toMatch(/got Infinity/);
    expect(amountProblem('12')).toMatch(/got "12"/);
    expect(amountProblem(2e9, 5e9)).toBeUndefined();
  });

  it('timestamps: always 1970..9999, and within the window around the clock when one is given', () => {
    const day = 86_400_000;
    expect(timestampProblem(Date.parse('0000-01-01T00:00:00Z'), false)).toMatch(/between 1970-01-01 and 9999-12-31/);
    expect(timestampProblem(-1, false)).toMatch(/between 1970/);
    expect(timestampProblem(0, false)).toBeUndefined();
    expect(timestampProblem(0, DEFAULT_TIME_WINDOW, NOW)).toMatch(
      /^is 20,532 days before the clock \(2026-03-20T12:00:00.000Z\); it must be within 30 days before and 15 minutes after the clock/,
    );
    expect(timestampProblem(Date.parse('2100-01-01T00:00:00Z'), DEFAULT_TIME_WINDOW, NOW)).toMatch(
      /^is 26,949 days after the clock/,
    );
    expect(timestampProblem(NOW - 30 * day, DEFAULT_TIME_WINDOW, NOW)).toBeUndefined();
    expect(timestampProblem(NOW + 15 * 60_000, DEFAULT_TIME_WINDOW, NOW)).toBeUndefined();
    expect(timestampProblem(NOW + 15 * 60_000 + 1, DEFAULT_TIME_WINDOW, NOW)).toMatch(/after the clock/);
    expect(timestampProblem(Date.parse('2100-01-01T00:00:00Z'), false, NOW)).toBeUndefined();
  });

  it('limits are resolved with defaults and checked', () => {
    expect(resolveLimits()).toEqual({ maxAmount: 1e9, timeWindow: DEFAULT_TIME_WINDOW });
    expect(resolveLimits({ timeWindow: false }).timeWindow).toBe(false);
    expect(() => resolveLimits({ maxAmount: Infinity })).toThrow(RangeError);
    expect(() => resolveLimits({ maxAmount: 0 })).toThrow(RangeError);
  });

  it('formats for people', () => {
    expect(formatNumber(1_000_000_000)).toBe('1,000,000,000');
    expect(formatNumber(1.5)).toBe('1.5');
    expect([
      formatDuration(30 * 86_400_000),
      formatDuration(15 * 60_000),
      formatDuration(3_600_000),
      formatDuration(1500),
    ]).toEqual(['30 days', '15 minutes', '1 hour', '1 second']);
  });
});

describe('normalizeTransaction under the contract (properties)', () => {
  /** JSON-like values with the extremes: NUL, lone surrogates, ±0, 5e-324, 1.7e308, huge integers, nesting. */
  const weird = fc.oneof(
    utf16,
    fc.double(),
    fc.constantFrom(
      0,
      -0,
      5e-324,
      1.7e308,
      -1.7e308,
      2 ** 53,
      2 ** 53 + 2,
      1e21,
      Number.MAX_SAFE_INTEGER,
      '9007199254740993',
      '1e9999',
      null,
      true,
    ),
    fc.integer(),
    fc.jsonValue({ maxDepth: 3 }),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.integer({ min: -1e15, max: 1e15 }),
  );
  const transaction = fc
    .record(
      {
        id: weird,
        customerId: weird,
        terminalId: weird,
        amount: weird,
        timestamp: weird,
      },
      { requiredKeys: [] },
    )
    .chain((fields) =>
      fc
        .subarray(Object.keys(good))
        .map((keep) => ({ ...Object.fromEntries(keep.map((k) => [k, good[k as keyof typeof good]])), ...fields })),
    );

  it('refuses only with a ValidationError naming a field; what it accepts meets every rule', () => {
    fc.assert(
      fc.property(transaction, (tx) => {
        let out;
        try {
          out = normalizeTransaction(tx, spec, { now: NOW });
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect(['id', 'customerId', 'terminalId', 'amount', 'timestamp', 'label', 'transaction']).toContain(
            (error as ValidationError).field,
          );
          expect((error as ValidationError).message).not.toMatch(/undefined|NaN|\[object/);
          return;
        }
        for (const field of ['id', 'customerId', 'terminalId'] as const)
          expect(textProblem(out[field])).toBeUndefined();
        expect(amountProblem(out.amount)).toBeUndefined();
        expect(timestampProblem(out.timestamp, DEFAULT_TIME_WINDOW, NOW)).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('two different accepted ids stay different (nothing is rewritten into another id)', () => {
    const id = fc.oneof(utf16, fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }));
    fc.assert(
      fc.property(id, id, (a, b) => {
        const accepted = (v: unknown) => (idProblem(v) === undefined ? String(v) : undefined);
        const [x, y] = [accepted(a), accepted(b)];
        if (x !== undefined && y !== undefined && x === y) expect(String(a)).toBe(String(b));
      }),
      RUNS,
    );
  });
});

describe('content fingerprint ("same content")', () => {
  const normalized = (tx: Record<string, unknown>) => normalizeTransaction(tx, spec, { now: NOW });

  it('equal when the content is written differently: ids as numbers, instants in other zones or as epoch ms, labels', async () => {
    const a = contentFingerprint(normalized({ ...good, id: 17, customerId: 35 }));
    const b = contentFingerprint(
      normalized({
        ...good,
        id: '17',
        customerId: '35',
        timestamp: '2026-03-20T11:00:00+01:00',
        label: 1,
        note: 'not in the spec',
      }),
    );
    const c = contentFingerprint(
      normalized({ ...good, id: '17', customerId: '35', timestamp: Date.parse(good.timestamp), amount: 12.5 }),
    );
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('different when anything the model reads differs; the differing fields are named', async () => {
    const base = normalized(good);
    for (const change of [
      { amount: 12.51 },
      { customerId: 'c2' },
      { terminalId: 't2' },
      { timestamp: '2026-03-20T10:00:00.001Z' },
      { id: 'tx2' },
    ]) {
      const other = normalized({ ...good, ...change });
      expect(contentFingerprint(other)).not.toBe(contentFingerprint(base));
      expect(differingFields(base, other)).toEqual(Object.keys(change));
    }
  });
});

describe('contentFingerprint', () => {
  it('stays the SHA-256 of the content as sorted JSON, so fingerprints stored by earlier versions still compare', async () => {
    const tx = normalizeTransaction(good, spec, { now: NOW });
    const json = JSON.stringify(
      Object.keys(tx)
        .sort()
        .filter((name) => name !== 'label' && tx[name] !== undefined && tx[name] !== null)
        .map((name) => [name, tx[name]]),
    );
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(json)));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    expect(contentFingerprint(tx)).toBe(hex);
    expect(hex).toBe('0f9c307f87c891713cb04a1d380325f7800872645e29cc2c078bafdbc8d20fc4');
  });
});
