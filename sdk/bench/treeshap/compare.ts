// TreeSHAP in TypeScript against the native libraries' (LightGBM pred_contrib, XGBoost pred_contribs), one thread,
// same rows, same run: the explainer's time per row for several strategies, its build time and memory, and the
// native time per row from native.py. Used by bench/run.ts for the default bundle and the deep pair.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  parseTrees,
  TreeExplainer,
  type ExplainerUsage,
  type TreeEnsembles,
  type TreeExplainerOptions,
} from '../../src/trees/index.js';

export interface Source {
  /** trees.json and the shap.json whose rows are explained */
  trees: string;
  shap: string;
  /** native.py's arguments choosing the same models and rows */
  nativeArgs: string[];
  /** rows of shap.json used (all if undefined), and how many copies of them one timed pass explains */
  rows?: number;
  repeat: number;
  /** timed passes per measurement; the median is reported (the machine may be shared) */
  rounds: number;
  /** strategies timed beside the default explainer (interleaved), with the rows (a prefix), copies and passes each gets */
  baselines: Record<string, { options: TreeExplainerOptions; rows: number; repeat?: number; rounds: number }>;
}

const MODELS = ['lightgbm', 'xgboost'] as const;
type PerModel = Record<(typeof MODELS)[number], number>;

export interface Comparison {
  rows: number;
  /** JSON.parse + parseTrees of trees.json, ms, and the bytes the parsed model keeps (heap + array buffers) */
  parseMs: number;
  modelBytes: number;
  /** new TreeExplainer(ensembles) with the default options: the first build (cold) and the median of three more */
  buildMs: { cold: number; median: number };
  /** what the explainer keeps, measured (heap + array buffers after GC) and as the explainer counts it */
  explainerBytes: { measured: number; counted: number };
  usage: Record<string, ExplainerUsage>;
  /** ms per row, median of the passes */
  typescript: PerModel;
  baselines: Record<string, PerModel>;
  native: PerModel;
  /** typescript / native */
  ratio: PerModel;
  /** max |TypeScript − native| over the rows (LightGBM computes in double, XGBoost in float32) */
  error: Record<(typeof MODELS)[number], { values: number; baseValue: number }>;
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Heap + array buffers after full GCs (node --expose-gc; twice, a turn apart, so that sweeping has finished). */
async function retainedBytes(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** JSON.parse + parseTrees of a trees.json, timed. */
async function readTrees(path: string): Promise<{ ensembles: TreeEnsembles; parseMs: number }> {
  const text = await readFile(path, 'utf8');
  const started = nowMs();
  const ensembles = parseTrees(JSON.parse(text));
  return { ensembles, parseMs: nowMs() - started };
}

export async function compareWithNative(python: string, nativeScript: string, source: Source): Promise<Comparison> {
  if ((globalThis as { gc?: unknown }).gc === undefined)
    throw new Error('run node with --expose-gc (the bench script does)');
  type Native = { baseValue: number; values: number[] };
  const shapRows = (
    JSON.parse(await readFile(source.shap, 'utf8')).rows as ({ features: (number | null)[] } & Record<string, Native>)[]
  ).slice(0, source.rows);
  const rows = shapRows.map((r) => Float64Array.from(r.features, (v) => v ?? Number.NaN));
  const beforeParse = await retainedBytes();
  const { ensembles, parseMs } = await readTrees(source.trees); // the JSON text is garbage once it returns
  const afterParse = await retainedBytes();
  const started = nowMs();
  const explainer = new TreeExplainer(ensembles);
  const cold = nowMs() - started;
  const explainerBytes = (await retainedBytes()) - afterParse;
  const builds = Array.from({ length: 3 }, () => {
    const t = nowMs();
    new TreeExplainer(ensembles);
    return nowMs() - t;
  });
  const out = new Float64Array(ensembles.features.length);
  const error = { lightgbm: { values: 0, baseValue: 0 }, xgboost: { values: 0, baseValue: 0 } };
  for (const name of MODELS) {
    shapRows.forEach((r, i) => {
      const base = explainer.explain(name, rows[i]!, out);
      error[name].baseValue = Math.max(error[name].baseValue, Math.abs(base - r[name]!.baseValue));
      out.forEach((v, j) => (error[name].values = Math.max(error[name].values, Math.abs(v - r[name]!.values[j]!))));
    });
  }
  // every strategy's passes interleaved, round by round and in turn first, so that other jobs slow them alike
  let sink = 0;
  const strategies = [
    { label: '', explainer, rows: rows.length, repeat: source.repeat, rounds: source.rounds },
    ...Object.entries(source.baselines).map(([label, b]) => ({
      label,
      explainer: new TreeExplainer(ensembles, b.options),
      rows: b.rows,
      repeat: b.repeat ?? 1,
      rounds: b.rounds,
    })),
  ];
  const times = strategies.map(() => ({ lightgbm: [] as number[], xgboost: [] as number[] }));
  const pass = (i: number, name: (typeof MODELS)[number]): number => {
    const { explainer: e, rows: count, repeat } = strategies[i]!;
    const started = nowMs();
    for (let r = 0; r < repeat; r++) for (let k = 0; k < count; k++) sink += e.explain(name, rows[k]!, out);
    return (nowMs() - started) / (count * repeat);
  };
  for (const name of MODELS) {
    strategies.forEach((_, i) => pass(i, name)); // warm-up
    for (let round = 0; round < Math.max(...strategies.map((s) => s.rounds)); round++) {
      for (let k = 0; k < strategies.length; k++) {
        // a different strategy first each round
        const i = (round + k) % strategies.length;
        if (round < strategies[i]!.rounds) times[i]![name].push(pass(i, name));
      }
    }
  }
  const perModel = (i: number): PerModel => ({
    lightgbm: median(times[i]!.lightgbm),
    xgboost: median(times[i]!.xgboost),
  });
  const typescript = perModel(0);
  const baselines = Object.fromEntries(strategies.slice(1).map((s, i) => [s.label, perModel(i + 1)]));
  const nativeJson = JSON.parse(
    execFileSync(python, [nativeScript, ...source.nativeArgs, '--rounds', String(source.rounds)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    }),
  );
  const native = {
    lightgbm: nativeJson.batch.lightgbm_ms_per_row as number,
    xgboost: nativeJson.batch.xgboost_ms_per_row as number,
  };
  if (sink === 42) console.log(''); // reads sink so that nothing is optimised away
  return {
    rows: rows.length,
    parseMs,
    modelBytes: afterParse - beforeParse,
    buildMs: { cold, median: median(builds) },
    explainerBytes: {
      measured: explainerBytes,
      counted: MODELS.reduce((s, name) => s + explainer.usage(name).bytes, 0),
    },
    usage: Object.fromEntries(MODELS.map((name) => [name, explainer.usage(name)])),
    typescript,
    baselines,
    native,
    ratio: { lightgbm: typescript.lightgbm / native.lightgbm, xgboost: typescript.xgboost / native.xgboost },
    error,
  };
}

/** The deep pair's directory, trained and exported by the Python pipeline if it is not there yet (minutes, once). */
export function deepPair(python: string, repo: string): string {
  const dir = join(repo, 'models/work/deep-pair/full');
  execFileSync(python, ['-m', 'fraudmodels', 'deep-pair', '--size', 'full', '--out', dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return dir;
}
