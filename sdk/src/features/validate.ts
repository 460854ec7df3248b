// Input validation: a transaction the spec cannot read, or one outside the input contract (../contract.ts), is
// refused with a ValidationError naming the field, never scored silently with made-up values.
import {
  amountProblem,
  describe,
  idProblem,
  resolveLimits,
  RULES,
  textProblem,
  timestampProblem,
  type InputLimits,
} from '../contract.js';
import { ValidationError } from '../errors.js';
import type { NormalizedTransaction } from '../transaction.js';
import type { CompiledSpec, FieldType } from './spec.js';

/** Fields every transaction has, whatever the spec declares. */
const CORE_FIELDS: ReadonlySet<string> = new Set(['id', 'customerId', 'terminalId', 'amount', 'timestamp', 'label']);
const MAX_EPOCH_MS = 8.64e15; // the ECMAScript Date range

export interface NormalizeOptions {
  /** Amount ceiling and timestamp window (defaults: DEFAULT_LIMITS). */
  limits?: Partial<InputLimits>;
  /** The clock (epoch ms) the timestamp window is judged against; without it only the 1970..9999 range is checked. */
  now?: number;
}

/**
 * Checks a raw transaction and returns a new object with the core fields and the spec's declared fields only:
 * ids as strings, timestamps as epoch ms, label 0 | 1 | null. Optional declared fields may be absent or null
 * (missing); a field the spec windows on is required.
 */
export function normalizeTransaction(
  tx: unknown,
  spec: CompiledSpec,
  options: NormalizeOptions = {},
): NormalizedTransaction {
  if (typeof tx !== 'object' || tx === null || Array.isArray(tx)) {
    throw new ValidationError('transaction', 'must be an object with id, customerId, terminalId, amount and timestamp');
  }
  const limits = resolveLimits(options.limits);
  const raw = tx as Record<string, unknown>;
  const id = requiredId(raw, 'id');
  const customerId = requiredId(raw, 'customerId');
  const terminalId = requiredId(raw, 'terminalId');
  const amount = raw['amount'];
  const amountIssue = amountProblem(amount, limits.maxAmount);
  if (amountIssue !== undefined) throw new ValidationError('amount', amountIssue);
  const timestamp = parseTimestamp(raw['timestamp'], 'timestamp');
  const timeIssue = timestampProblem(timestamp, limits.timeWindow, options.now);
  if (timeIssue !== undefined) throw new ValidationError('timestamp', timeIssue);
  const out: NormalizedTransaction = {
    id,
    customerId,
    terminalId,
    amount: amount as number,
    timestamp,
    label: label(raw['label'], 'label'),
  };
  for (const [name, type] of spec.fields) {
    if (CORE_FIELDS.has(name)) continue;
    const value = raw[name];
    if (value === undefined || value === null) {
      if (spec.entities.some((e) => e.entity === name))
        throw new ValidationError(name, 'is required: the spec aggregates over it');
      if (value === null) out[name] = null;
      continue;
    }
    out[name] = extraField(value, name, type, spec);
  }
  checkBounds(out['amount'], 'amount', spec);
  return out;
}

function extraField(value: unknown, name: string, type: FieldType, spec: CompiledSpec): unknown {
  switch (type) {
    case 'id':
      return requiredId({ [name]: value }, name);
    case 'string':
      if (typeof value !== 'string') throw new ValidationError(name, `must be a string, got ${describe(value)}`);
      return text(value, name);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new ValidationError(name, `must be a finite number, got ${describe(value)}`);
      checkBounds(value, name, spec);
      return value;
    case 'timestamp': {
      const ms = parseTimestamp(value, name);
      const problem = timestampProblem(ms, false);
      if (problem !== undefined) throw new ValidationError(name, problem);
      return ms;
    }
    case 'label':
      return label(value, name);
    case 'category':
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
        throw new ValidationError(name, `must be a string or a finite number (a category), got ${describe(value)}`);
      }
      return typeof value === 'string' ? text(value, name) : value;
  }
}

/** Honors "min"/"max" when the spec declares them on a number field (the handbook's amount has min 0). */
function checkBounds(value: unknown, name: string, spec: CompiledSpec): void {
  const declared = (spec.json['fields'] as Record<string, Record<string, unknown>>)[name];
  if (typeof value !== 'number' || declared === undefined) return;
  const { min, max } = declared;
  if (typeof min === 'number' && value < min) throw new ValidationError(name, `must be >= ${min}, got ${value}`);
  if (typeof max === 'number' && value > max) throw new ValidationError(name, `must be <= ${max}, got ${value}`);
}

/** An id or entity id: text as it is, a whole number as its decimal text; anything else refused, never rewritten. */
function requiredId(raw: Record<string, unknown>, name: string): string {
  const value = raw[name];
  const problem = idProblem(value);
  if (problem !== undefined) throw new ValidationError(name, problem);
  return typeof value === 'number' ? String(value) : (value as string);
}

function text(value: string, name: string): string {
  const problem = textProblem(value);
  if (problem !== undefined) throw new ValidationError(name, problem);
  return value;
}

function label(value: unknown, name: string): 0 | 1 | null {
  if (value === undefined || value === null) return null;
  if (value === 0 || value === 1) return value;
  throw new ValidationError(name, `must be 0 (legitimate), 1 (fraud) or null (not known), got ${describe(value)}`);
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * ISO 8601 text (with a zone, or read as UTC; a date alone is midnight UTC) or integer epoch ms → epoch ms.
 * Written out by hand because Date.parse reads zone-less date-times as local time and rolls 30 February over.
 */
export function parseTimestamp(value: unknown, name = 'timestamp'): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) <= MAX_EPOCH_MS) return value;
    throw new ValidationError(
      name,
      `must be ${RULES.timestamp}; epoch milliseconds must be a whole number, got ${describe(value)}`,
    );
  }
  const m = typeof value === 'string' ? ISO.exec(value) : null;
  if (!m) {
    throw new ValidationError(name, `must be ${RULES.timestamp}, got ${describe(value)}`);
  }
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    throw new ValidationError(name, `${JSON.stringify(value)} is not a possible date and time`);
  }
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)); // below a millisecond is dropped, as in training
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; Date.UTC maps years 0-99 to 19xx). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
