// `pnpm --filter @fraudscore/server bench:kafka` (after the build): the streaming pipeline end to end on a real
// Kafka 4 broker started here (dist/kafka/local-broker.js: Maven Central jars, KRaft, loopback), everything on the
// same cores. Rows:
//   - the scorer alone (bench/score-batch.mjs, a child process): service.scoreBatch on the same transactions, no Kafka,
//     no JSON; the pipeline's ceiling. Efficiency = one processor's throughput / this, both measured here;
//   - throughput: BENCH_KAFKA_N transactions published as fast as the broker takes them to 1 and to 2 processors
//     (child processes, dist/kafka/worker.js) of a stable group, until the group's committed offsets reach the end:
//     tx/s from transactions_raw to transactions_scored (transactional, read_committed), SHAP for every alert; and
//     the same for one processor on the previous transport (kafkajs 2.2.4, FRAUDSCORE_BENCH_TRANSPORT=kafkajs);
//   - latency: a paced stream (BENCH_KAFKA_PACE of the 1-processor throughput) for BENCH_KAFKA_SECONDS; p50/p99 from
//     the publisher's send to the scored message reaching a read_committed consumer;
//   - poison: the 1-processor throughput again, in the same run, with BENCH_KAFKA_POISON (1%) of the messages replaced
//     by poison of every kind (invalid JSON, no schemaVersion, NUL and lone-surrogate ids, amounts out of range,
//     timestamps out of the window, conflicting duplicates of earlier messages): messages/s from transactions_raw to
//     committed outputs (scored or dead-lettered), and its ratio to the clean run;
//   - baseline, the original design: a kafkajs consumer making one HTTP call (POST /v1/score, SHAP on) per message to
//     the started server (12 partitions consumed concurrently), then producing the result; BENCH_KAFKA_BASELINE_N
//     transactions, and a paced stream.
// BENCH_KAFKA_PROFILE=<dir>: the 1-processor run's worker runs under node --cpu-prof into <dir>, and the profile's
// top entries are printed (bench/cpuprofile-top.mjs).
// Prints a markdown table and writes it into bench/README.md between <!-- kafka:start --> and <!-- kafka:end -->.
// BENCH_KAFKA_ONLY=poison runs just the 1-processor throughput, clean and with poison, BENCH_KAFKA_REPEAT times
// alternating (medians: on a shared machine one pair says little), and prints them.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Consumer, FetchIsolationLevels, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { startKafka } from '../dist/kafka/local-broker.js';
import { ensureTopics, kafkaPublisher, TOPICS } from '../dist/kafka/index.js';
import { KafkaProbe, poisonMessages, rawTransactions } from '../dist/kafka/testing.js';
import { summarize } from './cpuprofile-top.mjs';
import { cpuSeconds } from './proc-cpu.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER_DIR = join(HERE, '..');
const env = process.env;
const N = Number(env.BENCH_KAFKA_N ?? 100_000);
const PROFILE = env.BENCH_KAFKA_PROFILE;
const BASELINE_N = Number(env.BENCH_KAFKA_BASELINE_N ?? 10_000);
const SECONDS = Number(env.BENCH_KAFKA_SECONDS ?? 10);
const PACE = Number(env.BENCH_KAFKA_PACE ?? 0.5);
const POISON = Number(env.BENCH_KAFKA_POISON ?? 0.01);
const ONLY = env.BENCH_KAFKA_ONLY;
const PAIRS = Number(env.BENCH_KAFKA_PAIRS ?? 3);
const KEY = `bench-${randomBytes(16).toString('hex')}`;
const log = (message) => process.stderr.write(`[bench:kafka] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const children = new Set();

log('starting Kafka');
const broker = await startKafka();
const connection = { brokers: broker.brokers, clientId: 'bench' };
await ensureTopics(connection, 1);
const probe = new KafkaProbe(connection);
// The HTTP-per-message baseline is the original design on the original client.
const client = new Kafka({ clientId: 'bench-admin', brokers: broker.brokers, logLevel: logLevel.NOTHING });

function spawnChild(args, extraEnv, readyText) {
  const child = spawn(process.execPath, args, {
    cwd: SERVER_DIR,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const match = readyText.exec(out);
      if (match) resolve(match);
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
  return { child, ready };
}

const worker = (groupId, instanceId, extraEnv = {}, nodeArgs = []) =>
  spawnChild(
    [...nodeArgs, join(SERVER_DIR, 'dist/kafka/worker.js')],
    {
      KAFKA_BROKERS: broker.brokers.join(','),
      KAFKA_GROUP_ID: groupId,
      KAFKA_INSTANCE_ID: instanceId,
      LOG_LEVEL: 'error',
      ...extraEnv,
    },
    /"ready"/,
  );

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Skips a new group past what is already in transactions_raw. */
async function startAtEnd(groupId) {
  for (let attempt = 0; ; attempt++) {
    try {
      await probe.startAtEnd(groupId, TOPICS.raw);
      return;
    } catch (error) {
      if (attempt >= 50) throw error; // fresh topics: leaders may still be settling
      await sleep(200);
    }
  }
}

async function publishAll(records) {
  const publisher = await kafkaPublisher(connection);
  for (let i = 0; i < records.length; i += 5000) await publisher.send(TOPICS.raw, records.slice(i, i + 5000));
  await publisher.close();
}

/**
 * Throughput: `count` consumers of a new group (positioned at the end of transactions_raw) join; once the group is
 * stable, `records` are published as fast as the broker takes them; measured from the first publish to the group's
 * committed offsets reaching the end (the publisher runs on the same cores, as it would). With `backlog`, `records`
 * are published first and the consumers then drain them, measured from their joining the group (the "ready" line
 * each worker prints once it has joined) to the committed offsets reaching the end: the processor's own rate, without
 * the load generator on the same cores while it is timed (in production the producers run elsewhere).
 */
async function throughput(label, count, group, startConsumers, records, { backlog = false } = {}) {
  await startAtEnd(group);
  let stopConsumers;
  if (backlog) {
    await publishAll(records);
    stopConsumers = await startConsumers();
  } else {
    stopConsumers = await startConsumers();
    for (;;) {
      const { state, members } = await probe.group(group);
      if (state === 'STABLE' && members === count) break;
      await sleep(20);
    }
  }
  const pids = stopConsumers.pids ?? [];
  const cpu0 = cpuSecondsOf(pids);
  const started = performance.now();
  if (!backlog) await publishAll(records);
  const end = await probe.endTotal(TOPICS.raw);
  for (;;) {
    const done = await probe.committedTotal(group, TOPICS.raw);
    if (done >= end) break;
    if (performance.now() - started > 600_000) throw new Error(`${label}: not done in 10 minutes (${done}/${end})`);
    await sleep(50);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuMsPerTx = pids.length > 0 ? ((cpuSecondsOf(pids) - cpu0) * 1000) / records.length : undefined;
  await stopConsumers();
  const txs = Math.round(records.length / seconds);
  lastCpuMsPerTx = cpuMsPerTx;
  log(
    `${label}: ${records.length} in ${seconds.toFixed(1)} s = ${txs} tx/s${cpuMsPerTx === undefined ? '' : `, ${cpuMsPerTx.toFixed(3)} CPU ms per transaction (the processes, all threads)`}`,
  );
  return txs;
}

/** CPU the last throughput run's consumer processes used per transaction (undefined for the HTTP baseline). */
let lastCpuMsPerTx;

/** User + system CPU seconds of processes (all their threads), from /proc (0 for one that cannot be read). */
function cpuSecondsOf(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuSeconds(pid).all;
    } catch {
      // not Linux, or the process is gone
    }
  }
  return total;
}

/** Latency: publish at `rate` for SECONDS with fresh ids; p50/p99 of send → scored seen by a read_committed reader. */
async function latency(label, rate, prefix) {
  const sentAt = new Map();
  const seen = [];
  const reader = new Consumer({
    clientId: 'bench-reader',
    bootstrapBrokers: broker.brokers,
    groupId: `reader-${prefix}`,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    maxWaitTime: 20,
    autocommit: false,
    deserializers: stringDeserializers,
  });
  const stream = await reader.consume({ topics: [TOPICS.scored], mode: MessagesStreamModes.LATEST });
  stream.on('data', (m) => {
    const now = performance.now();
    const at = sentAt.get(JSON.parse(m.value).id);
    if (at === undefined) return;
    seen.push(now - at);
    sentAt.delete(JSON.parse(m.value).id);
  });
  await sleep(500);
  const total = Math.round(rate * SECONDS);
  const records = [...rawTransactions(total, prefix, 11)];
  const publisher = await kafkaPublisher(connection);
  const started = performance.now();
  const chunk = Math.max(1, Math.round(rate / 50)); // every 20 ms
  for (let i = 0; i < records.length; i += chunk) {
    const due = started + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const part = records.slice(i, i + chunk);
    const now = performance.now();
    for (const r of part) sentAt.set(JSON.parse(r.value).transaction.id, now);
    await publisher.send(TOPICS.raw, part);
  }
  await publisher.close();
  const deadline = performance.now() + 60_000;
  while (seen.length < total && performance.now() < deadline) await sleep(100);
  await stream.close();
  await reader.close(true);
  seen.sort((a, b) => a - b);
  const q = (p) => seen[Math.min(seen.length - 1, Math.floor(p * seen.length))];
  const result = { rate, received: seen.length, sent: total, p50: q(0.5), p99: q(0.99) };
  log(
    `${label}: ${rate} tx/s paced, ${seen.length}/${total} received, p50 ${result.p50?.toFixed(0)} ms, p99 ${result.p99?.toFixed(0)} ms`,
  );
  return result;
}

async function processors(count, group, extraEnv = {}, nodeArgs = []) {
  const ws = Array.from({ length: count }, (_, i) => worker(group, `${group}-${i}`, extraEnv, nodeArgs));
  await Promise.all(ws.map((w) => w.ready));
  const stopAll = async () => Promise.all(ws.map((w) => stop(w.child)));
  stopAll.pids = ws.map((w) => w.child.pid);
  return stopAll;
}

/** The original design: one HTTP call per message, then produce the result (not transactional). */
async function httpConsumer(url, group) {
  const consumer = client.consumer({ groupId: group, maxWaitTimeInMs: 20 });
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic: TOPICS.raw, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 12,
    eachMessage: async ({ message }) => {
      const body = JSON.parse(message.value.toString());
      const response = await fetch(`${url}/v1/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify(body.transaction),
      });
      const scored = await response.json();
      await producer.send({
        topic: TOPICS.scored,
        acks: -1,
        messages: [
          {
            key: message.key,
            value: JSON.stringify({
              schemaVersion: 1,
              id: scored.id,
              probability: scored.probability,
              riskLevel: scored.riskLevel,
            }),
          },
        ],
      });
    },
  });
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}

