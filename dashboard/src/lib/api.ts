// fetch() with the session's API key, and errors in the API's one shape ({error: {code, message}}).
import { session } from './session.svelte.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What to tell the analyst about a failed call, plainly. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return `The server cannot be reached (${error.message}). Is it running?`;
    if (error.status === 401) return 'The API key was refused. Sign in again with a valid key.';
    if (error.status === 403) return `Not allowed with this key: ${error.message}`;
    if (error.code === 'mlflow_not_configured') return `MLflow is not configured on this server: ${error.message}`;
    if (error.code === 'mlflow_unavailable') return `MLflow is configured but not answering: ${error.message}`;
    return `${error.message} (HTTP ${error.status}${error.code ? `, ${error.code}` : ''})`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function authHeaders(key = session.key): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

export async function request(path: string, init: RequestInit & { key?: string } = {}): Promise<Response> {
  const { key, ...rest } = init;
  let response: Response;
  try {
    response = await fetch(path, {
      ...rest,
      headers: { ...authHeaders(key ?? session.key), ...(rest.headers as Record<string, string> | undefined) },
    });
  } catch (error) {
    throw new ApiError(0, 'network', error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) {
    let code = '';
    let message = response.statusText || `HTTP ${response.status}`;
    try {
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? '';
      message = body.error?.message ?? message;
    } catch {
      // not JSON (a proxy's error page): keep the status text
    }
    if (response.status === 502 || response.status === 504) throw new ApiError(0, 'network', message);
    throw new ApiError(response.status, code, message);
  }
  return response;
}

export async function getJson<T>(path: string, init: RequestInit & { key?: string } = {}): Promise<T> {
  return (await (await request(path, init)).json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return getJson<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Follows nextCursor until `wanted` items (at most 500 a page). */
export async function listTransactions<T>(
  path: '/v1/transactions' | '/v1/alerts',
  wanted: number,
  params: Record<string, string> = {},
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({
      ...params,
      limit: String(Math.min(500, wanted - items.length)),
      ...(cursor ? { cursor } : {}),
    });
    const page: { items: T[]; nextCursor: string | null } = await getJson(`${path}?${query}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < wanted);
  return items;
}
