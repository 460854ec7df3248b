// The JSON body, read before a schema checks it: malformed or empty → 400 bad_request on `body`.
// (Parsing the text is not a schema's job; everything after it is, see ./schemas.)
import type { Context } from 'hono';
import { badRequest } from './errors.js';

export async function readJson(c: Context): Promise<unknown> {
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    throw badRequest('the request body could not be read', 'body');
  }
  if (text.trim() === '') throw badRequest('a JSON body is required', 'body');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('the body is not valid JSON', 'body');
  }
}
