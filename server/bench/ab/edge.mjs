// The edge's own overhead in one process, baseline and current side by side: `node bench/ab/edge.mjs
// [--snapshot=dist-baseline] [--rounds=5] [--seconds=2] [--only=shap,plain,batch]`. Three scorers on the default bundle (js backend, own
// history each): the scorer alone (as bench/score-alone.mjs), and the edge app of the snapshot (A) and of the current
// build (B) answering `app.request` — Hono routing, JSON, validation, idempotency, history, features, score, SHAP,
// records, the bus — over a storage that keeps only the ids (no copies, no database), so what is measured is the
// edge's request path without sockets, the storage engine or a load generator. Rounds rotate which goes first.
// Prints tx/s for single requests with SHAP, without, and batches of 1,000 without SHAP, and each as a fraction of
// the scorer alone in the same round (the edge's efficiency), medians over the rounds.
import { createScorer, directorySource, MemoryHistoryStore } from '@fraudscore/sdk';
import { parseArgs } from 'node:util';
import { DEFAULT_BUNDLE } from '../../dist/config.js';
import { transactionMix } from '../mix.mjs';

const { values } = parseArgs({
  options: {
    snapshot: { type: 'string', default: 'dist-baseline' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '2' },
    only: { type: 'string', default: 'shap,plain,batch' },
  },
});
const seconds = Number(values.seconds);

async function scorer() {
  return createScorer({
    bundle: directorySource(DEFAULT_BUNDLE),
    backend: 'js',
    history: (spec) => new MemoryHistoryStore(spec),
    cache: false,
    onWarning: () => {},
  });
}

async function edgeApp(module) {
  const edge = await import(module);
  const s = await scorer();
  /** Keeps ids only: every save is new, every id read is unknown (the bench's ids are fresh). */
  class IdsOnlyStorage extends edge.MemoryStorage {
    ids = new Set();
    async saveMany(records) {
      return records.map((record) => {
        const created = !this.ids.has(record.id);
        this.ids.add(record.id);
        return { record, created };
      });
    }
    async getMany(ids) {
      return ids.map(() => undefined);
    }
  }
  const { app } = edge.createEdge({
    model: s,
    history: edge.memoryHistory(s.history),
    storage: new IdsOnlyStorage(),
  });
  return app;
}

const transaction = transactionMix('edge');
const post = (app, path, body) =>
  app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function rate(step, size) {
  for (const until = performance.now() + 300; performance.now() < until;) await step();
  let done = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await step();
    done += size;
  }
  return done / ((performance.now() - t0) / 1000);
}

const alone = await scorer();
const apps = { A: await edgeApp(`../../../edge/${values.snapshot}/index.js`), B: await edgeApp('@fraudscore/edge') };
const modes = {
  shap: {
    alone: () => alone.score(transaction(), { explain: true, record: true }),
    edge: async (app) => {
      const res = await post(app, '/v1/score', transaction());
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      await res.arrayBuffer();
    },
    size: 1,
  },
  plain: {
    alone: () => alone.score(transaction(), { explain: false, record: true }),
    edge: async (app) => {
      const res = await post(app, '/v1/score?explain=false', transaction());
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      await res.arrayBuffer();
    },
    size: 1,
  },
  batch: {
    alone: () => alone.scoreBatch(Array.from({ length: 1000 }, transaction), { explain: false, record: true }),
    edge: async (app) => {
      const res = await post(app, '/v1/score/batch?explain=false', {
        transactions: Array.from({ length: 1000 }, transaction),
      });
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      await res.arrayBuffer();
    },
    size: 1000,
  },
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const [mode, m] of Object.entries(modes).filter(([mode]) => values.only.split(',').includes(mode))) {
  const runs = { alone: [], A: [], B: [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = [
      ['alone', () => m.alone()],
      ['A', () => m.edge(apps.A)],
      ['B', () => m.edge(apps.B)],
    ];
    for (let k = 0; k < round % 3; k++) order.push(order.shift());
    const got = {};
    for (const [name, step] of order) got[name] = await rate(step, m.size);
    for (const name of Object.keys(runs)) runs[name].push(got[name]);
    process.stderr.write(
      `${mode} round ${round + 1}: alone ${Math.round(got.alone)}, A ${Math.round(got.A)} (${(got.A / got.alone).toFixed(2)}), ` +
        `B ${Math.round(got.B)} (${(got.B / got.alone).toFixed(2)})\n`,
    );
  }
  const eff = (name) => median(runs[name].map((x, i) => x / runs.alone[i]));
  rows.push(
    `| ${mode} | ${Math.round(median(runs.alone))} | ${Math.round(median(runs.A))}; ${eff('A').toFixed(2)} | ` +
      `${Math.round(median(runs.B))}; ${eff('B').toFixed(2)} | ${median(runs.B.map((b, i) => b / runs.A[i])).toFixed(2)} |`,
  );
}
process.stdout.write(
  `\n| mode | scorer alone tx/s | A (snapshot): tx/s; of the scorer alone | B (current): same | B ÷ A |\n|---|---:|---:|---:|---:|\n${rows.join('\n')}\n`,
);
