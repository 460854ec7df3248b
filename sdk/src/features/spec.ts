// The declarative feature spec (format "fraudscore-features/1"): validation exactly as models/fraudmodels/spec.py,
// then compilation into the form the interpreter runs per transaction: windows grouped by entity, durations in ms.
import { ModelLoadError } from '../errors.js';
import { parseDuration } from '../duration.js';

export const SPEC_FORMAT = 'fraudscore-features/1';
export type FieldType = 'string' | 'id' | 'number' | 'timestamp' | 'label' | 'category';
export type FeatureType = 'number' | 'count' | 'flag' | 'category';
export type Aggregate = 'count' | 'sum' | 'mean' | 'std';

const FIELD_TYPES: ReadonlySet<string> = new Set<FieldType>([
  'string',
  'id',
  'number',
  'timestamp',
  'label',
  'category',
]);
const FEATURE_TYPES: ReadonlySet<string> = new Set<FeatureType>(['number', 'count', 'flag', 'category']);
const KINDS = ['source', 'calendar', 'window', 'ratio'] as const;
const CALENDAR_PARTS = { hour: [0, 23], isoWeekday: [1, 7] } as const;
const AGGREGATES: ReadonlySet<string> = new Set<Aggregate>(['count', 'sum', 'mean', 'std']);

interface FeatureBase {
  readonly name: string;
  readonly index: number;
  readonly type: FeatureType;
}
export interface SourceFeature extends FeatureBase {
  readonly kind: 'source';
  readonly field: string;
  /** Category value (as Python's str() spells it) → code; null when the raw number is the value. */
  readonly categories: ReadonlyMap<string, number> | null;
}
export interface CalendarFeature extends FeatureBase {
  readonly kind: 'calendar';
  readonly field: string;
  readonly part: 'hour' | 'isoWeekday';
  /** in[value] is 1 when the part's value is listed (a lookup instead of a list search per transaction). */
  readonly in: Uint8Array;
}
export interface WindowFeature extends FeatureBase {
  readonly kind: 'window';
  readonly entity: string;
  readonly lengthMs: number;
  readonly delayMs: number;
  readonly aggregate: Aggregate;
  /** The aggregated field; null for count. */
  readonly field: string | null;
  /** Value of an empty window for mean/std; NaN = missing. (count gives 0 and sum gives 0, as in features.py.) */
  readonly empty: number;
}
export interface RatioFeature extends FeatureBase {
  readonly kind: 'ratio';
  readonly numerator: number;
  readonly denominator: number;
  readonly empty: number;
}
export type CompiledFeature = SourceFeature | CalendarFeature | WindowFeature | RatioFeature;

/** Every window on one entity field: one history look-up per transaction serves them all. */
export interface EntityWindows {
  readonly entity: string;
  readonly windows: readonly WindowFeature[];
  /** The longest look-back, max(length + delay): the history this entity needs, and its retention. */
  readonly lookBackMs: number;
}

export interface CompiledSpec {
  /** The validated document as given (hash it with specHash). */
  readonly json: Readonly<Record<string, unknown>>;
  readonly name: string | undefined;
  readonly version: string | undefined;
  readonly timeZoneOffsetMs: number;
  readonly fields: ReadonlyMap<string, FieldType>;
  /** Features in model-input order. */
  readonly features: readonly CompiledFeature[];
  readonly names: readonly string[];
  readonly entities: readonly EntityWindows[];
  /** Per feature (same order), the entity fields its value depends on (windows, and ratios through them). */
  readonly dependsOn: readonly (readonly string[])[];
  /** The longest look-back over every entity. */
  readonly lookBackMs: number;
}

const repr = (value: unknown): string => (value === undefined ? '(missing)' : (JSON.stringify(value) ?? String(value)));
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const has = (object: Record<string, unknown>, key: string): boolean => Object.hasOwn(object, key);

function fail(message: string, feature?: string): never {
  throw new ModelLoadError(
    feature === undefined ? `feature spec: ${message}` : `feature spec, feature "${feature}": ${message}`,
  );
}

