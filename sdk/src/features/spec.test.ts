import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors.js';
import { canonicalJson, pythonFloat, specHash } from './canonical-json.js';
import { compileSpec, durationMs } from './spec.js';
import { join } from 'node:path';
import { DEFAULT_BUNDLE_DIR, readBundleJson } from '../../../test/fixtures.js';

const specText = readFileSync(join(DEFAULT_BUNDLE_DIR, 'features.json'), 'utf8');
const manifest = readBundleJson('manifest.json') as {
  featureSpec: { sha256: string };
};
const handbook = (): Record<string, any> => JSON.parse(specText);

describe('compileSpec', () => {
  it('compiles the handbook spec: windows grouped by entity, durations in ms, look-backs', () => {
    const spec = compileSpec(handbook());
    expect(spec.names).toHaveLength(15);
    expect(spec.entities.map((e) => [e.entity, e.windows.length, e.lookBackMs])).toEqual([
      ['customerId', 6, 30 * 86_400_000],
      ['terminalId', 6, 37 * 86_400_000],
    ]);
    expect(spec.lookBackMs).toBe(37 * 86_400_000);
    expect(spec.dependsOn.filter((d) => d.includes('terminalId'))).toHaveLength(6);
    expect(spec.timeZoneOffsetMs).toBe(0);
    expect(durationMs('15m')).toBe(900_000);
  });

  const cases: [string, (spec: Record<string, any>) => void, RegExp][] = [
    [
      'an unsupported aggregate',
      (s) => (s.features[3].window.aggregate = 'median'),
      /"CUSTOMER_ID_NB_TX_1DAY_WINDOW".*median/,
    ],
    [
      'a bad duration',
      (s) => (s.features[5].window.length = '7 days'),
      /CUSTOMER_ID_NB_TX_7DAY_WINDOW.*duration "7 days"/,
    ],
    ['a zero length', (s) => (s.features[5].window.length = '0d'), /length must be positive/],
    ['a null delay', (s) => (s.features[9].window.delay = null), /TERMINAL_ID_NB_TX_1DAY_WINDOW.*duration null/],
    ['a duplicate name', (s) => s.features.push({ ...s.features[0] }), /"TX_AMOUNT": duplicate feature name/],
    ['a named time zone', (s) => (s.timeZone = 'Asia/Almaty'), /timeZone "Asia\/Almaty"/],
    ['another format', (s) => (s.format = 'x/2'), /format is "x\/2"/],
    ['no fields', (s) => (s.fields = {}), /fields must be a non-empty object/],
    ['an unknown field type', (s) => (s.fields.amount.type = 'decimal'), /field "amount" needs a type/],
    ['no features', (s) => (s.features = []), /features must be a non-empty list/],
    ['a nameless feature', (s) => delete s.features[0].name, /every feature needs a non-empty string name/],
    ['an unknown feature type', (s) => (s.features[0].type = 'int'), /"TX_AMOUNT": type must be one of/],
    ['two kinds', (s) => (s.features[0].ratio = {}), /"TX_AMOUNT": needs exactly one of .*has source, ratio/],
    ['a non-object body', (s) => (s.features[0].source = 'amount'), /source must be an object/],
    [
      'an undeclared field',
      (s) => (s.features[0].source.field = 'price'),
      /source.field "price" is not a declared field/,
    ],
    [
      'a field of the wrong type',
      (s) => (s.features[0].source.field = 'customerId'),
      /has type "id", expected one of category, label, number/,
    ],
    [
      'a prototype key as field',
      (s) => (s.features[0].source.field = 'constructor'),
      /"constructor" is not a declared field/,
    ],
    [
      'duplicate categories',
      (s) => Object.assign(s.features[0], { type: 'category', source: { field: 'amount', categories: [1, '1'] } }),
      /distinct values/,
    ],
    [
      'categories on a non-category feature',
      (s) => (s.features[0].source.categories = ['a']),
      /must have type "category"/,
    ],
    [
      'a category field without categories',
      (s) => {
        s.fields.channel = { type: 'category' };
        s.features[0] = { name: 'C', type: 'category', source: { field: 'channel' } };
      },
      /"C": source.categories must be/,
    ],
    ['a calendar hour out of range', (s) => (s.features[2].calendar.in = [24]), /TX_DURING_NIGHT.*calendar.in/],
    ['an unknown calendar part', (s) => (s.features[2].calendar.part = 'minute'), /calendar.part/],
    [
      'a calendar feature that is not a flag',
      (s) => (s.features[2].type = 'number'),
      /calendar feature has type "flag"/,
    ],
    [
      'a window on a non-id field',
      (s) => (s.features[3].window.entity = 'amount'),
      /window.entity "amount" must be a declared field of type "id"/,
    ],
    [
      'a mean without field',
      (s) => delete s.features[4].window.field,
      /window.field \(missing\) is not a declared field/,
    ],
    [
      'a text empty value',
      (s) => (s.features[10].window.empty = 'zero'),
      /TERMINAL_ID_RISK_1DAY_WINDOW.*window.empty must be a number or null/,
    ],
    [
      'a ratio of a later feature',
      (s) =>
        s.features.splice(1, 0, {
          name: 'R',
          type: 'number',
          ratio: { numerator: 'TX_AMOUNT', denominator: 'TERMINAL_ID_RISK_30DAY_WINDOW' },
        }),
      /"R": ratio.denominator "TERMINAL_ID_RISK_30DAY_WINDOW" must name an earlier feature/,
    ],
  ];
  for (const [what, change, message] of cases) {
    it(`refuses ${what}, naming the problem`, () => {
      const spec = handbook();
      change(spec);
      expect(() => compileSpec(spec)).toThrow(ModelLoadError);
      expect(() => compileSpec(spec)).toThrow(message);
    });
  }

  it('refuses documents that are not objects', () => {
    expect(() => compileSpec([])).toThrow(/not a JSON object/);
    expect(() => compileSpec(null)).toThrow(/not a JSON object/);
  });

  it('reads fixed offsets, negative ones too', () => {
    expect(compileSpec({ ...handbook(), timeZone: '-05:30' }).timeZoneOffsetMs).toBe(-330 * 60_000);
  });
});

