// startServer(config): the edge app on Node (@hono/node-server) with the configured security, storage and demo
// stream, and a close() that shuts down gracefully. main.ts wires it to the environment and to signals.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import {
  CONTENT_TYPE,
  createEdge,
  createFraudMetrics,
  createLlmExplainer,
  DriftScheduler,
  generateApiKey,
  hashApiKey,
  memoryCache,
  MemoryDriftHistory,
  memoryHistory,
  restoreState,
  type DriftHistory,
  type EdgeApp,
  type EdgeChange,
  type EdgeConfig,
  type HashedApiKey,
  type ModelLifecycle,
  type SecurityOptions,
  type ServerHistory,
  type Storage,
} from '@fraudscore/edge';
import { directorySource, type BundleSource, type Scorer } from '@fraudscore/sdk';
import { join } from 'node:path';
import { REPO_ROOT, type ServerConfig } from './config.js';
import { readOrCreateApiKey } from './api-key-file.js';
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
import { SharedState, type ChangeChannel, type SharedChange } from './redis/index.js';
import { hostname } from 'node:os';
import { workerMetrics } from './cluster-metrics.js';
import { DataTimeHistoryStore } from './data-time-history.js';

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
  /** This process's place among WORKERS (main.ts); absent: the only process. */
  worker?: WorkerSlot;
}

/** One of WORKERS processes: slot 1..count (stable across restarts of that slot). */
export interface WorkerSlot {
  index: number;
  count: number;
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
  /** The admin key generated because API_KEYS was unset (kept in config.apiKeyFile if set; printed by main). */
  generatedKey: string | undefined;
  /** With REDIS_URL: the state shared with the other replicas and workers. */
  shared: SharedState | undefined;
  /** Where generatedKey is kept across restarts; undefined: in memory only. */
  keyFile: string | undefined;
  /** Requests being handled right now. */
  inFlight(): number;
  /** Stop accepting, drain in-flight requests (up to config.shutdownTimeoutMs), stop the demo, close storage. */
  close(): Promise<void>;
}

/** The storage the configuration asks for: PostgreSQL with DATABASE_URL, else the embedded PGlite store (in DATA_DIR, or in memory). */
export async function openConfiguredStorage(config: ServerConfig): Promise<HostStorage> {
  const opened = await openStorage(
    config.databaseUrl !== undefined
      ? { databaseUrl: config.databaseUrl }
      : { dataDir: config.dataDir, pgliteThread: config.pgliteThread },
  );
  return { storage: opened, driftHistory: opened.driftHistory, kind: opened.kind, close: () => opened.close() };
}

