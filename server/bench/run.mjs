// `pnpm --filter @fraudscore/server bench` (after the build): starts the fraudscore server four times (embedded
// PGlite, the default; on a local PostgreSQL with durable commits, the production store; and on that PostgreSQL with
// the shared state on a local redis-server (append-only, fsync every second) at WORKERS=1 and WORKERS=2) and the
// Python FastAPI baseline as child processes, loads each with autocannon on loopback, prints a markdown table, writes
// bench/results.json and the results section of bench/README.md, then stops them all. See bench/README.md.
// Settings (environment): BENCH_DURATION seconds per run (10), BENCH_CONNECTIONS (32), BENCH_RATE (1000),
// BENCH_BATCH_SIZE (1000), BENCH_BATCH_CONNECTIONS (4), BENCH_WARMUP seconds (3), BENCH_PYTHON (models/.venv python),
// BENCH_SKIP_PIP=1 to skip installing baseline/requirements.txt, BENCH_POSTGRES=0 to skip the PostgreSQL columns,
// BENCH_REDIS=0 to skip the Redis columns, BENCH_ALONE_SECONDS per mode of the scorer-alone run (5). First it measures
// the SDK's scorer alone (bench/score-alone.mjs): the HTTP efficiency rows divide the servers' rates by it.
import autocannon from 'autocannon';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../dist/net.js';
import { findPostgres, startPostgres } from '../dist/storage/local-postgres.js';
import { findRedisServer, startRedis } from '../dist/redis/local-redis.js';
import { transactionMix } from './mix.mjs';
import { benchServerEnv } from './start-server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const SERVER_DIR = join(HERE, '..');
const REPO = join(SERVER_DIR, '..');
const env = process.env;
const num = (name, fallback) => (env[name] ? Number(env[name]) : fallback);
const DURATION = num('BENCH_DURATION', 10);
const CONNECTIONS = num('BENCH_CONNECTIONS', 32);
const RATE = num('BENCH_RATE', 1000);
const BATCH_SIZE = num('BENCH_BATCH_SIZE', 1000);
const BATCH_CONNECTIONS = num('BENCH_BATCH_CONNECTIONS', 4);
const WARMUP = num('BENCH_WARMUP', 3);
const ALONE_SECONDS = num('BENCH_ALONE_SECONDS', 5);
const PYTHON = env.BENCH_PYTHON ?? join(REPO, 'models', '.venv', 'bin', 'python');
const KEY = `bench-${randomBytes(16).toString('hex')}`;
const CORES = '0,1';

// Both services and autocannon (this process) share the same two cores: pinned with taskset on bigger machines.
const pin = availableParallelism() > 2 && spawnSync('taskset', ['-V']).status === 0;
if (pin) spawnSync('taskset', ['-a', '-p', '-c', CORES, String(process.pid)]);
const pinned = (command, args) => (pin ? ['taskset', ['-c', CORES, command, ...args]] : [command, args]);

const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const children = [];
/** The local PostgreSQL of the PostgreSQL columns and the redis-server of the Redis columns, when started. */
let postgres;
let redis;

async function stopAll() {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await postgres?.stop().catch((error) => log(`stopping PostgreSQL: ${error.message}`));
  await redis?.stop().catch((error) => log(`stopping Redis: ${error.message}`));
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stopAll().then(() => process.exit(130)));

function startChild(name, command, args, options) {
  const [cmd, argv] = pinned(command, args);
  const child = spawn(cmd, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!stopping) log(`${name} exited early (code ${code}, signal ${signal}); last output:\n${tail}`);
  });
  return child;
}
let stopping = false;

/**
 * The fraudscore server on the embedded store, or on PostgreSQL when a URL is given, with the shared state on Redis
 * and WORKERS processes when given (then `node dist/main.js`, the cluster primary, prints the banner line).
 */
