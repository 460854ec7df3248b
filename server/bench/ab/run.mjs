// A/B of the server's hot path in one run: `node bench/ab/run.mjs [--snapshot=dist-baseline] [--rounds=3]
// [--duration=8] [--only=shap,plain,batch] [--sse=0]`. The snapshot is a copy of the built packages to compare
// against, made before a change (from the repository root, after `pnpm build`:
// `for p in sdk edge server; do rm -rf $p/dist-baseline; cp -r $p/dist $p/dist-baseline; done`; git ignores it). Two servers run side by side on
// the embedded store, as the bench starts them (server-runner.mjs; DATABASE_URL, PGLITE_THREAD … pass through): A loads
// the snapshot (hook.mjs), B the current build. Each round loads A and B in turn with the same request mix as the
// bench (which goes first alternates), so a shared machine's drift hits both alike; `--sse=N` keeps N clients on
// /v1/stream of the loaded server (dashboards watching). Scenario `mixed` (not in the default list): batches (2
// connections) and single requests without SHAP (4) at once; its rate is the batches' transactions/s and its p99 the
// single requests'; `mixed-shap` the same with SHAP in the batches. Prints each run, then the medians and B ÷ A per scenario, with the server's CPU time per
// transaction (main thread, all threads: /proc), which other jobs on a shared machine disturb far less than rates.
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { transactionMix } from '../mix.mjs';
import { cpuSeconds } from '../proc-cpu.mjs';
import { startBenchServer } from '../start-server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    snapshot: { type: 'string', default: 'dist-baseline' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    only: { type: 'string', default: 'shap,plain,batch' },
    sse: { type: 'string', default: '0' },
  },
});
const snapshot = values.snapshot;
const KEY = 'fs_ab_key_0123456789abcdef01234';

const start = (name, snapshotDir) =>
  startBenchServer({
    name,
    key: KEY,
    nodeArgs: snapshotDir ? ['--import', join(HERE, 'register.mjs')] : [],
    env: snapshotDir ? { FRAUDSCORE_AB_SNAPSHOT: snapshotDir } : {},
    cwd: join(HERE, '..', '..'),
  });

const tx = transactionMix(`ab-${Date.now().toString(36)}`);
const SCENARIOS = {
  shap: { path: '/v1/score', connections: 32, size: 1, body: () => JSON.stringify(tx()) },
  plain: { path: '/v1/score?explain=false', connections: 32, size: 1, body: () => JSON.stringify(tx()) },
  batch: {
    path: '/v1/score/batch?explain=false',
    connections: 4,
    size: 1000,
    body: () => JSON.stringify({ transactions: Array.from({ length: 1000 }, tx) }),
  },
};

/** N clients reading the server's SSE stream while it is loaded; returns a function closing them. */
function watch(url, n) {
  const requests = Array.from({ length: n }, () =>
    http.get(`${url}/v1/stream`, { headers: { authorization: `Bearer ${KEY}` } }, (res) => res.resume()),
  );
  return () => requests.forEach((r) => r.destroy());
}

const cannon = (url, { path, connections, body }, duration) =>
  autocannon({
    url,
    duration,
    connections,
    timeout: 30,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    requests: [{ method: 'POST', path, setupRequest: (r) => ({ ...r, body: body() }) }],
  });

/** Waits until the server has finished what the last load left in flight (its CPU use drops below 5%). */
async function settle(server) {
  for (let i = 0; i < 60; i++) {
    const before = cpuSeconds(server.child.pid).all;
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (cpuSeconds(server.child.pid).all - before < 0.025) return;
  }
}