/** Parses a spec duration "<integer><d|h|m|s>" into milliseconds. */
export function durationMs(text: unknown, feature?: string): number {
  const ms = typeof text === 'string' ? parseDuration(text, ['d', 'h', 'm', 's']) : undefined;
  if (ms === undefined) return fail(`duration ${repr(text)} is not <integer><d|h|m|s>, e.g. "7d"`, feature);
  return ms;
}

/** "UTC" or a fixed offset "+05:00" → offset in ms added to UTC to get local time. Named zones are refused. */
export function timeZoneOffsetMs(spec: Record<string, unknown>): number {
  const zone = has(spec, 'timeZone') ? spec['timeZone'] : 'UTC';
  if (zone === 'UTC') return 0;
  const match = typeof zone === 'string' ? /^[+-](\d\d):(\d\d)$/.exec(zone) : null;
  if (!match)
    return fail(`timeZone ${repr(zone)} is not "UTC" or a fixed offset like "+05:00" (named zones are unsupported)`);
  return ((zone as string).startsWith('-') ? -1 : 1) * (Number(match[1]) * 60 + Number(match[2])) * 60_000;
}

/** Python's str() of a category value, so that codes match what the training data mapped. */
export function categoryKey(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null || value === undefined) return 'None';
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** Validates like spec.py (throws ModelLoadError naming the feature and the problem) and compiles. */
export function compileSpec(json: unknown): CompiledSpec {
  if (!isObject(json)) return fail('the document is not a JSON object');
  if (json['format'] !== SPEC_FORMAT) return fail(`format is ${repr(json['format'])}, expected "${SPEC_FORMAT}"`);
  const timeZone = timeZoneOffsetMs(json);
  const rawFields = json['fields'];
  if (!isObject(rawFields) || Object.keys(rawFields).length === 0)
    fail('fields must be a non-empty object of field name -> {type}');
  const fields = new Map<string, FieldType>();
  for (const [name, field] of Object.entries(rawFields)) {
    if (!isObject(field) || typeof field['type'] !== 'string' || !FIELD_TYPES.has(field['type'])) {
      fail(`field "${name}" needs a type among ${[...FIELD_TYPES].sort().join(', ')}`);
    }
    fields.set(name, field['type'] as FieldType);
  }
  const rawFeatures = json['features'];
  if (!Array.isArray(rawFeatures) || rawFeatures.length === 0) return fail('features must be a non-empty list');

  const features: CompiledFeature[] = [];
  const indexOf = new Map<string, number>();
  for (const feature of rawFeatures as unknown[]) {
    const name = isObject(feature) ? feature['name'] : undefined;
    if (typeof name !== 'string' || name === '') fail('every feature needs a non-empty string name');
    if (indexOf.has(name)) fail('duplicate feature name', name);
    features.push(compileFeature(feature as Record<string, unknown>, name, features.length, fields, indexOf));
    indexOf.set(name, features.length - 1);
  }

  const byEntity = new Map<string, WindowFeature[]>();
  for (const f of features) if (f.kind === 'window') byEntity.set(f.entity, [...(byEntity.get(f.entity) ?? []), f]);
  const entities = [...byEntity].map(([entity, windows]) => ({
    entity,
    windows,
    lookBackMs: Math.max(...windows.map((w) => w.lengthMs + w.delayMs)),
  }));
  const dependsOn: (readonly string[])[] = [];
  for (const f of features) {
    dependsOn.push(
      f.kind === 'window'
        ? [f.entity]
        : f.kind === 'ratio'
          ? [...new Set([...dependsOn[f.numerator]!, ...dependsOn[f.denominator]!])]
          : [],
    );
  }
  return {
    json,
    timeZoneOffsetMs: timeZone,
    fields,
    features,
    entities,
    dependsOn,
    name: typeof json['name'] === 'string' ? json['name'] : undefined,
    version: typeof json['version'] === 'string' ? json['version'] : undefined,
    names: features.map((f) => f.name),
    lookBackMs: Math.max(0, ...entities.map((e) => e.lookBackMs)),
  };
}

