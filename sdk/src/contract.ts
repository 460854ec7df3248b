// The input contract of a transaction, defined once: limits, predicates and the plain-words messages that go with
// them. The SDK's normalizeTransaction applies it on the device and on the server; the edge builds its published
// schema from it (so /openapi.json shows the same rules as pattern, maxLength, maximum and descriptions), and every
// entry point (HTTP, KServe, Kafka, the replay command) goes through one of the two. Refuse, never rewrite.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { NormalizedTransaction } from './transaction.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Most characters (Unicode code points) of an id, an entity id or a text field. */
export const MAX_ID_LENGTH = 256;
/** The largest integer an id may be sent as: above it JSON numbers lose digits (send such ids as text). */
export const MAX_INTEGER_ID = Number.MAX_SAFE_INTEGER;
/** The default amount ceiling (in the transaction's currency units); configurable up to MAX_AMOUNT_CEILING. */
export const DEFAULT_MAX_AMOUNT = 1_000_000_000;
/** The highest ceiling a deployment may configure: a customer's window sums must stay finite and exact to the cent. */
export const MAX_AMOUNT_CEILING = 1e13;
/** Timestamps must lie in this range whatever the window (back-fills included): 1970-01-01 to 9999-12-31 (UTC). */
export const EARLIEST_TIMESTAMP = 0;
export const LATEST_TIMESTAMP = 253_402_300_799_999;

/** How far before and after the clock a transaction's timestamp may be. */
export interface TimeWindow {
  pastMs: number;
  futureMs: number;
}

/** 30 days back (the longest window of the default features), 15 minutes ahead (clocks of terminals run fast). */
export const DEFAULT_TIME_WINDOW: Readonly<TimeWindow> = Object.freeze({
  pastMs: 30 * DAY_MS,
  futureMs: 15 * MINUTE_MS,
});

export interface InputLimits {
  /** The largest amount accepted. */
  maxAmount: number;
  /** The window around the clock timestamps must fall in; false: not checked (replays and back-fills). */
  timeWindow: TimeWindow | false;
}

export const DEFAULT_LIMITS: Readonly<InputLimits> = Object.freeze({
  maxAmount: DEFAULT_MAX_AMOUNT,
  timeWindow: DEFAULT_TIME_WINDOW,
});

/** Defaults filled in; throws a RangeError for a limit no deployment should have. */
export function resolveLimits(limits: Partial<InputLimits> = {}): InputLimits {
  const maxAmount = limits.maxAmount ?? DEFAULT_MAX_AMOUNT;
  if (!(maxAmount > 0 && maxAmount <= MAX_AMOUNT_CEILING))
    throw new RangeError(`maxAmount must be above 0 and at most ${MAX_AMOUNT_CEILING}, got ${maxAmount}`);
  const timeWindow = limits.timeWindow === undefined ? DEFAULT_TIME_WINDOW : limits.timeWindow;
  if (
    timeWindow !== false &&
    !(timeWindow.pastMs >= 0 && timeWindow.futureMs >= 0 && Number.isFinite(timeWindow.pastMs + timeWindow.futureMs))
  ) {
    throw new RangeError('timeWindow.pastMs and timeWindow.futureMs must be finite durations >= 0');
  }
  return { maxAmount, timeWindow };
}

/**
 * An id as a JSON Schema `pattern` (ECMAScript, no flags): code points other than control characters (U+0000–U+001F,
 * U+007F–U+009F), a surrogate only as half of a pair. Length is a separate rule (maxLength, in code points).
 */
export const ID_PATTERN = '^(?:[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])+$';

/** The rules in plain words, for messages and for the published schema's descriptions. */
export const RULES = {
  text: `1 to ${MAX_ID_LENGTH} characters of valid Unicode, without control characters (U+0000 to U+001F, U+007F to U+009F)`,
  id: `a string of 1 to ${MAX_ID_LENGTH} characters of valid Unicode without control characters, or a whole number from -${MAX_INTEGER_ID} to ${MAX_INTEGER_ID} (send larger ones as text)`,
  amount: (maxAmount: number) => `a number from 0 to ${formatNumber(maxAmount)}`,
  timestamp: 'ISO 8601 text like "2026-03-20T10:00:00Z" (with a zone, else read as UTC) or whole epoch milliseconds',
  window: (window: TimeWindow) =>
    `within ${formatDuration(window.pastMs)} before and ${formatDuration(window.futureMs)} after the clock`,
} as const;

/** What is wrong with a text value (id, entity id, declared text field), or undefined when it is fine. */
export function textProblem(text: string, maxLength = MAX_ID_LENGTH): string | undefined {
  if (text.length === 0) return `is empty; it must be ${RULES.text}`;
  let characters = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    characters += 1;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1;
        continue;
      }
    }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      return `is not valid Unicode: character ${characters} is ${codePoint(unit)}, half of a UTF-16 surrogate pair without its other half; send text as UTF-8`;
    }
    if (unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f)) {
      return `contains the control character ${codePoint(unit)} at character ${characters}; control characters (U+0000 to U+001F, U+007F to U+009F) are not allowed`;
    }
  }
  if (characters > maxLength) return `is ${characters} characters long; at most ${maxLength} are allowed`;
  return undefined;
}

