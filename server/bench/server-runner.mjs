// Starts the built fraudscore server (dist/) for the benchmark and prints `BENCH_URL <url>` on stdout.
// Settings come from the environment like `pnpm start` (the bench passes PORT=0, DEMO=off, RATE_LIMIT_PER_MINUTE=0,
// API_KEYS=<admin key>, LOG_LEVEL=error). SIGTERM/SIGINT close it gracefully.
import { loadConfig } from '../dist/config.js';
import { createLogger } from '../dist/log.js';
import { startServer } from '../dist/server.js';

const config = await loadConfig(process.env);
const running = await startServer(config, { logger: createLogger(config.logLevel) });
process.stdout.write(`BENCH_URL ${running.url}\n`);
let stopping = false;
const stop = () => {
  if (stopping) process.exit(1);
  stopping = true;
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
