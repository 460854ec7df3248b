// Signing in: the key must read transactions (analyst scope); whether it is admin is asked without side effects —
// POST /threshold with an empty body is refused with 403 before validation for a non-admin key and with a
// validation error (400/422) for an admin one, so nothing changes either way.
import { ApiError, request } from './api.js';
import type { Role } from './session.svelte.js';

export async function checkKey(key: string): Promise<Role> {
  await request('/v1/transactions?limit=1', { key });
  try {
    await request('/threshold', { key, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    return 'admin';
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return 'analyst';
    // Past the scope check: the body was refused (400 or 422 validation_error), so the key is admin.
    if (error instanceof ApiError && (error.status === 400 || error.status === 422)) return 'admin';
    throw error;
  }
}