async function startFraudscore(databaseUrl = '', shared = undefined, extraEnv = {}) {
  const name = `fraudscore server (${databaseUrl ? 'PostgreSQL' : extraEnv.PGLITE_THREAD === 'off' ? 'embedded, scoring thread' : 'embedded'}${shared ? `, Redis, WORKERS=${shared.workers}` : ''})`;
  // WORKERS > 1 runs the real main job (node:cluster primary and workers); it logs one server.listening per worker.
  const cluster = (shared?.workers ?? 1) > 1;
  const child = startChild(
    name,
    process.execPath,
    [cluster ? join(SERVER_DIR, 'dist', 'main.js') : join(HERE, 'server-runner.mjs')],
    {
      cwd: SERVER_DIR,
      env: {
        ...env,
        ...benchServerEnv(KEY),
        LOG_LEVEL: cluster ? 'info' : 'error',
        DATABASE_URL: databaseUrl,
        ...(shared ? { REDIS_URL: shared.url, REDIS_PREFIX: shared.prefix, WORKERS: String(shared.workers) } : {}),
        ...extraEnv,
      },
    },
  );
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not print its URL within 60 s`)), 60_000);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const match = cluster
        ? buffer.split('\n').filter((l) => l.includes('"server.listening"')).length >= shared.workers &&
          /"event":"server\.listening".*?"url":"([^"]+)"/.exec(buffer)
        : /BENCH_URL (\S+)/.exec(buffer);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', () => reject(new Error(`${name} exited before listening`)));
  });
}

/** A local PostgreSQL (Debian's binaries) with production settings: fsync and synchronous commits on. */
async function startPostgresStore() {
  if (env.BENCH_POSTGRES === '0') return null;
  try {
    findPostgres();
  } catch (error) {
    log(`no PostgreSQL column: ${error.message}`);
    return null;
  }
  postgres = await startPostgres({ database: 'fraudscore_bench', durable: true });
  log(`PostgreSQL ${postgres.version} at ${postgres.url} (durable commits)`);
  return postgres.url;
}

/** A local redis-server as production runs it (append-only file, fsync every second). */
async function startRedisStore() {
  if (env.BENCH_REDIS === '0') return null;
  try {
    findRedisServer();
  } catch (error) {
    log(`no Redis columns: ${error.message}`);
    return null;
  }
  redis = await startRedis({ appendOnly: true });
  log(`${redis.version} at ${redis.url} (append-only)`);
  return redis.url;
}

async function startBaseline() {
  if (!existsSync(PYTHON)) throw new Error(`no Python at ${PYTHON} (set BENCH_PYTHON)`);
  if (env.BENCH_SKIP_PIP !== '1') {
    log('installing baseline/requirements.txt into the models venv (pip)');
    const pip = spawnSync(
      PYTHON,
      ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', join(HERE, 'baseline', 'requirements.txt')],
      { stdio: 'inherit' },
    );
    if (pip.status !== 0) throw new Error('pip install of the baseline requirements failed');
  }
  const port = await freePort();
  const child = startChild(
    'baseline',
    PYTHON,
    [
      '-m',
      'uvicorn',
      'app:app',
      '--app-dir',
      join(HERE, 'baseline'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
      '--log-level',
      'warning',
      '--no-access-log',
    ],
    {
      cwd: REPO,
      env: { ...env, OMP_NUM_THREADS: '1', PYTHONWARNINGS: 'ignore' },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error('baseline exited before listening');
    try {
      if ((await fetch(`${url}/health`)).ok) return url;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('baseline did not answer /health within 120 s');
}

// ---- request generators: every request carries a fresh transaction id ----
const runTag = Date.now().toString(36);
let counter = 0;
const rand = (n) => Math.floor(Math.random() * n);
const transaction = transactionMix(`bench-${runTag}`);
const featureRows = JSON.parse(
  readFileSync(join(REPO, 'models', 'conformance', 'default', 'scores.json'), 'utf8'),
).rows.map((row) => row.features);
const baselineBody = () =>
  JSON.stringify({ id: `bench-${runTag}-baseline-${counter++}`, features: featureRows[rand(featureRows.length)] });

function target(kind, url, { explain, batch = false }) {
  const path = (batch ? '/v1/score/batch' : '/v1/score') + (explain ? '' : '?explain=false');
  const body =
    kind === 'baseline'
      ? baselineBody
      : batch
        ? () => JSON.stringify({ transactions: Array.from({ length: BATCH_SIZE }, transaction) })
        : () => JSON.stringify(transaction());
  return {
    url,
    headers: { 'content-type': 'application/json', ...(kind !== 'baseline' ? { authorization: `Bearer ${KEY}` } : {}) },
    requests: [{ method: 'POST', path, setupRequest: (request) => ({ ...request, body: body() }) }],
  };
}

async function load(name, options) {
  log(
    `${name}: ${options.duration}s, ${options.connections} connections${options.overallRate ? `, ${options.overallRate} req/s` : ''}`,
  );
  const result = await autocannon({ ...options, timeout: 30 });
  const ok = result['2xx'];
  const out = {
    name,
    duration: result.duration,
    connections: options.connections,
    overallRate: options.overallRate ?? null,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  };
  log(
    `  ${out.rps.toFixed(0)} ok req/s, p50 ${out.p50} ms, p99 ${out.p99} ms, non-2xx ${out.non2xx}, errors ${out.errors}`,
  );
  return out;
}

async function check(kind, url, explain) {
  const t = target(kind, url, { explain });
  const response = await fetch(url + t.requests[0].path, {
    method: 'POST',
    headers: t.headers,
    body: t.requests[0].setupRequest({}).body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${kind} ${t.requests[0].path} answered ${response.status}: ${text.slice(0, 300)}`);
  const json = JSON.parse(text);
  const keys = Object.keys(json);
  log(`${kind} ${t.requests[0].path} ok: fields ${keys.join(', ')}`);
}

