// Request helpers shared by the routes: the JSON body and the list query, validated into 4xx ApiErrors.
import { RISK_LEVELS, type RiskLevel } from '@fraudscore/sdk';
import type { Context } from 'hono';
import { badRequest } from './errors.js';
import { decodeCursor, type ListQuery } from './storage/index.js';

/** The parsed JSON body; malformed or empty → 400 bad_request. */
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

/** A boolean query flag: absent → fallback; true/false/1/0 → value; anything else → 400. */
export function flag(c: Context, name: string, fallback: boolean): boolean {
  const value = c.req.query(name);
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw badRequest(`must be true or false, got ${JSON.stringify(value.slice(0, 40))}`, name);
}

/** A path id: 1..256 characters. */
export function pathId(c: Context): string {
  const id = c.req.param('id') ?? '';
  if (id.length === 0 || id.length > 256) throw badRequest('must be 1 to 256 characters', 'id');
  return id;
}

/** A query time: ISO 8601 date-time or epoch milliseconds; undefined when absent; 400 naming the field otherwise. */
export function queryTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(ms)) throw badRequest('must be an ISO 8601 date-time or epoch milliseconds', field);
  return ms;
}

export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 50;

/** risk (comma-separated levels, restricted to `levels`), from, to, customerId, limit (1..500), cursor. */
export function listQuery(c: Context, levels: readonly RiskLevel[] = RISK_LEVELS): ListQuery {
  const query: ListQuery = { limit: DEFAULT_PAGE, riskLevels: levels };
  const risk = c.req.query('risk');
  if (risk !== undefined) {
    const asked = risk.split(',').map((r) => r.trim().toUpperCase());
    const bad = asked.find((r) => !levels.includes(r as RiskLevel));
    if (bad !== undefined) throw badRequest(`must be one or more of ${levels.join(', ')}`, 'risk');
    query.riskLevels = asked as RiskLevel[];
  }
  const from = queryTime(c.req.query('from'), 'from');
  const to = queryTime(c.req.query('to'), 'to');
  if (from !== undefined) query.from = from;
  if (to !== undefined) query.to = to;
  if (from !== undefined && to !== undefined && from > to) throw badRequest('must not be after to', 'from');
  const customerId = c.req.query('customerId');
  if (customerId !== undefined) {
    if (customerId.length === 0 || customerId.length > 256) throw badRequest('must be 1 to 256 characters', 'customerId');
    query.customerId = customerId;
  }
  const limit = c.req.query('limit');
  if (limit !== undefined) {
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE) throw badRequest(`must be an integer from 1 to ${MAX_PAGE}`, 'limit');
    query.limit = Number(limit);
  }
  const cursor = c.req.query('cursor');
  if (cursor !== undefined) {
    if (decodeCursor(cursor) === undefined) throw badRequest('is not a cursor this API returned', 'cursor');
    query.cursor = cursor;
  }
  return query;
}
