// Hostile input for the property tests (fast-check, seeded): text with NUL, control characters and lone surrogates,
// numeric extremes, huge integers (as numbers and as text), deep nesting, prototype keys, ids from a small pool so
// duplicates and conflicting duplicates happen, and bodies with invalid UTF-8 bytes or the wrong Content-Type.
import fc from 'fast-check';

/** Any UTF-16 code unit sequence: lone surrogates, NUL, C1 controls, pairs, plain text. */
export const utf16 = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
      fc.constantFrom(
        '\u0000',
        '\u0007',
        '\u001f',
        '\u007f',
        '\u0085',
        '\u009f',
        '\ud800',
        '\udbff',
        '\udc00',
        '\udfff',
        '\ud83d\ude00',
        '\u202e',
        'é',
        '\ufeff',
        '\ufffd',
      ),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(''));

export const hostileString = fc.oneof(
  utf16,
  fc.constantFrom(
    '',
    ' ',
    'a'.repeat(257),
    'x'.repeat(5000),
    '__proto__',
    'constructor',
    'NaN',
    'Infinity',
    '-0',
    '1e9999',
    '9007199254740993',
    '0x1F',
    '<script>',
    '../../etc/passwd',
  ),
);

export const hostileNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    5e-324,
    -5e-324,
    1.7e308,
    -1.7e308,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53) - 2,
    1e21,
    Number.MAX_SAFE_INTEGER,
    1e9,
    1e9 + 0.01,
    -1,
    0.1,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** A value nested `depth` levels deep (arrays and objects alternating). */
export const nested = (depth: number): unknown => {
  let value: unknown = null;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
  return value;
};

/** An object whose keys are the prototype's names (as own keys: JSON.parse never sets a prototype). */
export const prototypeKeys = fc
  .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 1 }), hostileString)
  .map(
    ([a, b, c]) =>
      JSON.parse(
        `{"__proto__":${JSON.stringify(a)},"constructor":${JSON.stringify(b)},"prototype":${JSON.stringify(c)},"toString":"x"}`,
      ) as unknown,
  );

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 4 },
  { arbitrary: hostileNumber, weight: 4 },
  { arbitrary: fc.constantFrom(null, true, false), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
  { arbitrary: fc.integer({ min: 2, max: 400 }).map(nested), weight: 1 },
  { arbitrary: prototypeKeys, weight: 1 },
  {
    arbitrary: fc
      .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString()),
    weight: 2,
  },
);

/** The fields of a transaction; a valid base the generators start from, around `now`. */
export interface TransactionPools {
  now: number;
  /** Small, so the same id comes back (same or other content). */
  ids: readonly (string | number)[];
  customers: readonly (string | number)[];
  terminals: readonly string[];
}

export const defaultPools = (now: number, prefix = 'h'): TransactionPools => ({
  now,
  ids: [...Array.from({ length: 6 }, (_, i) => `${prefix}-${i}`), 17, '17'],
  customers: ['c1', 'c2', 'c3', 35],
  terminals: ['t1', 't2'],
});

/** A valid transaction: a fresh id (scored), a pooled id with random content (a conflict once the id is stored), or
 * one of a few fixed transactions written in different but equivalent ways (the same content: the stored result). */
export const validTransaction = (p: TransactionPools): fc.Arbitrary<Record<string, unknown>> => {
  const content = {
    customerId: fc.constantFrom(...p.customers),
    terminalId: fc.constantFrom(...p.terminals),
    amount: fc.constantFrom(0, 5e-324, 12.5, 99.99, 1e9),
    timestamp: fc
      .integer({ min: -29 * 86_400_000, max: 10 * 60_000 })
      .map((d) => (d % 2 === 0 ? new Date(p.now + d).toISOString() : p.now + d)),
  };
  const fresh = fc.record({
    id: fc.integer({ min: 1, max: 2 ** 40 }).map((n) => `${p.ids[0]}-fresh-${n}`),
    ...content,
  });
  const pooled = fc.record({ id: fc.constantFrom(...p.ids), ...content });
  const fixed = fc.tuple(fc.nat(3), fc.boolean()).map(([k, epoch]): Record<string, unknown> => {
    const at = p.now - (k + 1) * 3_600_000;
    return {
      id: k === 3 ? (epoch ? 9_000_017 : '9000017') : `${p.ids[0]}-same-${k}`,
      customerId: k === 1 ? (epoch ? 35 : '35') : 'c-same',
      terminalId: 't1',
      amount: 10 + k,
      timestamp: epoch ? at : new Date(at).toISOString(),
    };
  });
  return fc.oneof({ arbitrary: fresh, weight: 3 }, { arbitrary: pooled, weight: 1 }, { arbitrary: fixed, weight: 2 });
};

