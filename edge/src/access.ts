// Who may call what: the one table installSecurity enforces and /openapi.json documents. Probes, metrics, the
// document and the bundle files (devices download the model without a key) are public; everything else needs a key,
// and most routes a scope. The original service's routes and KServe V2 are held to the same rules as /v1: changing
// the block threshold or the drift baseline is an admin action whichever path it comes through.
import type { Scope } from './middleware/index.js';

export type Access = { key: false } | { key: true; scope?: Scope };

interface Rule {
  /** Any method when absent. */
  method?: string;
  path: RegExp;
  access: Access;
}

const PUBLIC: Access = { key: false };
const KEY: Access = { key: true };
const need = (scope: Scope): Access => ({ key: true, scope });

/** First match wins; a path no rule matches needs a key (any scope). */
const RULES: readonly Rule[] = [
  { method: 'GET', path: /^\/(health|metrics|openapi\.json)$/, access: PUBLIC },
  { method: 'GET', path: /^\/v2\/health\/(live|ready)$/, access: PUBLIC },
  { method: 'GET', path: /^\/v1\/models\/[^/]+\/bundle\/[^/]+$/, access: PUBLIC },
  { path: /^\/v1\/score(\/|$)/, access: need('score') },
  { method: 'POST', path: /^\/v1\/models\/(reload|promote|rollback)$/, access: need('admin') },
  { method: 'GET', path: /^\/mlflow\//, access: need('analyst') },
  { path: /^\/v1\/(transactions|alerts|models|drift|stream|labels)(\/|$)/, access: need('analyst') },
  { method: 'POST', path: /^\/predict(\/batch)?$/, access: need('score') },
  { method: 'POST', path: /^\/v2\/models\/[^/]+\/infer$/, access: need('score') },
  { method: 'POST', path: /^\/(threshold|drift\/check|drift\/set-baseline)$/, access: need('admin') },
  { method: 'GET', path: /^\/(model-info|threshold|threshold\/history)$/, access: need('analyst') },
];

/** What a request needs when the app is configured with API keys. */
export function accessFor(method: string, path: string): Access {
  return (
    RULES.find((rule) => (rule.method === undefined || rule.method === method) && rule.path.test(path))?.access ?? KEY
  );
}
