// The main job: `node server/dist/main.js` (scripts/start.sh). Reads the configuration from the environment, starts
// the server (default bundle, embedded store, demo stream), prints how to use it, and shuts down gracefully on
// SIGINT/SIGTERM.
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { createLogger, errorFields } from './log.js';
import { startServer, type RunningServer } from './server.js';

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
      'API key for this run (admin; set API_KEYS to choose your own):',
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
  const logger = createLogger(config.logLevel);
  let running: RunningServer;
  try {
    running = await startServer(config, { logger });
  } catch (error) {
    logger.error('server.start_failed', errorFields(error));
    process.exit(1);
  }
  // The key goes to the terminal only (stderr), never into the JSON log stream.
  process.stderr.write(banner(running));

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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