/** A transaction with some fields made hostile (or deleted), extra hostile fields, sometimes a pre-score or a label. */
export const hostileTransaction = (p: TransactionPools): fc.Arbitrary<unknown> =>
  fc
    .tuple(
      validTransaction(p),
      fc.array(
        fc.tuple(
          fc.constantFrom('id', 'customerId', 'terminalId', 'amount', 'timestamp'),
          fc.option(hostileValue, { nil: undefined }),
        ),
        { maxLength: 3 },
      ),
      fc.dictionary(
        fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'preScore', 'label', 'extra')),
        hostileValue,
        { maxKeys: 2 },
      ),
      fc.nat(9),
    )
    .map(([base, changes, extra, roll]) => {
      const tx: Record<string, unknown> = { ...base };
      for (const [key, value] of Object.entries(extra))
        Object.defineProperty(tx, key, { value, enumerable: true, configurable: true, writable: true });
      for (const [field, value] of changes) {
        if (value === undefined) delete tx[field];
        else tx[field] = value;
      }
      if (roll === 0) tx['preScore'] = { probability: 0.2, riskLevel: 'LOW' };
      return roll === 9 ? [tx] : tx;
    });

/** Valid (so state builds up and conflicts happen) or hostile, in the proportion `valid` : `hostile`. */
export const mixedTransaction = (p: TransactionPools, valid = 2, hostile = 3): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: validTransaction(p), weight: valid }, { arbitrary: hostileTransaction(p), weight: hostile });

/** Invalid UTF-8 sequences: a lone continuation byte, 0xFF, an overlong '/', an encoded surrogate, a truncated '€'. */
export const INVALID_UTF8: readonly number[][] = [
  [0x80],
  [0xff],
  [0xfe],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
];

/** A JSON body as bytes, sometimes with invalid UTF-8 spliced into a string, sometimes truncated. */
export const bodyBytes = (
  json: fc.Arbitrary<unknown>,
): fc.Arbitrary<{ bytes: Uint8Array<ArrayBuffer>; corrupted: boolean }> =>
  fc.tuple(json, fc.nat(19), fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([value, roll, bad, at]) => {
    const text = JSON.stringify(value) ?? 'null';
    const encoded = new TextEncoder().encode(text);
    if (roll === 0) return { bytes: encoded.slice(0, at % Math.max(1, encoded.length)), corrupted: true };
    if (roll <= 2) {
      // Inside the first string of the document, so the JSON stays well-formed around the bad bytes.
      const quote = text.indexOf('"');
      const cut = quote < 0 ? 0 : new TextEncoder().encode(text.slice(0, quote + 1)).length;
      return { bytes: new Uint8Array([...encoded.slice(0, cut), ...bad, ...encoded.slice(cut)]), corrupted: true };
    }
    return { bytes: encoded, corrupted: false };
  });

export const contentType = fc.oneof(
  { arbitrary: fc.constant<string | undefined>('application/json'), weight: 12 },
  {
    arbitrary: fc.constantFrom<string | undefined>('application/json; charset=utf-8', 'application/problem+json'),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom<string | undefined>(
      undefined,
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
      'multipart/form-data; boundary=x',
    ),
    weight: 2,
  },
);

/**
 * A hostile transactions_raw message (key and value bytes): random bytes (often not UTF-8), JSON that is not an
 * envelope, an envelope with a hostile transaction, a back-fill flag of the wrong type, or — given good messages
 * published before it — an exact duplicate of one (same content) or a conflicting one (same id, other amount), under
 * the original's key (its partition, after it).
 */
export const hostileRawMessage = (
  p: TransactionPools,
  good: readonly { key: string; value: string }[],
): fc.Arbitrary<{ key: string; value: Buffer }> => {
  const envelope = (transaction: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ schemaVersion: 1, transaction, ...extra });
  const keyed = (value: fc.Arbitrary<string | Uint8Array>) =>
    fc
      .tuple(value, fc.constantFrom(...p.customers.map(String), 'x', ''))
      .map(([v, key]) => ({ key, value: Buffer.from(v) }));
  return fc.oneof(
    { arbitrary: keyed(fc.uint8Array({ maxLength: 64 })), weight: 1 },
    { arbitrary: keyed(bodyBytes(hostileValue).map((b) => b.bytes)), weight: 1 },
    { arbitrary: keyed(hostileTransaction(p).map((t) => envelope(t))), weight: 6 },
    {
      arbitrary: keyed(
        fc.tuple(hostileTransaction(p), hostileValue).map(([t, flag]) => envelope(t, { backfill: flag })),
      ),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(fc.constantFrom(...good), fc.boolean()).map(([original, conflicting]) => {
        const body = JSON.parse(original.value) as { schemaVersion: number; transaction: Record<string, unknown> };
        const value = conflicting
          ? envelope({ ...body.transaction, amount: Number(body.transaction['amount']) + 1 })
          : original.value;
        return { key: original.key, value: Buffer.from(value) };
      }),
      weight: 2,
    },
  );
};
