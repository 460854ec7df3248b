// The edge API's middleware: authentication and scopes, rate limiting, and browser-facing protections.
// Suggested order: securityHeaders, corsAllowList (preflights need no key), bodySizeLimit, apiKeyAuth, rateLimit,
// then requireScope per route. Requests refused by apiKeyAuth never reach a rateLimit mounted after it; to slow key
// guessing, mount a second, IP-keyed rateLimit (keyOf) before apiKeyAuth.
export * from './api-keys/index.js';
export * from './rate-limit/index.js';
export * from './security/index.js';
export * from './request-id/index.js';