/**
 * The scorer alone on the transactions of the 1-processor run (a child process, the broker idle); with `none`, also
 * without SHAP.
 */
function scorerAlone({ none = false } = {}) {
  const out = execFileSync(
    process.execPath,
    [join(HERE, 'score-batch.mjs'), String(N), 'one', '5', ...(none ? [] : ['alerts-only'])],
    { cwd: SERVER_DIR, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(out.trim().split('\n').pop());
  log(
    `scorer alone: ${result.alerts} tx/s (explain=alerts), ${((result.alertsCpu * 1000) / N).toFixed(3)} CPU ms per transaction${none ? `; ${result.none} tx/s (no SHAP)` : ''}`,
  );
  return result;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** A ratio with two decimals, truncated: one just under the goal (0.7998) never reads as the goal. */
const ratioText = (r) => (Math.floor(r * 100) / 100).toFixed(2);

/**
 * The efficiency pairs: BENCH_KAFKA_PAIRS times one processor on a live stream and one draining a backlog (which of the
 * two goes first alternates), with the scorer alone measured before the first pair and after every pair. Each pair's
 * ratios are taken against the mean of the scorer-alone runs just before and just after it: on a shared VM the speed
 * of the same code drifts by 20% or more within minutes (the scorer alone 4,366–7,699 tx/s within half an hour), so a
 * ratio of two measurements far apart says little, and one against a single neighbouring run carries that run's swing
 * whole (a scorer alone of 4,366 tx/s once made a pair read 1.04, one of 7,699 another 0.73). Returns the per-pair
 * results and their medians. `profiling` runs the first live processor under --cpu-prof.
 */
async function efficiencyPairs(profiling = []) {
  const pairs = [];
  const first = scorerAlone({ none: true });
  let before = first;
  for (let r = 0; r < PAIRS; r++) {
    const runs = {};
    for (const backlog of r % 2 === 0 ? [false, true] : [true, false]) {
      const mode = backlog ? 'backlog' : 'live';
      const group = `bench-1${mode[0]}${r}`;
      const nodeArgs = r === 0 && !backlog ? profiling : [];
      const txs = await throughput(
        `1 processor, ${mode} #${r + 1}`,
        1,
        group,
        () => processors(1, group, {}, nodeArgs),
        [...rawTransactions(N, `one${mode[0]}${r}`, 5)],
        { backlog },
      );
      runs[mode] = { txs, cpuMs: lastCpuMsPerTx };
    }
    const after = scorerAlone();
    const alone = {
      alerts: (before.alerts + after.alerts) / 2,
      cpuMs: ((before.alertsCpu + after.alertsCpu) * 1000) / (2 * N),
    };
    const pair = { alone };
    for (const [mode, { txs, cpuMs }] of Object.entries(runs))
      pair[mode] = { txs, ratio: txs / alone.alerts, cpuRatio: alone.cpuMs / cpuMs };
    log(
      `pair #${r + 1}: scorer alone ${before.alerts} tx/s before, ${after.alerts} after; live ${ratioText(pair.live.ratio)} (CPU ${ratioText(pair.live.cpuRatio)}), backlog ${ratioText(pair.backlog.ratio)} (CPU ${ratioText(pair.backlog.cpuRatio)})`,
    );
    pairs.push(pair);
    before = after;
  }
  const of = (f) => median(pairs.map(f));
  return {
    pairs,
    alone: Math.round(of((p) => p.alone.alerts)),
    none: first.none,
    aloneCpuMs: of((p) => p.alone.cpuMs),
    live: { txs: of((p) => p.live.txs), ratio: of((p) => p.live.ratio), cpuRatio: of((p) => p.live.cpuRatio) },
    backlog: {
      txs: of((p) => p.backlog.txs),
      ratio: of((p) => p.backlog.ratio),
      cpuRatio: of((p) => p.backlog.cpuRatio),
    },
  };
}

/**
 * `records` with a share of them replaced by poison messages, cycling through every kind poisonMessages makes (a
 * conflicting duplicate copies a record 50 places earlier, under its key: same partition, after it).
 */
function withPoison(records, share, prefix) {
  const every = Math.max(1, Math.round(1 / share));
  return records.map((record, i) => {
    if (i % every !== every - 1 || i < 50) return record;
    const kinds = poisonMessages(`${prefix}-${i}`, records[i - 50]);
    return kinds[((i / every) % kinds.length) | 0];
  });
}

const rows = [];
try {
  if (ONLY === 'poison') {
    // Alternating clean and poisoned runs (BENCH_KAFKA_REPEAT pairs, which goes first alternating too; fresh groups and
    // ids each): medians.
    const clean = [];
    const poisoned = [];
    for (let r = 0; r < Number(env.BENCH_KAFKA_REPEAT ?? 1); r++) {
      const runClean = async () =>
        clean.push(
          await throughput(
            `1 processor, clean #${r + 1}`,
            1,
            `bench-clean-${r}`,
            () => processors(1, `bench-clean-${r}`),
            [...rawTransactions(N, `clean${r}`, 5)],
          ),
        );
      const runPoison = async () =>
        poisoned.push(
          await throughput(
            `1 processor, ${POISON * 100}% poison #${r + 1}`,
            1,
            `bench-poison-${r}`,
            () => processors(1, `bench-poison-${r}`),
            withPoison([...rawTransactions(N, `poison${r}`, 5)], POISON, `pz${r}`),
          ),
        );
      // Alternate which runs first, so neither always meets a warmer machine.
      const order = r % 2 === 0 ? [runClean, runPoison] : [runPoison, runClean];
      for (const run of order) await run();
    }
    process.stdout.write(
      `\n${N.toLocaleString('en')} messages per run, ${clean.length} alternating pair(s), ${cpus().length} cores shared with the broker and the publisher: clean ${clean.join(', ')} msg/s (median ${median(clean)}); ${POISON * 100}% poison ${poisoned.join(', ')} msg/s (median ${median(poisoned)}); ratio of medians ${(median(poisoned) / median(clean)).toFixed(2)}\n`,
    );
  } else if (ONLY === 'one') await oneProcessor();
  else await fullRun();
} finally {
  await Promise.all([...children].map((c) => stop(c)));
  await probe.close().catch(() => {});
  await broker.stop();
}

/** BENCH_KAFKA_ONLY=one: only the efficiency pairs (and the profile under BENCH_KAFKA_PROFILE). */
async function oneProcessor() {
  await warmUp();
  const result = await efficiencyPairs(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []);
  if (PROFILE) process.stdout.write(`\n${summarize(latestProfile(PROFILE), 25)}\n`);
  process.stdout.write(`\n${efficiencyText(result)}\n`);
}

/** An unmeasured run first: the broker's JIT and caches, and the topics' first segments, warm up on it. */
async function warmUp() {
  await throughput('warm-up (not measured)', 1, 'bench-warm', () => processors(1, 'bench-warm'), [
    ...rawTransactions(Math.min(N, 20_000), 'warm', 5),
  ]);
}

function efficiencyText({ pairs, live, backlog, aloneCpuMs }) {
  const list = (f) => pairs.map((p) => ratioText(f(p))).join(', ');
  return (
    `Efficiency (one processor ÷ the mean of the scorer-alone runs just before and after its pair; median of ${pairs.length} pairs): ` +
    `live stream ${ratioText(live.ratio)} (${list((p) => p.live.ratio)}), draining a backlog ${ratioText(backlog.ratio)} (${list((p) => p.backlog.ratio)}); ` +
    `CPU per transaction, the scorer alone's ÷ the processor's: live ${ratioText(live.cpuRatio)}, backlog ${ratioText(backlog.cpuRatio)} (the scorer alone ${aloneCpuMs.toFixed(3)} ms)`
  );
}

function latestProfile(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort()
    .pop();
}

async function fullRun() {
  let profileSummary;
  await warmUp();
  const profiling = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [];
  const pairs = await efficiencyPairs(profiling);
  const alone = { alerts: pairs.alone, none: pairs.none };
  const one = pairs.live.txs;
  if (PROFILE) {
    const file = latestProfile(PROFILE);
    profileSummary = summarize(file, 20);
    log(`CPU profile of the 1-processor run (${file}):\n${profileSummary}`);
  }
  const poisoned =
    POISON > 0
      ? await throughput(
          `1 processor, ${POISON * 100}% poison`,
          1,
          'bench-poison',
          () => processors(1, 'bench-poison'),
          withPoison([...rawTransactions(N, 'poison', 5)], POISON, 'pz'),
        )
      : undefined;
  const two = await throughput('2 processors', 2, 'bench-2', () => processors(2, 'bench-2'), [
    ...rawTransactions(N, 'two', 5),
  ]);
  const legacy = await throughput(
    '1 processor, kafkajs',
    1,
    'bench-legacy',
    () => processors(1, 'bench-legacy', { FRAUDSCORE_BENCH_TRANSPORT: 'kafkajs' }),
    [...rawTransactions(N, 'legacy', 5)],
  );
  const pace = Math.max(100, Math.round(one * PACE));
  await startAtEnd('lat-1');
  let stopLat = await processors(1, 'lat-1');
  const lat1 = await latency('1 processor', pace, 'lat1');
  await stopLat();
  await startAtEnd('lat-2');
  stopLat = await processors(2, 'lat-2');
  const lat2 = await latency('2 processors', pace, 'lat2');
  await stopLat();

  // Baseline: the server over HTTP and a per-message consumer, on a backlog of BASELINE_N.
  log('baseline: starting the server');
  const server = spawnChild(
    [join(HERE, 'server-runner.mjs')],
    { PORT: '0', DEMO: 'off', RATE_LIMIT_PER_MINUTE: '0', API_KEYS: `${KEY}:admin`, LOG_LEVEL: 'error' },
    /BENCH_URL (\S+)/,
  );
  const url = (await server.ready)[1];
  const baseline = await throughput('baseline (HTTP per message)', 1, 'baseline', () => httpConsumer(url, 'baseline'), [
    ...rawTransactions(BASELINE_N, 'base', 9),
  ]);
  const basePace = Math.max(50, Math.min(pace, Math.round(baseline * PACE)));
  await startAtEnd('baseline-lat');
  const stopBase = await httpConsumer(url, 'baseline-lat');
  const latBase = await latency('baseline', basePace, 'latb');
  await stopBase();
  await stop(server.child);

  const ms = (v) => (v === undefined ? 'n/a' : `${Math.round(v)} ms`);
  const ratio = (v) => `${ratioText(v / alone.alerts)}`;
  rows.push(
    [
      `Scorer alone: \`service.scoreBatch\`, batches of 5,000, SHAP for alerts (no Kafka, no JSON); median of the ${PAIRS} pairs' references (each the mean of the runs before and after the pair)`,
      alone.alerts,
      undefined,
      '1.00',
    ],
    [
      `Processor, 1 instance (@platformatic/kafka, transactional, SHAP for alerts), live: published while it runs; median of ${PAIRS} (ratio: the median of the pairs' ratios)${PROFILE ? ' (the first under --cpu-prof)' : ''}`,
      one,
      lat1,
      ratioText(pairs.live.ratio),
    ],
    [
      `Processor, 1 instance, draining a backlog published before it starts; median of ${PAIRS} (ratio: the median of the pairs' ratios)`,
      pairs.backlog.txs,
      undefined,
      ratioText(pairs.backlog.ratio),
    ],
    ...(poisoned === undefined
      ? []
      : [
          [
            `Processor, 1 instance, ${POISON * 100}% poison messages (msg/s; ${(poisoned / one).toFixed(2)}x the clean run)`,
            poisoned,
            undefined,
            ratio(poisoned),
          ],
        ]),
    ['Processor, 2 instances, one group', two, lat2, ratio(two)],
    ['Processor, 1 instance, previous transport (kafkajs 2.2.4), same run', legacy, undefined, ratio(legacy)],
    ['Baseline: consumer → `POST /v1/score` per message (SHAP on) → produce', baseline, latBase, ratio(baseline)],
  );
  const markdown = [
    '| pipeline | throughput raw → scored | of the scorer alone | paced load | p50 produce → scored | p99 produce → scored |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      ([name, txs, lat, r]) =>
        `| ${name} | ${txs.toLocaleString('en')} tx/s | ${r} | ${lat ? `${lat.rate.toLocaleString('en')} tx/s (${lat.received}/${lat.sent})` : ''} | ${lat ? ms(lat.p50) : ''} | ${lat ? ms(lat.p99) : ''} |`,
    ),
  ].join('\n');
  const goal = (r) => (r >= 0.8 ? 'met' : 'NOT met');
  const cpu = cpus();
  const at = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const summary = `Last run ${at} UTC: ${cpu.length} cores (${cpu[0]?.model ?? 'unknown'}), Node ${process.version}, Kafka broker on the same cores; ${N.toLocaleString('en')} transactions per throughput run (baseline ${BASELINE_N.toLocaleString('en')}), paced runs ${SECONDS} s. **Efficiency (one processor ÷ the scorer alone, goal ≥ 0.8): live ${ratioText(pairs.live.ratio)} (${goal(pairs.live.ratio)}), draining a backlog ${ratioText(pairs.backlog.ratio)} (${goal(pairs.backlog.ratio)})**. ${efficiencyText(pairs)}. The other rows are single runs, their ratios against the median scorer alone. The scorer without SHAP: ${alone.none.toLocaleString('en')} tx/s.`;
  process.stdout.write(
    `\n${summary}\n\n${markdown}\n${profileSummary ? `\nCPU profile of the 1-processor run:\n\n${profileSummary}\n` : ''}`,
  );
  const readme = join(HERE, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const block = `<!-- kafka:start -->\n${summary}\n\n${markdown}\n<!-- kafka:end -->`;
  writeFileSync(
    readme,
    /<!-- kafka:start -->[\s\S]*<!-- kafka:end -->/.test(text)
      ? text.replace(/<!-- kafka:start -->[\s\S]*<!-- kafka:end -->/, block)
      : `${text.trimEnd()}\n\n## Kafka pipeline (\`pnpm bench:kafka\`)\n\nSee bench/kafka.mjs for what each row measures.\n\n${block}\n`,
  );
  log('bench/README.md updated');
}