describe('specHash', () => {
  it("equals the manifest's featureSpec.sha256, from the text and from the parsed object", async () => {
    expect(await specHash(specText)).toBe(manifest.featureSpec.sha256);
    expect(await specHash(JSON.parse(specText))).toBe(manifest.featureSpec.sha256);
    const reordered = Object.fromEntries(Object.entries(handbook()).reverse());
    expect(await specHash(reordered)).toBe(manifest.featureSpec.sha256);
  });

  it("writes what Python's json.dumps(sort_keys=True, separators=(',', ':'), ensure_ascii=False) writes", () => {
    expect(
      canonicalJson(
        '{"b": [1, 1.0, 1.50, 1e2, -0, -0.0, 1e16, 0.0001, 1e-05, 12345678901234567890], "a": "é\\n\\u0001"}',
      ),
    ).toBe('{"a":"é\\n\\u0001","b":[1,1.0,1.5,100.0,0,-0.0,1e+16,0.0001,1e-05,12345678901234567890]}');
    expect(canonicalJson({ z: 1, a: { c: null, b: true }, '\u{1F600}': 0, '\uFFFF': 0 })).toBe(
      '{"a":{"b":true,"c":null},"z":1,"\uFFFF":0,"\u{1F600}":0}',
    );
    expect(canonicalJson('{"a": 1, "a": 2}')).toBe('{"a":2}'); // the last repeated key wins, as in Python
    expect([0.1, 123.456, 1.5e300, 2.5e-7, -3.0, 1234567890123456.0].map(pythonFloat)).toEqual([
      '0.1',
      '123.456',
      '1.5e+300',
      '2.5e-07',
      '-3.0',
      '1234567890123456.0',
    ]);
    expect(() => canonicalJson('{"a": }')).toThrow(ModelLoadError);
    expect(() => canonicalJson('{"a": 1e999}')).toThrow(ModelLoadError);
  });
});
