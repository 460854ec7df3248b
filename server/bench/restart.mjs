// `pnpm --filter @fraudscore/server bench:restart` (after the build): time to the first score after a restart, and
// the Node process's memory, with BENCH_RESTART_N (1,000,000) scored transactions stored in the retention window:
//   - one process (history in memory): start-up replays the window from PostgreSQL into memory (restoreState);
//   - shared state (REDIS_URL): the history is already in Redis; start-up restores nothing.
// Both on the same local PostgreSQL (Debian's binaries) and, for the second, a local redis-server (append-only), on
// the same cores. The stored records have the shape the server writes (15 features, SHAP values, top factors),
// spread over the last 30 days (5,000 customers, 10,000 terminals, 3% labelled). Redis is filled once from storage
// with `ops-cli load-history` (timed too). Measured from spawning `node dist/main.js` to its first 200 from
// POST /v1/score; memory from /proc/<pid>/status (VmRSS after that score, VmHWM the peak), Redis's used_memory.
// Prints a markdown table and writes it into bench/README.md between <!-- restart:start --> and <!-- restart:end -->.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../dist/storage/local-postgres.js';
import { startRedis } from '../dist/redis/local-redis.js';
import { openStorage } from '../dist/storage/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER_DIR = join(HERE, '..');
const N = Number(process.env.BENCH_RESTART_N ?? 1_000_000);
const KEY = `bench-${randomBytes(16).toString('hex')}`;
const DAY = 86_400_000;
const log = (message) => process.stderr.write(`[bench:restart] ${message}\n`);

const FEATURES = JSON.parse(
  readFileSync(join(SERVER_DIR, '..', 'models', 'bundles', 'default', 'manifest.json'), 'utf8'),
).features;

/** A stored record as the server writes it (sizes as real ones; values random). */
function record(i, now) {
  const timestamp = now - 60_000 - Math.floor(((N - i) / N) * 30 * DAY);
  const features = Object.fromEntries(FEATURES.map((f) => [f, Math.round(Math.random() * 1e6) / 1e4]));
  const shap = FEATURES.map(() => Math.random() - 0.5);
  const probability = Math.random() * 0.2;
  const labelled = i % 33 === 0;
  const at = new Date(Math.min(now, timestamp + 3 * DAY)).toISOString();
  return {
    id: `r-${i}`,
    transaction: {
      id: `r-${i}`,
      customerId: `c-${i % 5000}`,
      terminalId: `t-${(i * 7919) % 10000}`,
      amount: Math.round(Math.random() * 40000) / 100,
      timestamp,
    },
    probability,
    riskLevel: 'LOW',
    shouldBlock: false,
    threshold: 0.5,
    topFactors: FEATURES.slice(0, 5).map((feature, k) => ({
      feature,
      value: features[feature],
      contribution: shap[k],
      direction: shap[k] >= 0 ? 'increases_risk' : 'decreases_risk',
    })),
    shap: { baseValue: -5.9, values: shap },
    features,
    margins: { lightgbm: -5.4, xgboost: -6.5 },
    modelVersion: '1.0.0',
    scoredAt: new Date(timestamp).toISOString(),
    deviceScore: null,
    agreement: null,
    label: labelled ? { label: i % 99 === 0 ? 'fraud' : 'legitimate', analyst: 'bench', at } : null,
    acknowledged: null,
  };
}

