// The JSON body, read before a schema checks it: malformed or empty → 400 bad_request on `body`.
// (Parsing the text is not a schema's job; everything after it is, see ./schemas.)
import type { Context } from 'hono';
import { badRequest } from './errors.js';

/** `optional`: an empty body reads as {} (routes whose every field has a default). */
export async function readJson(c: Context, { optional = false }: { optional?: boolean } = {}): Promise<unknown> {
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    throw badRequest('the request body could not be read', 'body');
  }
  if (text.trim() === '') {
    if (optional) return {};
    throw badRequest('a JSON body is required', 'body');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('the body is not valid JSON', 'body');
  }
}
