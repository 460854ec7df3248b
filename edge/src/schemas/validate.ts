// Schema issues → the API's one error shape. The first issue wins (in schema order, like the hand-written checks
// it replaces), named by its path as `transactions[3].amount`, `preScore.riskLevel`, `limit`.
import type { Context } from 'hono';
import { ApiError } from '../errors.js';
import type { z } from './zod.js';

export type RefusalStatus = 400 | 413 | 422;
type Issue = z.core.$ZodIssue;

export interface ValidateOptions {
  /** The field named when the value as a whole is refused (no path): `body`, `transaction`, `transactions`. */
  field?: string;
  /** Where the value sits in the request, prefixed to issue paths: `transactions[3]` → `transactions[3].amount`. */
  at?: string;
  /** 400 for malformed requests (queries, paths), 422 (default) for well-formed JSON with bad values; or per issue. */
  status?: RefusalStatus | ((issue: Issue) => RefusalStatus);
}

const CODES: Record<RefusalStatus, string> = { 400: 'bad_request', 413: 'payload_too_large', 422: 'validation_error' };

/** `['transactions', 3, 'amount']` → `transactions[3].amount`; no path → the fallback. */
export function fieldOf(path: readonly PropertyKey[], fallback: string): string {
  let field = '';
  for (const key of path) field += typeof key === 'number' ? `[${key}]` : `${field ? '.' : ''}${String(key)}`;
  return field || fallback;
}

/** The parsed value, or an ApiError for the first issue. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, options: ValidateOptions = {}): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const status = typeof options.status === 'function' ? options.status(issue) : (options.status ?? 422);
  // An unknown key is reported on its parent object: name the key itself.
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
  const field =
    options.at === undefined
      ? fieldOf(path, options.field ?? 'body')
      : path.length === 0
        ? options.at
        : `${options.at}${fieldOf(path, '').replace(/^(?!\[)/, '.')}`;
  throw new ApiError(status, CODES[status], issue.message, field);
}

/** Query parameters (first value of each) against an object schema; a bad one is 400 naming the parameter. */
export const validateQuery = <S extends z.ZodType>(c: Context, schema: S): z.output<S> =>
  validate(schema, c.req.query(), { status: 400 });

/** Path parameters against an object schema; 400 naming the parameter. */
export const validateParams = <S extends z.ZodType>(c: Context, schema: S): z.output<S> =>
  validate(schema, c.req.param(), { status: 400 });
