// The active model (GET /v1/models), fetched once per session and shared by the views.
import { getJson } from './api.js';
import type { ActiveModel } from './types.js';

let pending: Promise<ActiveModel> | undefined;

export function activeModel(refresh = false): Promise<ActiveModel> {
  if (refresh || !pending) {
    pending = getJson<{ active: ActiveModel }>('/v1/models').then((r) => r.active);
    pending.catch(() => (pending = undefined));
  }
  return pending;
}
