// API keys with scopes. Keys are hashed (SHA-256) as soon as they are parsed, so the process never keeps a plain key
// after start-up; requests are matched by comparing digests in constant time. The digest is computed synchronously
// (@noble/hashes, as the SDK's content fingerprint): WebCrypto's digest is a job on libuv's thread pool and a promise,
// about 7% of the scoring thread's time under load in the server's CPU profile, for 43 bytes.
import { sha256 as sha256Bytes } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from '../../errors.js';

/**
 * `score`: machines submitting transactions. `analyst`: people reading, labelling and explaining them.
 * `admin`: everything, including threshold changes and drift baselines.
 * admin implies analyst and score; analyst does NOT imply score: a leaked dashboard key should not be able to inject
 * scored transactions into stored history, and a key that needs both can say `analyst+score`.
 */
export const SCOPES = ['score', 'analyst', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const IMPLIES: Record<Scope, readonly Scope[]> = { score: [], analyst: [], admin: ['analyst', 'score'] };

/** A configured key: only its digest and an id safe to log. */
export interface HashedApiKey {
  readonly keyId: string;
  readonly digest: Uint8Array;
  /** Effective scopes (implied ones included), sorted in SCOPES order. */
  readonly scopes: readonly Scope[];
}

/** What `apiKeyAuth` puts in `c.var.principal`. */
export interface Principal {
  readonly keyId: string;
  readonly scopes: readonly Scope[];
}

export type ApiKeyVariables = { principal: Principal };
export type ApiKeyEnv = { Variables: ApiKeyVariables };

/** A bad `API_KEYS` value. Messages name the entry by position and never quote the key itself. */
export class ApiKeyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyConfigError';
  }
}

const sha256 = (text: string): Uint8Array => sha256Bytes(utf8ToBytes(text));

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The id is 12 hex digits (48 bits) of the digest: enough to tell keys apart in logs, useless to authenticate. */
const KEY_ID_HEX = 12;

/** Adds the implied scopes; the result is in SCOPES order so principals compare and log predictably. */
export function expandScopes(scopes: Iterable<Scope>): Scope[] {
  const all = new Set<Scope>();
  for (const s of scopes) {
    all.add(s);
    for (const implied of IMPLIES[s]) all.add(implied);
  }
  return SCOPES.filter((s) => all.has(s));
}

export async function hashApiKey(key: string, scopes: Iterable<Scope>): Promise<HashedApiKey> {
  const digest = sha256(key);
  return { keyId: hex(digest).slice(0, KEY_ID_HEX), digest, scopes: expandScopes(scopes) };
}

export interface ParseApiKeysOptions {
  /** Shorter keys are refused: they could be guessed. `generateApiKey()` makes 43 characters. */
  minKeyLength?: number;
}

const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);
// Printable ASCII without space, ',' and ':' (the separators), so a key fits any header unchanged.
const KEY_CHARS = /^[\x21-\x2b\x2d-\x39\x3b-\x7e]+$/;

/**
 * Parses `API_KEYS`: comma-separated `key:scope+scope` entries, e.g. `k1...:score,k2...:analyst+score`.
 * Empty text gives no keys (every authenticated route then answers 401). Empty entries (a trailing comma) are skipped.
 * Throws ApiKeyConfigError naming the first bad entry by position; duplicate keys are refused.
 */