async function measure(kind, url) {
  const runs = {};
  await load(`${kind} warm-up`, { ...target(kind, url, { explain: true }), connections: 8, duration: WARMUP });
  runs.shapMax = await load(`${kind} score SHAP max`, {
    ...target(kind, url, { explain: true }),
    connections: CONNECTIONS,
    duration: DURATION,
  });
  runs.plainMax = await load(`${kind} score no-SHAP max`, {
    ...target(kind, url, { explain: false }),
    connections: CONNECTIONS,
    duration: DURATION,
  });
  runs.shapRate = await load(`${kind} score SHAP @${RATE}/s`, {
    ...target(kind, url, { explain: true }),
    connections: CONNECTIONS,
    duration: DURATION,
    overallRate: RATE,
  });
  if (kind !== 'baseline') {
    const batch = await load(`${kind} batch no-SHAP`, {
      ...target(kind, url, { explain: false, batch: true }),
      connections: BATCH_CONNECTIONS,
      duration: DURATION,
    });
    runs.batch = { ...batch, transactionsPerSecond: batch.rps * BATCH_SIZE };
  }
  return runs;
}

/** The SDK's scorer alone on one core (bench/score-alone.mjs in a child, before any server is loaded). */
async function scorerAlone() {
  const [cmd, argv] = pinned(process.execPath, [join(HERE, 'score-alone.mjs'), String(ALONE_SECONDS)]);
  const { stdout } = await run(cmd, argv, { cwd: SERVER_DIR, timeout: (ALONE_SECONDS * 3 + 60) * 1000 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

// ---- table ----
const f0 = (x) => (x === undefined || x === null || Number.isNaN(x) ? 'n/a' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x === undefined || x === null ? 'n/a' : Number(x).toFixed(1));
const errs = (r) => (r && (r.non2xx || r.errors || r.timeouts) ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : '');
const yes = (ok) => (ok === undefined ? '-' : ok ? '**met**' : '**NOT met**');
const f2 = (x) => (x === undefined || x === null || Number.isNaN(x) ? 'n/a' : Number(x).toFixed(2));

/** One fraudscore column's cells: its numbers, its ratio to the baseline and whether each goal is met (issue 20's
 * goals: with SHAP >= 3x the baseline on the embedded store, >= 5x on PostgreSQL; HTTP efficiency >= 0.5 / >= 0.6;
 * p99 <= 10 ms at the fixed rate; batches >= 0.8 of the scorer's batches alone). */
function cells(ours, base, alone, embedded) {
  if (!ours) return null;
  const ratio = (a, b) => (a && b ? a / b : NaN);
  const shapRatio = ratio(ours.shapMax.rps, base?.shapMax?.rps);
  const plainRatio = ratio(ours.plainMax.rps, base?.plainMax?.rps);
  const rateOk = ours.shapRate.rps >= 0.95 * RATE && ours.shapRate.non2xx === 0 && ours.shapRate.errors === 0;
  const latency = (r) => `${f0(r.rps)}; ${r.p50}/${r.p99}${errs(r)}`;
  const shapEfficiency = ratio(ours.shapMax.rps, alone?.shap);
  const plainEfficiency = ratio(ours.plainMax.rps, alone?.plain);
  const batchEfficiency = ratio(ours.batch.transactionsPerSecond, alone?.batch);
  return [
    { value: latency(ours.shapMax), ratio: `${f1(shapRatio)}x`, met: shapRatio >= (embedded ? 3 : 5) },
    { value: latency(ours.plainMax), ratio: `${f1(plainRatio)}x`, met: plainRatio >= 10 },
    { value: latency(ours.shapRate), ratio: '', met: rateOk && ours.shapRate.p99 <= 10 },
    { value: `${f0(ours.batch.transactionsPerSecond)}${errs(ours.batch)}`, ratio: '', met: batchEfficiency >= 0.8 },
    { value: f2(shapEfficiency), ratio: '', met: shapEfficiency >= (embedded ? 0.5 : 0.6) },
    { value: f2(plainEfficiency), ratio: '', met: undefined },
    { value: f2(batchEfficiency), ratio: '', met: batchEfficiency >= 0.8 },
  ];
}

/** columns: [{ name, runs }] of fraudscore configurations (runs null: not run). */
function table(columns, base, alone) {
  const baseline = (r) => (r ? `${f0(r.rps)}; ${r.p50}/${r.p99}${errs(r)}` : 'n/a');
  const measurements = [
    [
      '`POST /v1/score` max throughput, SHAP (req/s; p50/p99 ms)',
      baseline(base?.shapMax),
      '>= 3x baseline embedded, >= 5x the others',
    ],
    ['`POST /v1/score?explain=false` max throughput (req/s; p50/p99 ms)', baseline(base?.plainMax), '>= 10x baseline'],
    [
      `\`POST /v1/score\` at a fixed ${RATE} req/s, SHAP (achieved req/s; p50/p99 ms)`,
      baseline(base?.shapRate),
      `p99 <= 10 ms at ${RATE} req/s`,
    ],
    [
      `\`POST /v1/score/batch?explain=false\`, ${BATCH_SIZE}/batch (transactions/s)`,
      'n/a (no batch route)',
      '>= 0.8 of the scorer alone',
    ],
    [
      `HTTP efficiency with SHAP: max req/s ÷ the scorer alone (${f0(alone?.shap)} tx/s, one core)`,
      'n/a',
      '>= 0.5 embedded, >= 0.6 the others',
    ],
    [`HTTP efficiency without SHAP: max req/s ÷ the scorer alone (${f0(alone?.plain)} tx/s)`, 'n/a', '-'],
    [`batch efficiency: batch tx/s ÷ the scorer's batches alone (${f0(alone?.batch)} tx/s)`, 'n/a', '>= 0.8'],
  ];
  const cellsOf = columns.map((c) => cells(c.runs, base, alone, c.key.startsWith('embedded')));
  const joined = (pick) => cellsOf.map((c) => (c ? pick(c) : '-')).join(' / ');
  const rows = measurements.map(([name, baseCell, goal], i) => [
    name,
    ...cellsOf.map((c) => (c ? c[i].value : 'not run')),
    baseCell,
    joined((c) => c[i].ratio || '-'),
    goal,
    joined((c) => yes(c[i].met)),
  ]);
  const order = `(${columns.map((c) => c.short).join(' / ')})`;
  const head = [
    'Measurement',
    ...columns.map((c) => `fraudscore, ${c.name}`),
    'baseline (FastAPI)',
    `ratio to baseline ${order}`,
    'goal',
    `goal met? ${order}`,
  ];
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

async function main() {
  const machine = {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    pinnedToCores: pin ? CORES : `none (machine has ${availableParallelism()} cores)`,
    node: process.version,
  };
  log(`machine: ${JSON.stringify(machine)}`);
  const alone = await scorerAlone();
  log(`scorer alone (one core): ${JSON.stringify(alone)}`);
  const postgresUrl = await startPostgresStore();
  const redisUrl = postgresUrl ? await startRedisStore() : null;
  const database = async (name) => (name === 'postgres' ? postgresUrl : postgres.createDatabase(`fraudscore_${name}`));
  const configs = [
    { key: 'embedded', name: 'embedded PGlite', short: 'embedded', start: () => startFraudscore() },
    {
      key: 'embeddedSameThread',
      name: 'embedded PGlite on the scoring thread (PGLITE_THREAD=off)',
      short: 'embedded, same thread',
      start: () => startFraudscore('', undefined, { PGLITE_THREAD: 'off' }),
    },
    { key: 'postgres', name: 'PostgreSQL', short: 'PostgreSQL', start: async () => startFraudscore(postgresUrl) },
    ...[1, 2].map((workers) => ({
      key: `redis${workers}`,
      name: `PostgreSQL + Redis, WORKERS=${workers}`,
      short: `Redis W=${workers}`,
      start: async () =>
        startFraudscore(await database(`redis${workers}`), { url: redisUrl, prefix: `bench${workers}:`, workers }),
      needsRedis: true,
    })),
  ].filter((c) => c.key.startsWith('embedded') || (postgresUrl && (!c.needsRedis || redisUrl)));
  const [baseUrl, ...urls] = await Promise.all([startBaseline(), ...configs.map((c) => c.start())]);
  configs.forEach((c, i) => (c.url = urls[i]));
  log(`${configs.map((c) => `${c.name} at ${c.url}`).join(', ')}, baseline at ${baseUrl}`);
  for (const c of configs) await check(`fraudscore (${c.name})`, c.url, true);
  await check('baseline', baseUrl, true);
  const results = {};
  for (const c of configs) results[c.key] = await measure(`fraudscore (${c.name})`, c.url);
  let base = null;
  try {
    base = await measure('baseline', baseUrl);
  } catch (error) {
    log(`baseline measurement failed: ${error.message}`);
  }
  const all = [
    { key: 'embedded', name: 'embedded PGlite', short: 'embedded' },
    {
      key: 'embeddedSameThread',
      name: 'embedded PGlite on the scoring thread (PGLITE_THREAD=off)',
      short: 'embedded, same thread',
    },
    { key: 'postgres', name: 'PostgreSQL', short: 'PostgreSQL' },
    { key: 'redis1', name: 'PostgreSQL + Redis, WORKERS=1', short: 'Redis W=1' },
    { key: 'redis2', name: 'PostgreSQL + Redis, WORKERS=2', short: 'Redis W=2' },
  ];
  const markdown = table(
    all.map((c) => ({ ...c, runs: results[c.key] ?? null })),
    base,
    alone,
  );
  const settings = {
    durationSeconds: DURATION,
    connections: CONNECTIONS,
    fixedRate: RATE,
    batchSize: BATCH_SIZE,
    batchConnections: BATCH_CONNECTIONS,
    warmupSeconds: WARMUP,
    loadGenerator: 'autocannon (in the bench process, same cores)',
  };
  const at = new Date().toISOString();
  writeFileSync(
    join(HERE, 'results.json'),
    `${JSON.stringify({ at, machine, settings, scorerAlone: alone, fraudscore: results, baseline: base, table: markdown }, null, 2)}\n`,
  );
  const readme = join(HERE, 'README.md');
  if (existsSync(readme)) {
    const text = readFileSync(readme, 'utf8');
    const block = `<!-- results:start -->\nLast run ${at}: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, ${DURATION} s per run, ${CONNECTIONS} connections.\n\n${markdown}\n<!-- results:end -->`;
    const next = text.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, block);
    if (next !== text) writeFileSync(readme, next);
  }
  process.stdout.write(`\n${markdown}\n\nraw numbers: server/bench/results.json\n`);
}

main()
  .catch((error) => {
    log(`failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    stopping = true;
    await stopAll();
  });
