// createApp(deps): the edge API as a Hono app on web-standard APIs, hosted by server/ on Node or by any runtime.
import { Hono, type Context } from 'hono';
import { createInProcessEventBus, type EventBus } from './bus/index.js';
import { accessFor } from './access.js';
import { ApiError, toErrorResponse } from './errors.js';
import {
  apiKeyAuth,
  bodySizeLimit,
  corsAllowList,
  logUnexpected,
  rateLimit,
  requestId,
  requireScope,
  SCOPES,
  securityHeaders,
  silentEdgeLogger,
  type ApiKeyEnv,
  type EdgeLogger,
  type HashedApiKey,
  type RateLimitOptions,
} from './middleware/index.js';
import { alertRoutes } from './routes/alerts/index.js';
import { healthRoutes } from './routes/health/index.js';
import { bulkLabelRoutes, labelRoutes } from './routes/labels/index.js';
import { modelRoutes } from './routes/models/index.js';
import { scoreRoutes } from './routes/score/index.js';
import { transactionRoutes } from './routes/transactions/index.js';
import {
  createScoringService,
  type EdgeChange,
  type EdgeConfig,
  type ModelProvider,
  type ScoringService,
} from './service/index.js';
import type { ServerHistory } from './service/history.js';
import {
  DriftMonitor,
  MemoryDriftHistory,
  storedDriftRows,
  type DriftHistory,
  type DriftOptions,
  type DriftReference,
} from './drift/index.js';
import { templateExplainer, type Explainer } from './explain/index.js';
import { createFraudMetrics, type FraudMetrics } from './metrics/index.js';
import { driftRoutes } from './routes/drift/index.js';
import { explanationRoutes } from './routes/explanation/index.js';
import { metricsRoutes } from './routes/metrics/index.js';
import { bundleRoutes, type ServedBundle } from './routes/bundle/index.js';
import { kserveRoutes } from './routes/kserve/index.js';
import { legacyRoutes } from './routes/legacy/index.js';
import { legacyDriftRoutes } from './routes/legacy/drift.js';
import { streamRoutes } from './routes/stream/index.js';
import { lifecycleRoutes, mlflowRoutes } from './routes/registry/index.js';
import type { ModelLifecycle, RegistryBridge } from './registry/index.js';
import { openApiRoutes } from './openapi/index.js';
import { MemoryStorage, type Storage } from './storage/index.js';
import type { InputLimits } from '@fraudscore/sdk';

export interface SecurityOptions {
  /** Parsed API_KEYS (parseApiKeys); an empty list answers 401 on every /v1 route. */
  keys: readonly HashedApiKey[];
  header?: 'authorization' | 'x-api-key';
  /** CORS allow-list (exact origins); default none. */
  origins?: readonly string[];
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  /** Per key (else IP) token bucket; false: none. */
  rateLimit?: RateLimitOptions | false;
}

export interface AppDeps {
  /** The active model: a scorer, or a function returning the current one. */
  model: ModelProvider;
  /** The server-side feature history covering every entity: memoryHistory(store) in one process, or a shared one. */
  history: ServerHistory;
  /** Default: MemoryStorage. */
  storage?: Storage;
  /** Default: the in-process bus. */
  bus?: EventBus;
  /** Epoch ms; default Date.now. */
  clock?: () => number;
  /** Mutable: a threshold set here applies from the next request on. */
  config?: EdgeConfig;
  /**
   * Secure headers, CORS allow-list, body limit, API keys and rate limit on /v1, scopes per route (score:
   * /v1/score; analyst: transactions, labels, alerts, models). Absent: no authentication (tests, local embedding).
   */
  security?: SecurityOptions;
  /**
   * Extra middleware (edge/src/middleware or the host's) (auth with scopes, rate limit, body limit, CORS, secure headers): called on the
   * app before any route is mounted, so whatever it registers with app.use runs in front of every route.
   */
  installMiddleware?: (app: Hono) => void;
  /** Analyst narratives (createLlmExplainer); default: the deterministic template, no LLM. */
  explainer?: Explainer;
  /** Prometheus metrics; default: a fresh registry. */
  metrics?: FraudMetrics;
  /** The active bundle's reference.json (parseReference), or a function giving the active one: enables drift. */
  driftReference?: DriftReference | (() => DriftReference);
  /** The drift window when a request names none (the host's DRIFT_WINDOW); default 1 day. */
  driftWindowMs?: number;
  /** Drift thresholds and the minimum sample size (DRIFT_MIN_ROWS); defaults in drift/psi.ts. */
  driftOptions?: DriftOptions;
  /** Kept drift snapshots (the host's scheduler appends); default in memory. */
  driftHistory?: DriftHistory;
  /**
   * Tells the other replicas of a change made through this one (threshold, drift baseline, drift snapshot); the host
   * applies theirs to config, drift and metrics. Default: none (one process).
   */
  announce?: (change: EdgeChange) => Promise<void>;
  /** The model registry's read-only views (/mlflow/*); absent: those routes answer 503 not configured. */
  registry?: RegistryBridge;
  /** Reload / promote / rollback (/v1/models/*) and the active model's provenance for /health and /v1/models. */
  lifecycle?: ModelLifecycle;
  /** Bundle files by model version, served publicly at /v1/models/{version}/bundle/{file} for SDKs. */
  bundle?: (version: string) => ServedBundle | undefined;
  /** The input contract's amount ceiling and timestamp window (default the SDK's DEFAULT_LIMITS); /openapi.json shows them. */
  limits?: Partial<InputLimits>;
  /** Where unexpected errors are logged, with the request id (default: nowhere). */
  logger?: EdgeLogger;
  /**
   * Why the host is degraded besides the model registry (e.g. the shared state is unreachable, the stream's batches
   * keep failing); /health reports them.
   */
  degraded?: () => readonly string[];
}

