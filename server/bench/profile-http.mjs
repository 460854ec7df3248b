// `node bench/profile-http.mjs [--explain=false] [--duration=15] [--batch=1000] [--top=25]` (after the build): CPU
// profiles (node --cpu-prof, every thread) of the server under the bench's load — 32 connections of single
// `POST /v1/score` requests, or 4 of batches — on the embedded store (DATABASE_URL, PGLITE_THREAD … from the
// environment pass through); prints the rate and, per thread, where the time went (bench/cpuprofile-top.mjs).
// Start-up is in the profile too (a few percent: module loading, PGlite's start).
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { summarize } from './cpuprofile-top.mjs';
import { transactionMix } from './mix.mjs';
import { startBenchServer } from './start-server.mjs';

const { values } = parseArgs({
  options: {
    explain: { type: 'string', default: 'true' },
    duration: { type: 'string', default: '15' },
    batch: { type: 'string', default: '0' },
    top: { type: 'string', default: '25' },
  },
});
const KEY = 'fs_profile_key_0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'fraudscore-profile-'));
const { child, url } = await startBenchServer({
  name: 'server',
  key: KEY,
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
});
const tx = transactionMix(`p-${Date.now().toString(36)}`);
const batch = Number(values.batch);
const path = (batch ? '/v1/score/batch' : '/v1/score') + (values.explain === 'false' ? '?explain=false' : '');
const body = batch
  ? () => JSON.stringify({ transactions: Array.from({ length: batch }, tx) })
  : () => JSON.stringify(tx());
const result = await autocannon({
  url,
  duration: Number(values.duration),
  connections: batch ? 4 : 32,
  timeout: 30,
  headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
  requests: [{ method: 'POST', path, setupRequest: (r) => ({ ...r, body: body() }) }],
});
process.stderr.write(
  `${path}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, non2xx ${result.non2xx}\n`,
);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
// One profile per thread: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main (scoring) thread.
const threadOf = (f) => Number(f.split('.')[4]);
for (const f of readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort((a, b) => threadOf(a) - threadOf(b))) {
  const title = threadOf(f) === 0 ? 'main thread (HTTP, validation, scoring)' : `worker thread ${threadOf(f)}`;
  process.stdout.write(`\n### ${title}\n\n${join(dir, f)}\n\n${summarize(join(dir, f), Number(values.top))}\n`);
}
