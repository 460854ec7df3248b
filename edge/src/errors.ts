// Every error response has one shape, { "error": { "code", "message", "field" } }, with the status that fits.
// Route and middleware code throws ApiError; the app's onError turns it (and SDK errors) into that response.
import { FraudScoreError, IntegrityError, ModelLoadError, ValidationError } from '@fraudscore/sdk';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** `id`: the transaction concerned (conflicts); `requestId`: the request's id in the server's logs (5xx). */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; id?: string; requestId?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
    /** Data the client may need beside the message (kept out of its text): e.g. the conflicting transaction's id. */
    readonly data: { id?: string } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, field?: string): ApiError =>
  new ApiError(400, 'bad_request', message, field);
export const notFound = (what: string, field?: string): ApiError =>
  new ApiError(404, 'not_found', `${what} not found`, field);

/** 409: the id was already scored (or comes earlier in the same batch) with different content. */
export function conflict(id: string, differing: readonly string[], field: string, earlierInBatch = false): ApiError {
  const what =
    differing.length > 0 ? ` (${differing.join(', ')} ${differing.length === 1 ? 'differs' : 'differ'})` : '';
  const where = earlierInBatch ? 'appears earlier in this batch' : 'was already scored';
  return new ApiError(
    409,
    'conflict',
    `this transaction id ${where} with different content${what}; a new transaction needs a new id, and sending the same content again returns the stored result`,
    field,
    {},
    { id },
  );
}

const HTTP_CODES: Partial<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** The status and body for any thrown value; unknown errors are 500 without internals in the message. */
export function toErrorResponse(error: unknown): {
  status: ContentfulStatusCode;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      headers: error.headers,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.field ? { field: error.field } : {}),
          ...error.data,
        },
      },
    };
  }
  if (error instanceof HTTPException) {
    // Hono's own and third-party middleware (body limit, auth helpers) throw these: same shape, their status.
    const status = (error.status >= 400 && error.status <= 599 ? error.status : 500) as ContentfulStatusCode;
    const code = HTTP_CODES[status] ?? (status >= 500 ? 'internal_error' : 'http_error');
    return {
      status,
      headers: {},
      body: {
        error: {
          code,
          message:
            status >= 500 ? 'internal error; the request was not completed' : error.message || code.replace(/_/g, ' '),
        },
      },
    };
  }
  if (error instanceof ValidationError) {
    const message = error.message.startsWith(`${error.field}: `)
      ? error.message.slice(error.field.length + 2)
      : error.message;
    return { status: 422, headers: {}, body: { error: { code: 'validation_error', message, field: error.field } } };
  }
  if (error instanceof IntegrityError || error instanceof ModelLoadError) {
    return { status: 503, headers: {}, body: { error: { code: error.code, message: error.message } } };
  }
  if (error instanceof FraudScoreError)
    return { status: 500, headers: {}, body: { error: { code: error.code, message: error.message } } };
  return {
    status: 500,
    headers: {},
    body: { error: { code: 'internal_error', message: 'internal error; the request was not completed' } },
  };
}