export interface EdgeApp {
  app: Hono;
  service: ScoringService;
  storage: Storage;
  bus: EventBus;
  metrics: FraudMetrics;
  driftHistory: DriftHistory;
  /** Present with driftReference: snapshots (the host schedules `check`), the baseline (`restore` at start). */
  drift: DriftMonitor | undefined;
}

/** The app with its service, storage and bus (for hosts that subscribe to the bus or inspect storage). */
export function createEdge(deps: AppDeps): EdgeApp {
  const storage = deps.storage ?? new MemoryStorage();
  const bus = deps.bus ?? createInProcessEventBus();
  const clock = deps.clock ?? Date.now;
  // One config object: POST /threshold changes it, the service reads it on every request.
  const config = deps.config ?? {};
  const logger = deps.logger ?? silentEdgeLogger;
  const service = createScoringService({
    model: deps.model,
    history: deps.history,
    storage,
    bus,
    clock,
    config,
    ...(deps.limits ? { limits: deps.limits } : {}),
    // Events go out after the scoring call answered: a bus that fails has no request to fail any more.
    onPublishError: (error, event) =>
      logger.error('bus.publish_failed', {
        event: event.type,
        transactionId: event.transaction.id,
        ...(error instanceof Error ? { error: error.name, message: error.message } : { error: String(error) }),
      }),
  });
  const metrics = deps.metrics ?? createFraudMetrics({ clock, startTime: clock() });
  const driftHistory = deps.driftHistory ?? new MemoryDriftHistory();
  recordMetricsFromEvents(bus, metrics);
  const driftRows = storedDriftRows(storage, () => service.currentModel().model.features);
  const reference = deps.driftReference;
  const drift =
    reference &&
    new DriftMonitor({
      model: () => ({
        version: service.currentModel().model.version,
        features: service.currentModel().model.features,
        reference: typeof reference === 'function' ? reference() : reference,
        periodMs: service.currentModel().model.periodMs ?? {},
      }),
      rows: driftRows,
      history: driftHistory,
      clock,
      ...(deps.driftOptions ? { drift: deps.driftOptions } : {}),
      onSnapshot: async (snapshot) => {
        metrics.recordDrift(snapshot);
        await deps.announce?.({ kind: 'drift-snapshot' });
      },
      onBaseline: () => deps.announce?.({ kind: 'drift-baseline' }),
    });

  const app = new Hono();
  app.use('*', requestId());
  app.onError((error, c) => {
    const { status, body, headers } = toErrorResponse(error);
    if (status >= 500) body.error.requestId = logUnexpected(logger, c, error);
    return c.json(body, status, headers);
  });
  app.notFound((c) => {
    const { status, body } = toErrorResponse(
      new ApiError(404, 'not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`),
    );
    return c.json(body, status);
  });
  if (deps.security) installSecurity(app, deps.security);
  deps.installMiddleware?.(app);

  app.route(
    '/health',
    healthRoutes({
      service,
      clock,
      ...(deps.lifecycle ? { status: () => deps.lifecycle!.status() } : {}),
      ...(deps.degraded ? { degraded: deps.degraded } : {}),
    }),
  );
  // Public like /health (outside /v1): describes the routes below with the schemas they validate with.
  app.route(
    '/openapi.json',
    openApiRoutes({
      apiKeyHeader: deps.security ? (deps.security.header ?? 'authorization') : undefined,
      drift: deps.driftReference !== undefined,
      bundle: deps.bundle !== undefined,
      limits: service.limits(),
    }),
  );
  app.route('/v1/score', scoreRoutes({ service }));
  app.route('/v1/transactions', labelRoutes({ service }));
  app.route('/v1/labels', bulkLabelRoutes({ service }));
  app.route('/v1/transactions', transactionRoutes({ storage }));
  app.route('/v1/alerts', alertRoutes({ storage }));
  app.route(
    '/v1/models',
    modelRoutes({ service, ...(deps.lifecycle ? { status: () => deps.lifecycle!.status() } : {}) }),
  );
  app.route('/v1/models', lifecycleRoutes({ lifecycle: deps.lifecycle }));
  app.route('/mlflow', mlflowRoutes({ bridge: deps.registry }));
  if (deps.bundle) app.route('/v1/models', bundleRoutes({ bundle: deps.bundle }));
  app.route('/v1/stream', streamRoutes({ bus }));
  app.route(
    '/',
    legacyRoutes({ service, storage, config, clock, ...(deps.announce ? { announce: deps.announce } : {}) }),
  );
  app.route('/v2', kserveRoutes({ service, onUnexpected: (error, c) => logUnexpected(logger, c, error) }));
  app.route(
    '/',
    explanationRoutes({
      getTransaction: async (id) => {
        const record = await storage.get(id);
        return (
          record && {
            result: {
              topFactors: record.topFactors,
              probability: record.probability,
              riskLevel: record.riskLevel,
              modelVersion: record.modelVersion,
            },
          }
        );
      },
      explainer: deps.explainer ?? templateExplainer,
      threshold: service.threshold,
      words: () => service.currentModel().model.featureWords,
    }),
  );
  app.use('/metrics', async (_c, next) => {
    metrics.setModel(service.currentModel().model.version);
    await metrics.refresh(); // label counts shared by replicas are read fresh for each scrape
    await next();
  });
  app.route('/metrics', metricsRoutes({ registry: metrics.registry }));
  if (drift) {
    const window = deps.driftWindowMs ?? 86_400_000;
    app.route('/v1/drift', driftRoutes({ monitor: drift, history: driftHistory, defaultWindowMs: window, clock }));
    app.route('/', legacyDriftRoutes({ monitor: drift, checkWindowMs: window, clock }));
  }
  return { app, service, storage, bus, metrics, driftHistory, drift };
}

function installSecurity(app: Hono, options: SecurityOptions): void {
  app.use('*', securityHeaders());
  app.use('*', corsAllowList({ origins: options.origins ?? [] }));
  app.use('*', bodySizeLimit(options.maxBodyBytes === undefined ? {} : { maxBytes: options.maxBodyBytes }));
  const auth = apiKeyAuth({ keys: options.keys, ...(options.header ? { header: options.header } : {}) });
  const limit = options.rateLimit === false ? undefined : rateLimit(options.rateLimit ?? {});
  const scopes = new Map(SCOPES.map((scope) => [scope, requireScope(scope)] as const));
  // One decision per request from the access table: key, then rate limit (per key), then scope.
  app.use('*', async (c: Context<ApiKeyEnv>, next) => {
    const access = accessFor(c.req.method, c.req.path);
    if (!access.key) return next();
    const checkScope = access.scope ? scopes.get(access.scope)! : undefined;
    const afterLimit = checkScope ? () => checkScope(c, next) as Promise<void> : next;
    return auth(c, async () => {
      if (limit) await limit(c, afterLimit);
      else await afterLimit();
    });
  });
}

/** Scores and labels feed the Prometheus metrics through the bus, off the request path. */
function recordMetricsFromEvents(bus: EventBus, metrics: FraudMetrics): void {
  bus.subscribe(
    (event) => {
      const t = event.transaction;
      if (event.type === 'scored') {
        metrics.recordScore({
          probability: t.probability,
          riskLevel: t.riskLevel,
          blocked: t.shouldBlock,
          latencySeconds: event.latencySeconds ?? 0,
        });
      } else if (event.type === 'labelled' && t.label) {
        return metrics.recordLabel(
          {
            id: t.id,
            label: t.label.label,
            probability: t.probability,
            threshold: t.threshold,
            blocked: t.shouldBlock,
          },
          Date.parse(t.label.at),
        );
      }
    },
    ['scored', 'labelled'],
  );
}

export function createApp(deps: AppDeps): Hono {
  return createEdge(deps).app;
}