async function load(server, scenario, duration) {
  // Other server's leftovers (a batch takes seconds) would run during this load: wait for both to be idle.
  for (const s of servers) await settle(s);
  const close = watch(server.url, Number(values.sse));
  const before = cpuSeconds(server.child.pid);
  if (scenario.startsWith('mixed')) {
    // Batches and single requests at once: the singles' latency shows how long a batch holds the scoring thread.
    const batch = scenario === 'mixed-shap' ? { ...SCENARIOS.batch, path: '/v1/score/batch' } : SCENARIOS.batch;
    const [batches, singles] = await Promise.all([
      cannon(server.url, { ...batch, connections: 2 }, duration),
      cannon(server.url, { ...SCENARIOS.plain, connections: 4 }, duration),
    ]);
    const after = cpuSeconds(server.child.pid);
    close();
    if (batches.non2xx || batches.errors || singles.non2xx || singles.errors)
      throw new Error(`${server.name} mixed: non-2xx or errors`);
    const done = batches['2xx'] * 1000 + singles['2xx'];
    return {
      rate: (batches['2xx'] * 1000) / batches.duration,
      p99: singles.latency.p99,
      mainUs: (1e6 * (after.main - before.main)) / done,
      allUs: (1e6 * (after.all - before.all)) / done,
    };
  }
  const { size } = SCENARIOS[scenario];
  const result = await cannon(server.url, SCENARIOS[scenario], duration);
  const after = cpuSeconds(server.child.pid);
  close();
  if (result.non2xx || result.errors)
    throw new Error(`${server.name} ${scenario}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const done = result['2xx'] * size;
  return {
    rate: done / result.duration,
    p99: result.latency.p99,
    // CPU µs per transaction: what a change saves, much less disturbed by other jobs on the machine than the rate.
    mainUs: (1e6 * (after.main - before.main)) / done,
    allUs: (1e6 * (after.all - before.all)) / done,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const servers = [await start('A (snapshot)', snapshot), await start('B (current)')];
try {
  const scenarios = values.only.split(',');
  for (const server of servers) for (const s of scenarios) await load(server, s, 2); // warm-up
  const label = (s) =>
    s.startsWith('mixed')
      ? `${s} (batch${s === 'mixed-shap' ? ' with SHAP' : ''} tx/s; p99 of the singles beside them)`
      : `${s} (\`${SCENARIOS[s].path}\`)`;
  const runs = Object.fromEntries(
    scenarios.map((s) => [s, { A: [], B: [], pA: [], pB: [], mA: [], mB: [], cA: [], cB: [] }]),
  );
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const s of scenarios) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const { rate, p99, mainUs, allUs } = await load(server, s, Number(values.duration));
        const k = server === servers[0] ? 'A' : 'B';
        runs[s][k].push(rate);
        runs[s][`p${k}`].push(p99);
        runs[s][`m${k}`].push(mainUs);
        runs[s][`c${k}`].push(allUs);
        process.stderr.write(
          `round ${round + 1} ${s} ${server.name}: ${Math.round(rate)}/s, p99 ${p99} ms, ` +
            `CPU ${Math.round(mainUs)} µs/tx on the main thread, ${Math.round(allUs)} in all threads\n`,
        );
      }
    }
  }
  process.stdout.write(
    '\n| scenario | A (snapshot): tx/s; p99 ms; main-thread CPU µs/tx; all threads | B (current): same | ' +
      'B ÷ A: rate (per round); main-thread CPU per tx; all threads |\n|---|---|---|---|\n',
  );
  const r = (x) => Math.round(x);
  for (const s of scenarios) {
    const { A, B, pA, pB, mA, mB, cA, cB } = runs[s];
    process.stdout.write(
      `| ${label(s)}${values.sse !== '0' ? `, ${values.sse} SSE clients` : ''} | ` +
        `${r(median(A))}; ${median(pA)}; ${r(median(mA))}; ${r(median(cA))} | ` +
        `${r(median(B))}; ${median(pB)}; ${r(median(mB))}; ${r(median(cB))} | ` +
        `${(median(B) / median(A)).toFixed(2)} (${A.map((a, i) => (B[i] / a).toFixed(2)).join(' ')}); ` +
        `${(median(mB) / median(mA)).toFixed(2)}; ${(median(cB) / median(cA)).toFixed(2)} |\n`,
    );
  }
} finally {
  for (const { child } of servers) child.kill('SIGTERM');
  await Promise.all(
    servers.map(({ child }) => new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)))),
  );
}
