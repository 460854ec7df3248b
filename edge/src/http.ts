// The JSON body, read before a schema checks it. JSON only with a JSON Content-Type (415 otherwise); the bytes must
// be valid UTF-8 (400: decoded strictly, never with U+FFFD in place of bad bytes, so two different ids cannot become
// one); malformed or empty JSON is 400 on `body`. Parsing is not a schema's job; everything after it is (./schemas).
import type { Context } from 'hono';
import { ApiError, badRequest } from './errors.js';

/** application/json, or any +json type (application/vnd.api+json); parameters other than charset=utf-8 refused. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (!type || !/^application\/(?:[\w.+-]+\+)?json$/.test(type)) return false;
  return parameters.every((p) => p === '' || /^charset="?utf-8"?$/.test(p));
}

const unsupportedMediaType = (header: string | undefined): ApiError =>
  new ApiError(
    415,
    'unsupported_media_type',
    header === undefined
      ? 'the request has a body but no Content-Type; send JSON with Content-Type: application/json'
      : 'the body must be JSON sent with Content-Type: application/json (charset utf-8, if given)',
    'content-type',
  );

/** Strict UTF-8, one for every request (a decode without `stream` keeps no state between calls). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text: the raw bytes decoded as strict UTF-8. Empty: ''. */
export async function readUtf8(c: Context): Promise<string> {
  let bytes: ArrayBuffer;
  try {
    bytes = await c.req.arrayBuffer();
  } catch (error) {
    if (error instanceof ApiError) throw error; // the body limit
    throw badRequest('the request body could not be read', 'body');
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw badRequest(
      `the body is not valid UTF-8 (byte ${invalidUtf8At(new Uint8Array(bytes))} is not); JSON must be sent as UTF-8`,
      'body',
    );
  }
}

/** Where the first malformed UTF-8 sequence starts (0-based byte offset). */
function invalidUtf8At(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    const extra =
      b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (extra < 0) return i;
    const slice = bytes.subarray(i, i + extra + 1);
    if (slice.length < extra + 1) return i;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(slice);
    } catch {
      return i;
    }
    i += extra + 1;
  }
  return bytes.length;
}

/** `optional`: an empty body (with or without a Content-Type) reads as {} (routes whose every field has a default). */
export async function readJson(c: Context, { optional = false }: { optional?: boolean } = {}): Promise<unknown> {
  const type = c.req.header('content-type');
  const json = isJsonContentType(type);
  const text = await readUtf8(c);
  if (text.trim() === '') {
    if (optional) return {};
    if (!json) throw unsupportedMediaType(type);
    throw badRequest('a JSON body is required', 'body');
  }
  if (!json) throw unsupportedMediaType(type);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('the body is not valid JSON', 'body');
  }
}