function run(script, args, env) {
  return spawn(process.execPath, [join(SERVER_DIR, 'dist', script), ...args], {
    cwd: SERVER_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Spawns the server and returns ms to its first 200 from POST /v1/score, its memory then, and its restore log. */
async function restart(label, env) {
  const started = performance.now();
  const child = run('main.js', [], {
    PORT: '0',
    DEMO: 'off',
    RATE_LIMIT_PER_MINUTE: '0',
    API_KEYS: `${KEY}:admin`,
    LOG_LEVEL: 'info',
    ...env,
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-3000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    let url;
    while (!(url = /"event":"server\.listening".*?"url":"([^"]+)"/.exec(out)?.[1])) {
      if (child.exitCode !== null) throw new Error(`${label}: the server exited\n${stderr}\n${out.slice(-3000)}`);
      if (performance.now() - started > 900_000) throw new Error(`${label}: not listening after 15 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const tx = {
      id: `probe-${label}`,
      customerId: 'c-1',
      terminalId: 't-1',
      amount: 10,
      timestamp: new Date().toISOString(),
    };
    for (;;) {
      const res = await fetch(`${url}/v1/score`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(tx),
      });
      if (res.status === 200) {
        await res.arrayBuffer();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ms = performance.now() - started;
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const restored = out.split('\n').find((line) => line.includes('"event":"state.restored"'));
    const result = {
      ms,
      rssMb: kb('VmRSS') / 1024,
      peakMb: kb('VmHWM') / 1024,
      restoredMs: restored ? JSON.parse(restored).ms : null,
    };
    log(
      `${label}: first score after ${(ms / 1000).toFixed(1)} s, RSS ${result.rssMb.toFixed(0)} MB (peak ${result.peakMb.toFixed(0)} MB)`,
    );
    return result;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

log('starting PostgreSQL and Redis');
const postgres = await startPostgres({ database: 'fraudscore_restart' });
const redis = await startRedis({ appendOnly: true });
try {
  const now = Date.now();
  log(`storing ${N.toLocaleString('en')} scored transactions in the last 30 days`);
  const storage = await openStorage({ databaseUrl: postgres.url });
  const fillStarted = performance.now();
  for (let i = 0; i < N; i += 5000) {
    await storage.saveMany(Array.from({ length: Math.min(5000, N - i) }, (_, k) => record(i + k, now)));
    if ((i / 5000) % 40 === 0) log(`  ${i.toLocaleString('en')}`);
  }
  await storage.close();
  log(`stored in ${((performance.now() - fillStarted) / 1000).toFixed(0)} s`);

  const memory = await restart('memory', { DATABASE_URL: postgres.url });

  log('loading the shared history from storage (ops-cli load-history)');
  const loader = run('cli/ops.js', ['load-history'], {
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'restart:',
  });
  let loaded = '';
  loader.stdout.on('data', (chunk) => (loaded += chunk));
  loader.stderr.on('data', (chunk) => process.stderr.write(chunk));
  const code = await new Promise((resolve) => loader.once('exit', resolve));
  if (code !== 0) throw new Error(`load-history failed: ${loaded}`);
  const load = JSON.parse(loaded.trim().split('\n').at(-1));
  log(`loaded ${load.stored} transactions in ${(load.ms / 1000).toFixed(0)} s`);
  const info = execFileSync('redis-cli', ['-p', String(redis.port), 'info', 'memory'], { encoding: 'utf8' });
  const redisMb = Number(/^used_memory:(\d+)/m.exec(info)?.[1]) / 2 ** 20;

  const shared = await restart('redis', { DATABASE_URL: postgres.url, REDIS_URL: redis.url, REDIS_PREFIX: 'restart:' });

  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const mb = (x) => `${Math.round(x).toLocaleString('en')} MB`;
  const markdown = [
    '| start-up | time to first score | of which restoring | Node RSS after the first score | Node peak RSS | Redis used_memory |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| one process, history in memory (restored from PostgreSQL) | ${s(memory.ms)} | ${memory.restoredMs === null ? 'n/a' : s(memory.restoredMs)} | ${mb(memory.rssMb)} | ${mb(memory.peakMb)} | - |`,
    `| shared state, \`REDIS_URL\` (nothing restored) | ${s(shared.ms)} | - | ${mb(shared.rssMb)} | ${mb(shared.peakMb)} | ${mb(redisMb)} |`,
  ].join('\n');
  const cpu = cpus();
  const summary = `Last run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpu.length} cores (${cpu[0]?.model ?? 'unknown'}), Node ${process.version}, PostgreSQL ${postgres.version} and ${redis.version} on the same cores; ${N.toLocaleString('en')} stored transactions in the window; Redis filled once by \`ops-cli load-history\` in ${s(load.ms)}. Ratio (memory / Redis): ${(memory.ms / shared.ms).toFixed(0)}x the time, ${(memory.rssMb / shared.rssMb).toFixed(1)}x the memory.`;
  process.stdout.write(`\n${summary}\n\n${markdown}\n`);
  const readme = join(HERE, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const block = `<!-- restart:start -->\n${summary}\n\n${markdown}\n<!-- restart:end -->`;
  writeFileSync(
    readme,
    /<!-- restart:start -->[\s\S]*<!-- restart:end -->/.test(text)
      ? text.replace(/<!-- restart:start -->[\s\S]*<!-- restart:end -->/, block)
      : `${text.trimEnd()}\n\n${block}\n`,
  );
  log('bench/README.md updated');
} finally {
  await redis.stop();
  await postgres.stop();
}