export async function parseApiKeys(text: string, options: ParseApiKeysOptions = {}): Promise<HashedApiKey[]> {
  const { minKeyLength = 16 } = options;
  const entries = text.split(',').map((e) => e.trim());
  const result: HashedApiKey[] = [];
  const seen = new Map<string, number>();
  for (const [i, entry] of entries.entries()) {
    if (entry === '') continue;
    const where = `API_KEYS entry ${i + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new ApiKeyConfigError(`${where}: expected key:scope+scope, found no ':'`);
    const key = entry.slice(0, colon);
    const scopeText = entry.slice(colon + 1);
    // Only the scopes part is quoted in messages: it is not secret, and it identifies the entry for the operator.
    const label = `${where} (scopes "${scopeText}")`;
    if (key === '') throw new ApiKeyConfigError(`${label}: the key is empty`);
    if (!KEY_CHARS.test(key))
      throw new ApiKeyConfigError(`${label}: the key has characters other than printable ASCII without ',' and ':'`);
    if (key.length < minKeyLength)
      throw new ApiKeyConfigError(
        `${label}: the key has ${key.length} characters, at least ${minKeyLength} are required`,
      );
    if (scopeText === '')
      throw new ApiKeyConfigError(`${label}: no scopes; use one or more of ${SCOPES.join(', ')} joined by '+'`);
    const scopes: Scope[] = [];
    for (const s of scopeText.split('+').map((x) => x.trim())) {
      if (!isScope(s))
        throw new ApiKeyConfigError(`${label}: unknown scope "${s}"; valid scopes are ${SCOPES.join(', ')}`);
      scopes.push(s);
    }
    const hashed = await hashApiKey(key, scopes);
    const previous = seen.get(hex(hashed.digest));
    if (previous !== undefined) throw new ApiKeyConfigError(`${label}: the same key as entry ${previous}`);
    seen.set(hex(hashed.digest), i + 1);
    result.push(hashed);
  }
  return result;
}

/** 32 random bytes as base64url without padding (43 characters), for the server's first-run key. */
export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Constant time for equal lengths (digests always are 32 bytes); no early exit on the first difference. */
function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export interface ApiKeyAuthOptions {
  keys: readonly HashedApiKey[];
  /** `authorization` reads `Bearer <key>`; `x-api-key` reads the key as the whole value. */
  header?: 'authorization' | 'x-api-key';
  /** Sent in WWW-Authenticate. */
  realm?: string;
}

/** Authenticates every request or answers 401 (in the error shape, with WWW-Authenticate). */
export function apiKeyAuth(options: ApiKeyAuthOptions): MiddlewareHandler<ApiKeyEnv> {
  const { keys, header = 'authorization', realm = 'fraudscore' } = options;
  const challenge = (error?: string): Record<string, string> => {
    const scheme = header === 'authorization' ? 'Bearer' : 'ApiKey';
    // RFC 6750 error codes for Bearer; the header parameter tells clients where an ApiKey goes.
    const params = [
      `realm="${realm}"`,
      ...(header === 'x-api-key' ? [`header="x-api-key"`] : []),
      ...(error ? [`error="${error}"`] : []),
    ];
    return { 'WWW-Authenticate': `${scheme} ${params.join(', ')}` };
  };
  const unauthorized = (message: string, error?: string): ApiError =>
    new ApiError(401, 'unauthorized', message, header, challenge(error));

  return async (c, next) => {
    const raw = c.req.header(header);
    if (raw === undefined || raw.trim() === '') throw unauthorized(`an API key is required in the ${header} header`);
    let key: string;
    if (header === 'authorization') {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(raw);
      if (!match?.[1]) throw unauthorized('the authorization header must be "Bearer <API key>"', 'invalid_request');
      key = match[1];
    } else {
      key = raw.trim();
    }
    const digest = sha256(key);
    // Visit every configured key so the time taken does not depend on which one (if any) matched.
    let found: HashedApiKey | undefined;
    for (const k of keys) if (digestsEqual(k.digest, digest) && !found) found = k;
    if (!found) throw unauthorized('the API key is not valid', 'invalid_token');
    c.set('principal', { keyId: found.keyId, scopes: found.scopes });
    await next();
  };
}

/** True when the principal holds the scope (implied scopes are already expanded). */
export const hasScope = (principal: Principal | undefined, scope: Scope): boolean =>
  principal?.scopes.includes(scope) ?? false;

/** 403 naming the missing scope; 401 when no principal is set (apiKeyAuth not mounted before it: fail closed). */
export function requireScope(scope: Scope): MiddlewareHandler<ApiKeyEnv> {
  return async (c: Context<ApiKeyEnv>, next) => {
    const principal = c.get('principal') as Principal | undefined;
    if (!principal) throw new ApiError(401, 'unauthorized', 'an API key is required');
    if (!hasScope(principal, scope)) throw new ApiError(403, 'forbidden', `this API key lacks the "${scope}" scope`);
    await next();
  };
}
