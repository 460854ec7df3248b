// startServer(config): the edge app on Node (@hono/node-server) with the configured security, storage and demo
// stream, and a close() that shuts down gracefully. main.ts wires it to the environment and to signals.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import {
  createEdge,
  createFraudMetrics,
  createLlmExplainer,
  DriftScheduler,
  generateApiKey,
  hashApiKey,
  memoryCache,
  MemoryDriftHistory,
  restoreState,
  type DriftHistory,
  type EdgeApp,
  type EdgeConfig,
  type HashedApiKey,
  type SecurityOptions,
  type Storage,
} from '@fraudscore/edge';
import { directorySource, MemoryHistoryStore, type BundleSource, type Scorer } from '@fraudscore/sdk';
import { join } from 'node:path';
import { REPO_ROOT, type ServerConfig } from './config.js';
import { staticFiles } from './static.js';
import { createDemo, type Demo, type DemoOptions } from './demo.js';
import { errorFields, redactPath, silentLogger, type Logger } from './log.js';
import { openStorage } from './storage/index.js';
import { MlflowBridge } from './mlflow/bridge.js';
import { MlflowClient } from './mlflow/client.js';
import { MlflowLifecycle } from './mlflow/lifecycle.js';
import { loadModel, ModelManager } from './models/manager.js';
import { startPipeline, type Pipeline, type PipelineOptions } from './kafka/index.js';
import { rawMessage, TOPICS } from './kafka/messages.js';

/** Storage with an optional close (flush) for shutdown. */
export interface HostStorage {
  storage: Storage;
  /** Where drift snapshots are kept (default in memory). */
  driftHistory?: DriftHistory;
  /** What it is, for the start-up log (no credentials). */
  kind: string;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Overrides the storage the configuration would open (tests). */
  storage?: HostStorage;
  /** Demo tuning (tests); rate comes from the configuration. */
  demo?: Omit<DemoOptions, 'service' | 'rate' | 'logger'>;
  /** Epoch ms; default Date.now. */
  clock?: () => number;
  /** The built dashboard served at / (default dashboard/dist in the repository; false: none). */
  dashboardDir?: string | false;
  /** Stream processor tuning (tests): retries, degraded reporting. */
  stream?: Pick<PipelineOptions, 'processor'>;
}

export interface RunningServer {
  /** http://host:port with the actual port. */
  url: string;
  port: number;
  edge: EdgeApp;
  /** The active scorer (changes when the registry's champion is swapped in). */
  readonly scorer: Scorer;
  models: ModelManager;
  /** With MLFLOW_TRACKING_URI: the lifecycle (reload, promote, rollback). */
  lifecycle: MlflowLifecycle | undefined;
  demo: Demo | undefined;
  /** The streaming pipeline (server/src/kafka): on Kafka with KAFKA_BROKERS, else on the in-process log. */
  kafka: Pipeline;
  /** The drift snapshot schedule (runOnce takes one now). */
  drift: DriftScheduler;
  /** The admin key generated because API_KEYS was unset (only in memory; printed once by main). */
  generatedKey: string | undefined;
  /** Requests being handled right now. */
  inFlight(): number;
  /** Stop accepting, drain in-flight requests (up to config.shutdownTimeoutMs), stop the demo, close storage. */
  close(): Promise<void>;
}

/** The storage the configuration asks for: PostgreSQL with DATABASE_URL, else the embedded PGlite store (in DATA_DIR, or in memory). */
export async function openConfiguredStorage(config: ServerConfig): Promise<HostStorage> {
  const opened = await openStorage(
    config.databaseUrl !== undefined ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir },
  );
  return { storage: opened, driftHistory: opened.driftHistory, kind: opened.kind, close: () => opened.close() };
}

