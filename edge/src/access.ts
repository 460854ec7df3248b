// Who may call what under /v1: the one table installSecurity mounts and /openapi.json documents.
// Everything outside /v1 (health, metrics, the document itself, the legacy and KServe routes) is not behind the key.
import type { Scope } from './middleware/index.js';

/** The scope each /v1 group needs on top of a valid key; a /v1 group not listed (stream) needs the key only. */
export const GROUP_SCOPES: Readonly<Record<string, Scope>> = {
  score: 'score', transactions: 'analyst', alerts: 'analyst', models: 'analyst', drift: 'analyst',
};

/** Bundle files are public (devices download the model without a key). */
export const PUBLIC_PATH = /^\/v1\/models\/[^/]+\/bundle\/[^/]+$/;

export type Access = { key: false } | { key: true; scope?: Scope };

/** What a request needs when the app is configured with API keys. */
export function accessFor(method: string, path: string): Access {
  if (!path.startsWith('/v1/') || (method === 'GET' && PUBLIC_PATH.test(path))) return { key: false };
  const scope = GROUP_SCOPES[path.split('/')[2] ?? ''];
  return scope ? { key: true, scope } : { key: true };
}
