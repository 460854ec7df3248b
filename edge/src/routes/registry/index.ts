// The registry, for analysts and admins:
//   GET /mlflow/experiments · /mlflow/runs?experiment_id&limit · /mlflow/run/{run_id} · /mlflow/models
//   GET /mlflow/compare?run_ids=a,b or ?limit=N    (the original service's bridge; analyst)
//   POST /v1/models/reload · /v1/models/promote · /v1/models/rollback   (the lifecycle; admin)
// Without a registry (MLFLOW_TRACKING_URI unset) every one answers 503 mlflow_not_configured.
import { Hono, type Context } from 'hono';
import { ApiError } from '../../errors.js';
import { readJson } from '../../http.js';
import type { ModelLifecycle, RegistryBridge } from '../../registry/index.js';
import {
  lifecycleBody,
  mlflowCompareQuery,
  mlflowRunParam,
  mlflowRunsQuery,
  validate,
  validateParams,
  validateQuery,
} from '../../schemas/index.js';

const notConfigured = (): ApiError =>
  new ApiError(
    503,
    'mlflow_not_configured',
    'MLflow is not configured on this server: set MLFLOW_TRACKING_URI (and MLFLOW_MODEL_NAME) and restart it',
  );

export function mlflowRoutes({ bridge }: { bridge: RegistryBridge | undefined }): Hono {
  const app = new Hono();
  const need = (): RegistryBridge => {
    if (!bridge) throw notConfigured();
    return bridge;
  };
  app.get('/experiments', async (c) => c.json(await need().experiments()));
  app.get('/runs', async (c) => {
    const { experiment_id: experimentId, limit } = validateQuery(c, mlflowRunsQuery);
    return c.json(await need().runs({ experimentId, limit: limit ?? 100 }));
  });
  app.get('/run/:run_id', async (c) => c.json(await need().run(validateParams(c, mlflowRunParam).run_id)));
  app.get('/models', async (c) => c.json(await need().models()));
  app.get('/compare', async (c) => {
    const { run_ids: runIds, limit } = validateQuery(c, mlflowCompareQuery);
    return c.json(await need().compare({ runIds, limit: runIds ? undefined : (limit ?? 10) }));
  });
  return app;
}

export function lifecycleRoutes({ lifecycle }: { lifecycle: ModelLifecycle | undefined }): Hono {
  const app = new Hono();
  const need = (): ModelLifecycle => {
    if (!lifecycle) throw notConfigured();
    return lifecycle;
  };
  const who = async (c: Context): Promise<string> =>
    validate(lifecycleBody, await readJson(c, { optional: true })).changed_by?.trim() ?? 'api';
  app.post('/reload', async (c) => c.json(await need().reload()));
  app.post('/promote', async (c) => c.json(await need().promote(await who(c))));
  app.post('/rollback', async (c) => c.json(await need().rollback(await who(c))));
  return app;
}
