// The active model (GET /v1/models), fetched once per session and shared by the views.
import { getJson } from './api.js';
import type { ActiveModel, ModelStatus } from './types.js';

let pending: Promise<{ active: ActiveModel; status?: ModelStatus }> | undefined;

/** GET /v1/models: the active model and, when the server follows a registry, where it came from. */
export function modelInfo(refresh = false): Promise<{ active: ActiveModel; status?: ModelStatus }> {
  if (refresh || !pending) {
    pending = getJson<{ active: ActiveModel; status?: ModelStatus }>('/v1/models');
    pending.catch(() => (pending = undefined));
  }
  return pending;
}

export const activeModel = (refresh = false): Promise<ActiveModel> => modelInfo(refresh).then((r) => r.active);
