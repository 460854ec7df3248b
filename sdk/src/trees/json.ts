// Small checks for reading trees.json: each one throws a ModelLoadError saying where the document is wrong.

import { ModelLoadError } from '../errors.js';

const FIX = 're-export the bundle with `python -m fraudmodels export` (format: models/docs/trees-and-onnx.md)';

/** A ModelLoadError for the place `where` in trees.json, with the usual fix. */
export function malformed(where: string, problem: string): ModelLoadError {
  return new ModelLoadError(`trees.json: ${where}: ${problem}; ${FIX}`);
}

/** The value as a plain object (not an array, not null). */
export function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(where, 'expected an object');
  return value as Record<string, unknown>;
}

/** The value as an array. */
export function asArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(where, 'expected an array');
  return value;
}

/** The value as a string. */
export function asString(value: unknown, where: string): string {
  if (typeof value !== 'string') throw malformed(where, `expected a string, got ${describe(value)}`);
  return value;
}

/** The value as a finite number. */
export function asNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw malformed(where, `expected a finite number, got ${describe(value)}`);
  return value;
}

/** The value as a safe integer. */
export function asInteger(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value)) throw malformed(where, `expected an integer, got ${describe(value)}`);
  return value as number;
}

/** The value, which must be one of `allowed` (the formats this evaluator implements). */
export function asOneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (!allowed.includes(value as T)) {
    throw malformed(
      where,
      `unsupported value ${describe(value)} (supported: ${allowed.map((a) => JSON.stringify(a)).join(', ')})`,
    );
  }
  return value as T;
}

/** A short printable form of a JSON value for messages. */
export function describe(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
