// The main job: `node server/dist/main.js` (scripts/start.sh). Reads the configuration from the environment, starts
// the server (default bundle, embedded store, demo stream), prints how to use it, and shuts down gracefully on
// SIGINT/SIGTERM. With WORKERS=N (shared state: REDIS_URL and DATABASE_URL) this process becomes the primary of N
// worker processes (node:cluster) that share the port: it forks them, restarts one that dies, and passes signals on.
import cluster, { type Worker } from 'node:cluster';
import { pathToFileURL } from 'node:url';
import { generateApiKey } from '@fraudscore/edge';
import { primaryMetrics } from './cluster-metrics.js';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import { createLogger, errorFields, type Logger } from './log.js';
import { startServer, type RunningServer, type WorkerSlot } from './server.js';

/** The environment variable telling a worker its slot (1..N), stable across restarts of that slot. */
const WORKER_SLOT = 'FRAUDSCORE_WORKER_SLOT';

/** The human-readable banner (stderr): the URL, the model and, when generated, the key with a curl example. */
export function banner(running: RunningServer): string {
  const lines = [
    '',
    `fraudscore server listening on ${running.url}`,
    `model ${running.scorer.model.name} ${running.scorer.model.version}`,
  ];
  if (running.demo)
    lines.push('demo stream on: simulated transactions are being scored and labelled (DEMO=off to stop it)');
  if (running.generatedKey !== undefined) {
    const example = JSON.stringify({
      id: 'tx-1',
      customerId: 'c-1',
      terminalId: 't-1',
      amount: 42.5,
      timestamp: new Date().toISOString(),
    });
    lines.push(
      '',
      running.keyFile === undefined
        ? 'API key for this run (admin; set API_KEYS to choose your own):'
        : `API key (admin; kept in ${running.keyFile} across restarts; set API_KEYS to choose your own):`,
      `  ${running.generatedKey}`,
      '',
      'try:',
      `  curl -s -H "Authorization: Bearer ${running.generatedKey}" -H 'Content-Type: application/json' \\`,
      `    -d '${example}' ${running.url}/v1/score`,
      `  curl -s -H "Authorization: Bearer ${running.generatedKey}" '${running.url}/v1/alerts?limit=5'`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config;
  try {
    config = await loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, env, createLogger(config.logLevel));
  const slot: WorkerSlot | undefined =
    config.workers > 1
      ? { index: Number(env[WORKER_SLOT] ?? cluster.worker?.id ?? 1), count: config.workers }
      : undefined;
  const logger = createLogger(config.logLevel, undefined, undefined, slot ? { worker: slot.index } : {});
  let running: RunningServer;
  try {
    running = await startServer(config, { logger, ...(slot ? { worker: slot } : {}) });
  } catch (error) {
    logger.error('server.start_failed', errorFields(error));
    process.exit(1);
  }
  if (slot) {
    // The primary prints the banner once every worker listens.
    process.send?.({
      type: 'listening',
      url: running.url,
      model: `${running.scorer.model.name} ${running.scorer.model.version}`,
    });
  } else {
    // The key goes to the terminal only (stderr), never into the JSON log stream.
    process.stderr.write(banner(running));
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      logger.warn('shutdown.forced', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutdown.signal', { signal });
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown.failed', errorFields(error));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/**
 * The primary of WORKERS processes: forks them (slot n gets FRAUDSCORE_WORKER_SLOT=n, so its Kafka transactional id
 * stays the same across restarts), restarts a worker that dies, prints the banner once all listen, and stops them
 * all on SIGINT/SIGTERM. Without API_KEYS it generates the admin key here, so every worker accepts the same one.
 */
function runPrimary(config: ServerConfig, env: NodeJS.ProcessEnv, logger: Logger): void {
  const generatedKey = config.apiKeys === null ? generateApiKey() : undefined;
  const shared = { ...env, ...(generatedKey ? { API_KEYS: `${generatedKey}:admin` } : {}) };
  const slots = new Map<Worker, number>();
  const listening = new Set<number>();
  let stopping = false;
  let bannerShown = false;

  const fork = (slot: number): void => {
    const worker = cluster.fork({ ...shared, [WORKER_SLOT]: String(slot) });
    slots.set(worker, slot);
    worker.on('message', (message: { type?: string; url?: string; model?: string }) => {
      if (message?.type !== 'listening') return;
      listening.add(slot);
      logger.info('worker.listening', { worker: slot, pid: worker.process.pid });
      if (!bannerShown && listening.size === config.workers) {
        bannerShown = true;
        process.stderr.write(
          workersBanner(message.url ?? '', message.model ?? '', config.workers, generatedKey, config.demo),
        );
      }
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    const slot = slots.get(worker)!;
    slots.delete(worker);
    listening.delete(slot);
    if (stopping) {
      if (slots.size === 0) process.exit(0);
      return;
    }
    logger.error('worker.exited', { worker: slot, code, signal: signal ?? null });
    // A worker that dies is replaced after a pause (a crash loop costs one start a second, not a busy loop).
    setTimeout(() => !stopping && fork(slot), 1_000);
  });

  const shutdown = (signal: string): void => {
    if (stopping) {
      logger.warn('shutdown.forced', { signal });
      for (const worker of slots.keys()) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info('shutdown.signal', { signal, workers: slots.size });
    if (slots.size === 0) process.exit(0);
    for (const worker of slots.keys()) worker.process.kill('SIGTERM');
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // A scrape of /metrics reaches one worker; it gathers every worker's through here.
  primaryMetrics((worker) => (worker ? slots.get(worker) : undefined));
  logger.info('workers.starting', { workers: config.workers });
  for (let slot = 1; slot <= config.workers; slot++) fork(slot);
}

function workersBanner(url: string, model: string, workers: number, key: string | undefined, demo: boolean): string {
  const lines = ['', `fraudscore server listening on ${url} (${workers} worker processes)`, `model ${model}`];
  if (demo) lines.push('demo stream on in worker 1 (DEMO=off to stop it)');
  if (key !== undefined) lines.push('', 'API key for this run (admin; set API_KEYS to choose your own):', `  ${key}`);
  lines.push('');
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