function bundleSource(bundle: string): BundleSource {
  return /^https?:\/\//i.test(bundle) ? bundle : directorySource(bundle);
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? Date.now;

  // The configured bundle first; with MLflow the registry's champion replaces it below when it loads.
  const initial = await loadModel(
    bundleSource(config.bundle),
    { kind: 'bundle', location: config.bundle },
    {
      history: (spec) => new MemoryHistoryStore(spec, { clock }),
      publicKey: config.bundlePublicKey,
      clock,
    },
  );
  const history = initial.scorer.history as MemoryHistoryStore;
  const models = new ModelManager(initial, { history, publicKey: config.bundlePublicKey, clock });

  let keys: HashedApiKey[];
  let generatedKey: string | undefined;
  if (config.apiKeys === null) {
    generatedKey = generateApiKey();
    keys = [await hashApiKey(generatedKey, ['admin'])];
  } else {
    keys = config.apiKeys;
  }
  const security: SecurityOptions = {
    keys,
    origins: config.corsOrigins,
    rateLimit: config.rateLimitPerMinute === false ? false : { limit: config.rateLimitPerMinute, windowMs: 60_000 },
  };

  const opened = options.storage ?? (await openConfiguredStorage(config));
  // A threshold changed at run time (POST /threshold, audited in storage) survives restarts.
  const edgeConfig: EdgeConfig = {};
  const lastChange = (await opened.storage.thresholdChanges()).at(-1);
  if (lastChange) edgeConfig.threshold = lastChange.to;
  // The feature history and label statistics live only in storage across restarts: rebuild them before serving.
  const restoreStarted = performance.now();
  const restored = await restoreState({ storage: opened.storage, history, now: clock() });
  logger.info('state.restored', {
    transactions: restored.transactions,
    labels: restored.labels,
    ms: Math.round(performance.now() - restoreStarted),
  });
  const metrics = createFraudMetrics({ clock, startTime: clock(), labelStats: restored.labelStats });
  const driftHistory = opened.driftHistory ?? new MemoryDriftHistory();
  const lastSnapshot = (await driftHistory.list()).at(-1);
  if (lastSnapshot) metrics.recordDrift(lastSnapshot);
  const mlflowClient = config.mlflow && new MlflowClient({ trackingUri: config.mlflow.trackingUri });
  const lifecycle =
    config.mlflow &&
    mlflowClient &&
    new MlflowLifecycle({
      client: mlflowClient,
      name: config.mlflow.modelName,
      storage: opened.storage,
      manager: models,
      publicKey: config.bundlePublicKey,
      clock,
      apTolerance: config.promotion.apTolerance,
      windowMs: config.promotion.windowMs,
      minLabels: config.promotion.minLabels,
    });
  // The stream starts after the app: /health asks it through this reference.
  const stream: { pipeline?: Pipeline } = {};
  const edge = createEdge({
    model: () => models.active().scorer,
    history,
    storage: opened.storage,
    clock,
    security,
    config: edgeConfig,
    metrics,
    driftHistory,
    limits: config.limits,
    logger,
    degraded: () => stream.pipeline?.processor.problems() ?? [],
    explainer: createLlmExplainer({
      apiKey: config.openai.apiKey,
      baseURL: config.openai.baseUrl,
      model: config.openai.model,
      cache: memoryCache(),
      onError: (error) => logger.warn('explain.llm_failed', { error: error instanceof Error ? error.name : 'error' }),
    }),
    driftReference: () => models.active().reference,
    bundle: (version) => models.bundle(version),
    ...(lifecycle && mlflowClient ? { lifecycle, registry: new MlflowBridge(mlflowClient) } : {}),
  });
  // Follow the registry's champion: now, then every MLFLOW_POLL_INTERVAL. Failures leave the current model serving.
  const follow = async (): Promise<void> => {
    if (!lifecycle) return;
    try {
      const outcome = await lifecycle.reload();
      if (outcome.changed)
        logger.info('model.swapped', {
          version: outcome.model.version,
          registry_version: outcome.source.kind === 'registry' ? outcome.source.version : null,
        });
    } catch (error) {
      logger.warn('model.follow_failed', { reason: lifecycle.status().reasons[0] ?? (error as Error).message });
    }
  };
  await follow();
  const poller =
    config.mlflow && config.mlflow.pollIntervalMs > 0
      ? setInterval(() => void follow(), config.mlflow.pollIntervalMs)
      : undefined;
  poller?.unref();
  // Drift snapshots every DRIFT_INTERVAL over the last DRIFT_WINDOW, against the baseline kept in storage.
  const monitor = edge.drift!;
  const baseline = await monitor.restore();
  logger.info('drift.baseline', { source: baseline.source, set_at: baseline.setAt });
  const drift = new DriftScheduler({
    check: () => monitor.check(config.driftWindowMs),
    intervalMs: config.driftIntervalMs,
    onError: (error) => logger.warn('drift.snapshot_failed', errorFields(error)),
  });
  drift.start();

  let inFlight = 0;
  const dashboardDir = options.dashboardDir ?? join(REPO_ROOT, 'dashboard', 'dist');
  const dashboard = dashboardDir === false ? undefined : staticFiles(dashboardDir);
  const fetch = async (request: Request): Promise<Response> => {
    inFlight += 1;
    const started = performance.now();
    try {
      const response = (await dashboard?.(request)) ?? (await edge.app.fetch(request));
      logger.debug('http.request', {
        method: request.method,
        path: redactPath(new URL(request.url).pathname),
        status: response.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
      return response;
    } finally {
      inFlight -= 1;
    }
  };

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch, port: config.port, hostname: config.host }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  server.on('error', (error) => logger.error('http.server_error', errorFields(error)));
  const port = (server.address() as AddressInfo).port;
  const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${urlHost}:${port}`;

  const kafka = await startPipeline({
    kafka: config.kafka,
    service: edge.service,
    registry: edge.metrics.registry,
    logger,
    clock,
    explain: config.kafka.explain,
    ...options.stream,
  });
  stream.pipeline = kafka;
  // The demo feeds the stream (transactions_raw: in process, or the Kafka cluster) like a bank's channels would;
  // it learns the scores from the bus, as every scored transaction is published there.
  const demo = config.demo
    ? createDemo({
        ...options.demo,
        service: edge.service,
        rate: config.demoRate,
        logger,
        clock,
        bus: edge.bus,
        submit: (txs) =>
          kafka.publisher.send(
            TOPICS.raw,
            txs.map((tx) => ({ key: tx.customerId, value: JSON.stringify(rawMessage({ ...tx })) })),
          ),
      })
    : undefined;
  demo?.start();

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    const started = performance.now();
    logger.info('shutdown.started', { in_flight: inFlight });
    // Stop accepting; Node closes idle keep-alive connections and lets busy ones finish their request.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    drift.stop();
    if (poller) clearInterval(poller);
    const stopDemo = demo?.stop() ?? Promise.resolve();
    let timedOut = false;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      closed,
      new Promise<void>((resolve) => {
        deadline = setTimeout(() => {
          timedOut = true;
          resolve();
        }, config.shutdownTimeoutMs);
      }),
    ]);
    clearTimeout(deadline);
    if (timedOut) {
      logger.warn('shutdown.deadline', { in_flight: inFlight, timeout_ms: config.shutdownTimeoutMs });
      server.closeAllConnections();
      await closed;
    }
    await stopDemo;
    try {
      await kafka.stop(); // the batch in flight commits or aborts, then the clients disconnect
    } catch (error) {
      logger.error('shutdown.kafka_stop_failed', errorFields(error));
    }
    try {
      await opened.close();
    } catch (error) {
      logger.error('shutdown.storage_close_failed', errorFields(error));
    }
    await models.active().scorer.dispose();
    logger.info('shutdown.finished', { ms: Math.round(performance.now() - started) });
  }

  logger.info('server.listening', {
    url,
    model_version: models.active().scorer.model.version,
    storage: opened.kind,
    demo: config.demo,
    keys: keys.length,
    key_generated: generatedKey !== undefined,
  });
  return {
    url,
    port,
    edge,
    get scorer() {
      return models.active().scorer;
    },
    models,
    lifecycle,
    demo,
    kafka,
    drift,
    generatedKey,
    inFlight: () => inFlight,
    close: () => (closing ??= close()),
  };
}