function bundleSource(bundle: string): BundleSource {
  return /^https?:\/\//i.test(bundle) ? bundle : directorySource(bundle);
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const slot = options.worker;

  // The configured bundle first; with MLflow the registry's champion replaces it below when it loads. In one process
  // the scorer keeps the feature history in memory; with REDIS_URL every process scores against the shared one.
  const initial = await loadModel(
    bundleSource(config.bundle),
    { kind: 'bundle', location: config.bundle },
    {
      // Retention by the data's time: a restart on back-filled history keeps its windows (data-time-history.ts).
      history: config.redis ? false : (spec) => new DataTimeHistoryStore(spec),
      publicKey: config.bundlePublicKey,
      clock,
    },
  );
  const memory = config.redis ? undefined : (initial.scorer.history as DataTimeHistoryStore);
  const models = new ModelManager(initial, {
    history: memory ?? false,
    publicKey: config.bundlePublicKey,
    clock,
  });
  let redisLogged = false;
  const shared =
    config.redis &&
    (await SharedState.open({
      url: config.redis.url,
      prefix: config.redis.prefix,
      spec: initial.spec,
      clock,
      onError: (error) => {
        // Once per outage: the client retries every second meanwhile.
        if (redisLogged) return;
        redisLogged = true;
        logger.warn('redis.unreachable', errorFields(error));
      },
    }));
  shared?.connection.client.on('ready', () => {
    if (redisLogged) logger.info('redis.back', {});
    redisLogged = false;
  });
  const history: ServerHistory = shared ? shared.scoringHistory() : memoryHistory(memory!);

  let keys: HashedApiKey[];
  let generatedKey: string | undefined;
  if (config.apiKeys === null) {
    generatedKey =
      config.apiKeyFile === undefined ? generateApiKey() : (await readOrCreateApiKey(config.apiKeyFile)).key;
    keys = [await hashApiKey(generatedKey, ['admin'])];
  } else {
    keys = config.apiKeys;
  }
  const security: SecurityOptions = {
    keys,
    origins: config.corsOrigins,
    // With shared state every process draws from the same bucket per key (the limit does not multiply).
    rateLimit:
      config.rateLimitPerMinute === false
        ? false
        : {
            limit: config.rateLimitPerMinute,
            windowMs: 60_000,
            ...(shared ? { store: shared.rateLimit } : {}),
          },
  };

  const opened = options.storage ?? (await openConfiguredStorage(config));
  // A threshold changed at run time (POST /threshold, audited in storage) survives restarts.
  const edgeConfig: EdgeConfig = {};
  const lastChange = (await opened.storage.thresholdChanges()).at(-1);
  if (lastChange) edgeConfig.threshold = lastChange.to;
  // In one process the feature history and label statistics live only in storage across restarts: rebuild them
  // before serving. With shared state they live in Redis: nothing to replay, however much is stored.
  let labelStats;
  if (memory) {
    const restoreStarted = performance.now();
    // The window ends at the newest stored transaction's time (the data's, not the wall clock's).
    const restored = await restoreState({ storage: opened.storage, history: memory });
    labelStats = restored.labelStats;
    logger.info('state.restored', {
      transactions: restored.transactions,
      labels: restored.labels,
      // The restored window's end: the newest stored transaction's time.
      newest: restored.transactions > 0 ? new Date(memory.newest).toISOString() : null,
      ms: Math.round(performance.now() - restoreStarted),
    });
  }
  const metrics = createFraudMetrics({
    clock,
    startTime: clock(),
    ...(labelStats ? { labelStats } : {}),
    ...(shared ? { labels: shared.labels } : {}),
  });
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
  // A change made here reaches the other processes over the shared state's channel (applied below when they make one).
  const channel: { changes: ChangeChannel | undefined } = { changes: undefined };
  const announce = async (change: EdgeChange | SharedChange): Promise<void> => {
    try {
      await channel.changes?.publish(change);
    } catch (error) {
      // The change is recorded and in force here; the others re-read it when they resubscribe.
      logger.warn('changes.publish_failed', { kind: change.kind, ...errorFields(error) });
    }
  };
  // The stream starts after the app: /health asks it through this reference.
  const stream: { pipeline?: Pipeline } = {};
  const edge = createEdge({
    model: () => models.active().scorer,
    history,
    ...(shared ? { announce } : {}),
    storage: opened.storage,
    clock,
    security,
    config: edgeConfig,
    metrics,
    driftHistory,
    limits: config.limits,
    logger,
    // The shared state unreachable, or the stream's batches failing in a row.
    degraded: () => [...(shared ? shared.problems() : []), ...(stream.pipeline?.processor.problems() ?? [])],
    explainer: createLlmExplainer({
      apiKey: config.openai.apiKey,
      baseURL: config.openai.baseUrl,
      model: config.openai.model,
      cache: memoryCache(),
      onError: (error) => logger.warn('explain.llm_failed', { error: error instanceof Error ? error.name : 'error' }),
    }),
    driftReference: () => models.active().reference,
    driftWindowMs: config.driftWindowMs,
    driftOptions: { minRows: config.driftMinRows },
    bundle: (version) => models.bundle(version),
    ...(lifecycle && mlflowClient
      ? { lifecycle: shared ? announcing(lifecycle, announce) : lifecycle, registry: new MlflowBridge(mlflowClient) }
      : {}),
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
  /** The newest kept snapshot feeds this process's drift gauges (another replica may have taken it). */
  const showLatestSnapshot = async (): Promise<void> => {
    const latest = (await driftHistory.list({ from: clock() - 2 * config.driftIntervalMs })).at(-1);
    if (latest) metrics.recordDrift(latest);
  };
  const drift = new DriftScheduler({
    // With shared state, one process per interval takes the snapshot (every replica's scheduler ticks).
    check: async () => {
      if (shared && !(await shared.takeTurn('drift-snapshot', config.driftIntervalMs * 0.9))) {
        await showLatestSnapshot();
        return (await driftHistory.list()).at(-1) ?? monitor.check(config.driftWindowMs);
      }
      return monitor.check(config.driftWindowMs);
    },
    intervalMs: config.driftIntervalMs,
    onError: (error) => logger.warn('drift.snapshot_failed', errorFields(error)),
  });
  drift.start();
  // What the other processes change, applied here; after a (re)subscription every setting is read again from storage.
  channel.changes = await shared?.listen({
    onChange: async (change) => {
      if (change.kind === 'threshold') edgeConfig.threshold = change.threshold;
      else if (change.kind === 'drift-baseline') await monitor.restore();
      else if (change.kind === 'drift-snapshot') await showLatestSnapshot();
      else if (change.kind === 'model') await follow();
      logger.info('changes.applied', { kind: change.kind });
    },
    resync: async () => {
      const last = (await opened.storage.thresholdChanges()).at(-1);
      if (last) edgeConfig.threshold = last.to;
      await monitor.restore();
      await showLatestSnapshot();
    },
    onError: (error) => logger.warn('changes.failed', errorFields(error)),
  });

  let inFlight = 0;
  // With WORKERS, a scrape of /metrics answers with every worker's metrics (labelled `worker`), not this one's alone.
  const gatherMetrics =
    slot && slot.count > 1
      ? workerMetrics(async () => (await edge.app.fetch(new Request('http://worker/metrics'))).text())
      : undefined;
  const dashboardDir = options.dashboardDir ?? join(REPO_ROOT, 'dashboard', 'dist');
  const dashboard = dashboardDir === false ? undefined : staticFiles(dashboardDir);
  const fetch = async (request: Request): Promise<Response> => {
    inFlight += 1;
    const started = performance.now();
    try {
      const response =
        gatherMetrics && request.method === 'GET' && new URL(request.url).pathname === '/metrics'
          ? new Response(await gatherMetrics(), {
              headers: { 'content-type': CONTENT_TYPE, 'cache-control': 'no-store' },
            })
          : ((await dashboard?.(request)) ?? (await edge.app.fetch(request)));
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
    // Workers join one consumer group; each needs its own transactional id, the same across its restarts.
    kafka:
      slot && slot.count > 1
        ? { ...config.kafka, instanceId: `${config.kafka.instanceId ?? hostname()}-w${slot.index}` }
        : config.kafka,
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
  const demo =
    config.demo && (slot?.index ?? 1) === 1
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
    await shared?.close();
    await models.active().scorer.dispose();
    logger.info('shutdown.finished', { ms: Math.round(performance.now() - started) });
  }

  logger.info('server.listening', {
    url,
    model_version: models.active().scorer.model.version,
    storage: opened.kind,
    shared: shared ? shared.describe() : 'in process',
    demo: demo !== undefined,
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
    shared: shared || undefined,
    keyFile: generatedKey === undefined ? undefined : config.apiKeyFile,
    inFlight: () => inFlight,
    close: () => (closing ??= close()),
  };
}

/** The lifecycle, telling the other processes when the model serving here changed (they follow the registry then). */
function announcing(lifecycle: ModelLifecycle, announce: (change: SharedChange) => Promise<void>): ModelLifecycle {
  return {
    status: () => lifecycle.status(),
    async reload() {
      const outcome = await lifecycle.reload();
      if (outcome.changed) await announce({ kind: 'model' });
      return outcome;
    },
    async promote(by) {
      const outcome = await lifecycle.promote(by);
      if (outcome.decision === 'promoted') await announce({ kind: 'model' });
      return outcome;
    },
    async rollback(by) {
      const outcome = await lifecycle.rollback(by);
      await announce({ kind: 'model' });
      return outcome;
    },
  };
}
