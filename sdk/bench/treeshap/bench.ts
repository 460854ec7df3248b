// TreeSHAP and margin speed of the TypeScript tree evaluator (sdk/src/trees), one thread, on shap.json's rows
// repeated. Build and run from the repository root (see README.md):
//   pnpm exec tsc -p sdk/bench/treeshap/tsconfig.json && node sdk/bench/treeshap/.build/bench/treeshap/bench.js \
//     [--repeat 20] [--native native.json] [--max-bytes 0] [--max-table-depth 0] [--max-tree-table-bytes N]
//     [--max-table-bytes N] [--pair models/work/deep-pair/full]
// With --native (the JSON that native.py prints) it also reports TS time / native time; --max-bytes 0 measures the
// plain Algorithm 2 walk, --max-table-depth 0 Linear TreeSHAP without tables; --pair a deep pair instead of the
// default bundle (python -m fraudmodels deep-pair).

import { readFileSync } from 'node:fs';
import { parseTrees } from '../../src/trees/model.js';
import { TreeExplainer } from '../../src/trees/treeshap.js';

const root = new URL('../../../../../../', import.meta.url); // .build/bench/treeshap → repository root
const readJson = (path: string): any => JSON.parse(readFileSync(new URL(path, root), 'utf8'));
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const pair = arg('pair');
const treesText = readFileSync(
  pair === undefined ? new URL('models/bundles/default/trees.json', root) : `${pair}/trees.json`,
  'utf8',
);
let started = process.hrtime.bigint();
const ensembles = parseTrees(JSON.parse(treesText));
const parseMs = Number(process.hrtime.bigint() - started) / 1e6;
started = process.hrtime.bigint();
// --max-bytes 0: the walk only
const options = {
  maxBytes: arg('max-bytes'),
  maxTableDepth: arg('max-table-depth'),
  maxTreeTableBytes: arg('max-tree-table-bytes'),
  maxTableBytes: arg('max-table-bytes'),
};
const explainer = new TreeExplainer(
  ensembles,
  Object.fromEntries(
    Object.entries(options)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, Number(v)]),
  ),
);
const explainerMs = Number(process.hrtime.bigint() - started) / 1e6;
const shapDoc =
  pair === undefined
    ? readJson('models/conformance/default/shap.json')
    : JSON.parse(readFileSync(`${pair}/shap.json`, 'utf8'));
const weights: Record<string, number> = shapDoc.weights ?? { lightgbm: 0.6, xgboost: 0.4 }; // a deep pair has no manifest
const width = ensembles.features.length;
const base: Float64Array[] = shapDoc.rows.map((r: { features: (number | null)[] }) =>
  Float64Array.from(r.features, (v) => v ?? NaN),
);
const repeat = Number(arg('repeat') ?? 20);
const rows: Float64Array[] = Array.from({ length: repeat }, () => base).flat();
const out = new Float64Array(width);

/** Fastest of `runs` timings of fn (seconds), after one warm-up run. */
function bestOf(runs: number, fn: () => void): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return best;
}

/** The q-quantile of sorted numbers. */
const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

let sink = 0; // keeps results alive so nothing is optimised away
const shapEnsemble = bestOf(5, () => {
  for (const row of rows) sink += explainer.explainEnsemble(weights, row, out).baseValue;
});
const shapModel = (name: string): number =>
  bestOf(5, () => {
    for (const row of rows) sink += explainer.explain(name, row, out);
  });
const shap = {
  rows: rows.length,
  ensemble_rows_per_s: rows.length / shapEnsemble,
  lightgbm_rows_per_s: rows.length / shapModel('lightgbm'),
  xgboost_rows_per_s: rows.length / shapModel('xgboost'),
};

// margin only ('js' backend: both models, blended): one row per call, then 1000-row batches
const score = (row: Float64Array): number =>
  weights['lightgbm']! * ensembles.margin('lightgbm', row) + weights['xgboost']! * ensembles.margin('xgboost', row);
for (const row of rows) sink += score(row); // warm-up
const latencies: number[] = [];
for (const row of rows) {
  const start = process.hrtime.bigint();
  sink += score(row);
  latencies.push(Number(process.hrtime.bigint() - start) / 1e3);
}
latencies.sort((a, b) => a - b);
const batch = new Float64Array(1000 * width);
for (let i = 0; i < 1000; i++) batch.set(rows[i % rows.length]!, i * width);
const marginsOut = { l: new Float64Array(1000), x: new Float64Array(1000) };
const batchSeconds = bestOf(20, () => {
  ensembles.margins('lightgbm', batch, 1000, marginsOut.l);
  ensembles.margins('xgboost', batch, 1000, marginsOut.x);
  sink += marginsOut.l[0]! + marginsOut.x[0]!;
});
const margin = {
  single_row_us: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), samples: latencies.length },
  batch_1000_rows_per_s: 1000 / batchSeconds,
  batch_1000_ms: batchSeconds * 1e3,
};

const setup = {
  parse_trees_json_ms: parseMs, // JSON.parse + parseTrees, cold
  new_tree_explainer_ms: explainerMs, // cold, builds the leaf tables
  explainer_bytes: explainer.usage('lightgbm').bytes + explainer.usage('xgboost').bytes,
};
const report: Record<string, unknown> = { node: process.version, setup, shap, margin };
const nativePath = arg('native');
if (nativePath !== undefined) {
  const native = JSON.parse(readFileSync(nativePath, 'utf8'));
  // time ratio = TS time per row / native time per row = native rows/s / TS rows/s
  report['ratio_ts_time_over_native_time'] = {
    ensemble_vs_native_batch: native.batch.ensemble_rows_per_s / shap.ensemble_rows_per_s,
    ensemble_vs_native_per_row: native.per_row.ensemble_rows_per_s / shap.ensemble_rows_per_s,
    lightgbm_vs_native_batch: native.batch.lightgbm_rows_per_s / shap.lightgbm_rows_per_s,
    xgboost_vs_native_batch: native.batch.xgboost_rows_per_s / shap.xgboost_rows_per_s,
  };
}
console.log(JSON.stringify(report, null, 2));
if (sink === 42) console.log(''); // never true in practice; reads sink