function compileFeature(
  feature: Record<string, unknown>,
  name: string,
  index: number,
  fields: ReadonlyMap<string, FieldType>,
  earlier: ReadonlyMap<string, number>,
): CompiledFeature {
  const type = feature['type'];
  if (typeof type !== 'string' || !FEATURE_TYPES.has(type))
    fail(`type must be one of ${[...FEATURE_TYPES].sort().join(', ')}`, name);
  const kinds = KINDS.filter((k) => has(feature, k));
  if (kinds.length !== 1)
    fail(`needs exactly one of ${KINDS.join(', ')}, has ${kinds.length ? kinds.join(', ') : 'none'}`, name);
  const kind = kinds[0]!;
  const body = feature[kind];
  if (!isObject(body)) return fail(`${kind} must be an object`, name);
  const base = { name, index, type: type as FeatureType };

  const needField = (key: string, types: readonly FieldType[]): string => {
    const field = body[key];
    if (typeof field !== 'string' || !fields.has(field))
      fail(`${kind}.${key} ${repr(field)} is not a declared field`, name);
    const fieldType = fields.get(field)!;
    if (!types.includes(fieldType))
      fail(`${kind}.${key} "${field}" has type "${fieldType}", expected one of ${[...types].sort().join(', ')}`, name);
    return field;
  };
  const emptyValue = (): number => {
    const empty = body['empty'];
    if (empty === undefined || empty === null) return NaN;
    if (typeof empty !== 'number' || !Number.isFinite(empty))
      fail(`${kind}.empty must be a number or null (missing)`, name);
    return empty;
  };

  if (kind === 'source') {
    const field = needField('field', ['number', 'label', 'category']);
    const categories = body['categories'];
    if (fields.get(field) === 'category' || (categories !== undefined && categories !== null)) {
      if (
        !Array.isArray(categories) ||
        categories.length === 0 ||
        new Set(categories.map(categoryKey)).size !== categories.length
      ) {
        fail('source.categories must be a non-empty list of distinct values (code = index)', name);
      }
      if (type !== 'category') fail('a feature with categories must have type "category"', name);
      return { ...base, kind, field, categories: new Map(categories.map((c, i) => [categoryKey(c), i])) };
    }
    return { ...base, kind, field, categories: null };
  }
  if (kind === 'calendar') {
    const field = needField('field', ['timestamp']);
    const part = body['part'];
    if (part !== 'hour' && part !== 'isoWeekday') return fail('calendar.part must be one of hour, isoWeekday', name);
    const [low, high] = CALENDAR_PARTS[part];
    const values = body['in'];
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.some((v) => !Number.isInteger(v) || v < low || v > high)
    ) {
      fail(`calendar.in must list values of ${part} in ${low}..${high}`, name);
    }
    if (type !== 'flag') fail('a calendar feature has type "flag"', name);
    const mask = new Uint8Array(high + 1);
    for (const v of values as number[]) mask[v] = 1;
    return { ...base, kind, field, part, in: mask };
  }
  if (kind === 'window') {
    const entity = body['entity'];
    if (typeof entity !== 'string' || fields.get(entity) !== 'id')
      fail(`window.entity ${repr(entity)} must be a declared field of type "id"`, name);
    const lengthMs = durationMs(body['length'], name);
    if (lengthMs <= 0) fail('window.length must be positive', name);
    const delayMs = durationMs(has(body, 'delay') ? body['delay'] : '0d', name);
    const aggregate = body['aggregate'];
    if (typeof aggregate !== 'string' || !AGGREGATES.has(aggregate)) {
      fail(`window.aggregate ${repr(aggregate)} is unsupported; use one of ${[...AGGREGATES].sort().join(', ')}`, name);
    }
    const field = aggregate === 'count' ? null : needField('field', ['number', 'label']);
    return { ...base, kind, entity, lengthMs, delayMs, aggregate: aggregate as Aggregate, field, empty: emptyValue() };
  }
  const [numerator, denominator] = (['numerator', 'denominator'] as const).map((key) => {
    const ref = body[key];
    const at = typeof ref === 'string' ? earlier.get(ref) : undefined;
    return at ?? fail(`ratio.${key} ${repr(ref)} must name an earlier feature`, name);
  }) as [number, number];
  return { ...base, kind, numerator, denominator, empty: emptyValue() };
}