/** What is wrong with an id or entity id (text, or a whole number sent as JSON), or undefined. */
export function idProblem(value: unknown): string | undefined {
  if (typeof value === 'string') return textProblem(value);
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return undefined;
    if (Number.isInteger(value))
      return `is the number ${value}, too large to be exact in JSON (more than ${MAX_INTEGER_ID}); send it as text`;
    return `must be ${RULES.id}, got the number ${value}`;
  }
  return `must be ${RULES.id}, got ${describe(value)}`;
}

/** What is wrong with an amount under the ceiling, or undefined. */
export function amountProblem(value: unknown, maxAmount: number = DEFAULT_MAX_AMOUNT): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value))
    return `must be ${RULES.amount(maxAmount)}, got ${describe(value)}`;
  if (value < 0) return `must not be negative: it must be ${RULES.amount(maxAmount)}, got ${value}`;
  if (value > maxAmount)
    return `is above the ceiling of ${formatNumber(maxAmount)}; it must be ${RULES.amount(maxAmount)}, got ${value}`;
  return undefined;
}

/**
 * What is wrong with a timestamp (epoch ms, already parsed) in time, or undefined: always within 1970..9999, and
 * within `window` around `now` unless the window is false or `now` is not given.
 */
export function timestampProblem(
  ms: number,
  window: TimeWindow | false = DEFAULT_TIME_WINDOW,
  now?: number,
): string | undefined {
  if (ms < EARLIEST_TIMESTAMP || ms > LATEST_TIMESTAMP) {
    return `must be between 1970-01-01 and 9999-12-31 (UTC), got ${describeTime(ms)}`;
  }
  if (window === false || now === undefined) return undefined;
  if (ms < now - window.pastMs) {
    return `is ${formatDuration(now - ms)} before the clock (${new Date(now).toISOString()}); it must be ${RULES.window(window)} (back-fills and replays can opt out of this window)`;
  }
  if (ms > now + window.futureMs) {
    return `is ${formatDuration(ms - now)} after the clock (${new Date(now).toISOString()}); it must be ${RULES.window(window)}`;
  }
  return undefined;
}

/** A normalized transaction's content, for "same content": [field, value] pairs sorted by field, without the label
 * and without absent or null fields. Its values are text and finite numbers, which JSON.stringify writes one way. */
function contentOf(tx: Readonly<NormalizedTransaction>): [string, unknown][] {
  const content: [string, unknown][] = [];
  for (const name of Object.keys(tx).sort()) {
    const value = tx[name];
    if (name !== 'label' && value !== null && value !== undefined) content.push([name, value]);
  }
  return content;
}

/**
 * The content fingerprint idempotency compares: sha256 (hex) of the JSON text of contentOf(tx). Two submissions are
 * the same content when they normalize alike: ids as text ("17" = 17), timestamps as instants
 * ("2026-03-20T11:00:00+01:00" = "2026-03-20T10:00:00Z" = 1774000800000), amounts as numbers (12.5 = 12.50);
 * fields the feature spec does not declare (and a device's pre-score) are not content.
 */
export function contentFingerprint(tx: Readonly<NormalizedTransaction>): string {
  // Synchronous (WebCrypto's digest is asynchronous and cost about 180 µs a transaction through the runtime's thread
  // pool, a third of a streamed batch's time); @noble/hashes is audited and runs in every runtime the SDK supports.
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(contentOf(tx)))));
}

/** Names of the content fields in which two normalized transactions differ (for a conflict's message). */
export function differingFields(a: Readonly<NormalizedTransaction>, b: Readonly<NormalizedTransaction>): string[] {
  const left = new Map(contentOf(a));
  const right = new Map(contentOf(b));
  const names = [...new Set([...left.keys(), ...right.keys()])].sort();
  return names.filter((name) => JSON.stringify(left.get(name) ?? null) !== JSON.stringify(right.get(name) ?? null));
}

function codePoint(unit: number): string {
  return `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;
}

function describeTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** 1000000000 → "1,000,000,000" (no Intl: the same text in every runtime). */
export function formatNumber(value: number): string {
  if (!Number.isInteger(value) || Math.abs(value) >= 1e21) return String(value);
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A duration in the largest whole unit that fits: "30 days", "15 minutes", "1 hour", "45 seconds". */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [DAY_MS, 'day'],
    [3_600_000, 'hour'],
    [MINUTE_MS, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size) {
      const count = Math.floor(ms / size);
      return `${formatNumber(count)} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return `${Math.max(0, Math.round(ms))} ms`;
}

/** A value as a message may show it: short, never the whole of a long or odd input. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
