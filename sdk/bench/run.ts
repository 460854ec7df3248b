// `pnpm bench` in sdk: the SDK's speed and size, each beside its baseline measured in the same run.
//   1. one transaction, features + score + SHAP, p50/p99, Node and Chromium, both backends
//   2. scoring without SHAP: the 'js' evaluator vs onnxruntime-web, one row and a 1,000-row batch (Node)
//   3. cold start in Chromium (import, load bundle, first score), both backends
//   4. TreeSHAP time per row vs LightGBM pred_contrib + XGBoost pred_contribs (Python, one thread, same rows), for
//      the default bundle and for a deep pair (python -m fraudmodels deep-pair: LightGBM 1,000 trees up to 255
//      leaves and depth 10, XGBoost 500 trees of depth 10, missing values), with the explainer's build time and
//      memory in Node and in Chromium (the browser's default budget)
//   5. size: the SDK's JavaScript gzipped without onnxruntime-web; onnxruntime-web's JS and wasm
// Prints a table and writes bench/results.json. Run: pnpm --filter @fraudscore/sdk bench
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { createScorer, directorySource } from '../src/node.js';
import { createOnnxModel } from '../src/onnx.js';
import { parseTrees } from '../src/trees/index.js';
import { launchChromium } from '../test/browser/chromium.js';
import { serveDirectory } from '../test/browser/static-server.js';
import { compareWithNative, deepPair, type Comparison } from './treeshap/compare.js';

// pnpm runs the script in the package directory.
const sdk = process.cwd();
const repo = join(sdk, '..');
const bundleDir = join(repo, 'models/bundles/default');
const ortDist = join(sdk, 'node_modules/onnxruntime-web/dist');
const python = join(repo, 'models/.venv/bin/python');

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const summary = (times: number[]) => ({ p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99), n: times.length });
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

async function nodeEndToEnd(backend: 'wasm' | 'js', iterations = 2000) {
  const scorer = await createScorer({ bundle: directorySource(bundleDir), backend, cache: false });
  const tx = { id: 'x', customerId: 'c1', terminalId: 't1', amount: 42.5, timestamp: Date.now() };
  const run = async (explain: boolean) => {
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const started = nowMs();
      await scorer.score({ ...tx, id: `b${i}`, amount: 10 + (i % 300) }, { explain });
      times.push(nowMs() - started);
    }
    return times;
  };
  await run(true);
  const result = { withShap: summary(await run(true)), withoutShap: summary(await run(false)) };
  await scorer.dispose();
  return result;
}

async function backendsAlone(rowsCount = 1000, iterations = 3000) {
  const manifest = JSON.parse(await readFile(join(bundleDir, 'manifest.json'), 'utf8'));
  const trees = parseTrees(JSON.parse(await readFile(join(bundleDir, 'trees.json'), 'utf8')));
  const weights = Object.entries(manifest.ensemble.weights as Record<string, number>);
  const onnx = await createOnnxModel(
    new Uint8Array(await readFile(join(bundleDir, 'model.onnx'))),
    manifest.features.length,
    weights.map(([n]) => n),
  );
  const shapRows = (
    JSON.parse(await readFile(join(repo, 'models/conformance/default/scores.json'), 'utf8')).rows as {
      features: (number | null)[];
    }[]
  ).map((r) => Float64Array.from(r.features, (v) => v ?? Number.NaN));
  const width = manifest.features.length;
  const jsOne = (row: Float64Array) => weights.reduce((s, [n, w]) => s + w * trees.margin(n, row), 0);
  const single = { js: [] as number[], wasm: [] as number[] };
  for (let i = 0; i < iterations; i++) {
    const row = shapRows[i % shapRows.length]!;
    let started = nowMs();
    jsOne(row);
    single.js.push(nowMs() - started);
    started = nowMs();
    await onnx.run(row, 1);
    single.wasm.push(nowMs() - started);
  }
  const batch = new Float64Array(rowsCount * width);
  for (let i = 0; i < rowsCount; i++) batch.set(shapRows[i % shapRows.length]!, i * width);
  const batchTimes = { js: [] as number[], wasm: [] as number[] };
  for (let k = 0; k < 20; k++) {
    let started = nowMs();
    for (let i = 0; i < rowsCount; i++) jsOne(batch.subarray(i * width, (i + 1) * width));
    batchTimes.js.push(nowMs() - started);
    started = nowMs();
    await onnx.run(batch, rowsCount);
    batchTimes.wasm.push(nowMs() - started);
  }
  await onnx.release();
  const perSecond = (times: number[]) => rowsCount / (quantile(times, 0.5) / 1000);
  return {
    singleRow: { js: summary(single.js.slice(200)), wasm: summary(single.wasm.slice(200)) },
    batch1000RowsPerSecond: { js: perSecond(batchTimes.js), wasm: perSecond(batchTimes.wasm) },
  };
}

async function treeShapVsNative(deepDir: string) {
  const native = join(sdk, 'bench/treeshap/native.py');
  const defaultBundle = await compareWithNative(python, native, {
    trees: join(bundleDir, 'trees.json'),
    shap: join(repo, 'models/conformance/default/shap.json'),
    nativeArgs: ['--repeat', '20', '--single-rows', '0'],
    repeat: 20,
    rounds: 5,
    baselines: {
      // what the SDK did before Linear TreeSHAP: tables for every tree within 32 MiB (here all 300 + 400 trees)
      'as before: tables for every tree': {
        options: { maxTreeTableBytes: Infinity, maxTableBytes: Infinity, maxBytes: 32 * 2 ** 20 },
        rows: 300,
        repeat: 20,
        rounds: 5,
      },
      'Linear TreeSHAP only': { options: { maxTableDepth: 0 }, rows: 300, repeat: 20, rounds: 5 },
      'walk (Algorithm 2)': { options: { maxBytes: 0 }, rows: 300, repeat: 2, rounds: 3 },
    },
  });
  const deep = await compareWithNative(python, native, {
    trees: join(deepDir, 'trees.json'),
    shap: join(deepDir, 'shap.json'),
    rows: 100,
    nativeArgs: ['--pair', deepDir, '--rows', '100', '--repeat', '1', '--single-rows', '0'],
    repeat: 1,
    rounds: 3,
    baselines: {
      // the previous SDK's path for trees over the table budget (976 of the 1,000 LightGBM trees)
      'walk (Algorithm 2)': { options: { maxBytes: 0 }, rows: 20, rounds: 1 },
      'browser budget (2 MiB)': { options: { maxBytes: 2 * 2 ** 20 }, rows: 100, rounds: 3 },
    },
  });
  return { defaultBundle, deep };
}

/** The deep pair's explainer in Chromium with the browser's default budget: fetch, parse, build, explain, and the
 * page's memory (JS heap + array buffer backing stores after a GC, from the DevTools protocol) between steps. */
async function chromiumDeep(site: { url: string }, browser: Awaited<ReturnType<typeof launchChromium>>) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const memory = async (): Promise<number> => {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
    return heap.usedSize + (heap.backingStorageSize ?? 0);
  };
  try {
    await page.goto(`${site.url}?mode=deep`);
    await page.waitForFunction(() => (window as any).__deepReady || (window as any).__benchError, undefined, {
      timeout: 60_000,
    });
    const error = await page.evaluate(() => (window as any).__benchError);
    if (error) throw new Error(error);
    const step = (name: string) => page.evaluate((n) => (window as any).__deep[n](), name);
    const start = await memory();
    await step('fetch');
    const fetched = await memory();
    const parse = await step('parse');
    const parsed = await memory();
    const build = await step('build');
    const built = await memory();
    const explain = await step('explain');
    return {
      parseMs: parse.ms,
      buildMs: build.ms,
      budget: build.budget,
      usage: build.usage,
      explainMsPerRow: explain,
      memory: {
        countsBackingStores: ((await cdp.send('Runtime.getHeapUsage')) as any).backingStorageSize !== undefined,
        textBytes: fetched - start,
        modelBytes: parsed - start,
        explainerBytes: built - parsed,
      },
    };
  } finally {
    await context.close();
  }
}

async function chromium(work: string, deepDir: string, backends = ['wasm', 'js']) {
  const out = join(work, 'bench-site');
  await build({
    root: join(sdk, 'bench/page'),
    logLevel: 'warn',
    configFile: false,
    resolve: {
      alias: [
        { find: /^@fraudscore\/sdk$/, replacement: join(sdk, 'dist/index.js') },
        { find: /^@fraudscore\/sdk\/trees$/, replacement: join(sdk, 'dist/trees/index.js') },
      ],
    },
    build: { outDir: out, emptyOutDir: true, target: 'es2022' },
  });
  await cp(bundleDir, join(out, 'bundle'), { recursive: true });
  await mkdir(join(out, 'deep'));
  await cp(join(deepDir, 'trees.json'), join(out, 'deep/trees.json'));
  const deepRows = (
    JSON.parse(await readFile(join(deepDir, 'shap.json'), 'utf8')).rows as { features: unknown[] }[]
  ).slice(0, 20);
  await writeFile(join(out, 'deep/rows.json'), JSON.stringify(deepRows.map((r) => r.features)));
  await mkdir(join(out, 'ort'));
  for (const file of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'])
    await cp(join(ortDist, file), join(out, 'ort', file));
  const site = await serveDirectory(out, { isolated: true });
  const browser = await launchChromium();
  const results: Record<string, unknown> = {};
  try {
    for (const backend of backends) {
      const colds: number[] = [];
      let last: { coldStartMs: number; withShap: number[]; withoutShap: number[] } | undefined;
      for (let k = 0; k < 3; k++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${site.url}?backend=${backend}&iterations=${k === 2 ? 500 : 1}`);
        await page.waitForFunction(() => (window as any).__bench || (window as any).__benchError, undefined, {
          timeout: 120_000,
        });
        const error = await page.evaluate(() => (window as any).__benchError);
        if (error) throw new Error(error);
        last = await page.evaluate(() => (window as any).__bench);
        colds.push(last!.coldStartMs);
        await context.close();
      }
      results[backend] = {
        coldStartMs: quantile(colds, 0.5),
        withShap: summary(last!.withShap),
        withoutShap: summary(last!.withoutShap),
      };
    }
    results['deep'] = await chromiumDeep(site, browser);
  } finally {
    await browser.close();
    await site.close();
  }
  return results;
}

async function sizes(work: string) {
  const out = join(work, 'size');
  await build({
    logLevel: 'warn',
    configFile: false,
    build: {
      outDir: out,
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      lib: { entry: join(sdk, 'dist/index.js'), formats: ['es'], fileName: 'sdk' },
      rollupOptions: { external: [/^onnxruntime-web/] },
    },
  });
  let sdkBytes = 0;
  let sdkGzip = 0;
  for (const file of await readdir(out)) {
    if (!file.endsWith('.js')) continue;
    const bytes = await readFile(join(out, file));
    sdkBytes += bytes.length;
    sdkGzip += gzipSync(bytes, { level: 9 }).length;
  }
  const ortJs = await readFile(join(ortDist, 'ort.wasm.min.mjs'));
  const ortGlue = await readFile(join(ortDist, 'ort-wasm-simd-threaded.mjs'));
  const wasm = await readFile(join(ortDist, 'ort-wasm-simd-threaded.wasm'));
  return {
    sdkMinifiedBytes: sdkBytes,
    sdkGzipBytes: sdkGzip,
    onnxruntimeWebJsGzipBytes: gzipSync(ortJs, { level: 9 }).length + gzipSync(ortGlue, { level: 9 }).length,
    onnxruntimeWasmBytes: wasm.length,
    onnxruntimeWasmGzipBytes: gzipSync(wasm, { level: 9 }).length,
    bundleBytes: (
      await Promise.all(
        ['trees.json', 'model.onnx', 'features.json', 'manifest.json', 'reference.json'].map(
          async (f) => (await stat(join(bundleDir, f))).size,
        ),
      )
    ).reduce((a, b) => a + b, 0),
  };
}

/** The TreeSHAP tables: time per row against native, the baselines, and the explainer's set-up in Node and Chromium. */
function treeShapTables(
  base: Comparison,
  deep: Comparison,
  browser: any,
  pair: { models: Record<string, { trees: number; maxLeaves: number; meanLeaves: number; maxDepth: number }> },
): string {
  const f = (x: number, d = 3) => x.toFixed(d);
  const mb = (bytes: number) => `${f(bytes / 2 ** 20, 1)} MiB`;
  const describe = (name: string) => {
    const m = pair.models[name]!;
    return `${m.trees} trees, ≤ ${m.maxLeaves} leaves (mean ${m.meanLeaves.toFixed(0)}), depth ${m.maxDepth}`;
  };
  const row = (label: string, c: Comparison, name: 'lightgbm' | 'xgboost', goal: string) =>
    `| ${label} | ${f(c.typescript[name])} | ${f(c.native[name])} | ${f(c.ratio[name], 2)} | ${goal} |`;
  const ensemble = (c: Comparison) =>
    (c.typescript.lightgbm + c.typescript.xgboost) / (c.native.lightgbm + c.native.xgboost);
  const baselineLabels = [...new Set([...Object.keys(base.baselines), ...Object.keys(deep.baselines)])];
  const cell = (c: Comparison, label: string, name: 'lightgbm' | 'xgboost') =>
    c.baselines[label] ? f(c.baselines[label]![name]) : '';
  const trees = (c: Comparison) =>
    Object.entries(c.usage)
      .map(([n, u]) => `${n} ${u.trees.tables}/${u.trees.linear}/${u.trees.walk}`)
      .join(', ');
  return [
    'TreeSHAP, one thread, same rows as native (ms per row, median of passes; native = pred_contrib(s) batch, 1 thread)',
    '',
    '| model | TS ms/row | native ms/row | ratio TS/native | goal |',
    '|---|---|---|---|---|',
    row('default bundle LightGBM (300 trees, 15 leaves)', base, 'lightgbm', '<= 1.0, stretch 0.6'),
    row('default bundle XGBoost (400 trees, depth 3)', base, 'xgboost', '<= 1.0, stretch 0.6'),
    `| default bundle, both models | ${f(base.typescript.lightgbm + base.typescript.xgboost)} | ${f(base.native.lightgbm + base.native.xgboost)} | ${f(ensemble(base), 2)} | <= 1.0, stretch 0.6 |`,
    row(`deep LightGBM (${describe('lightgbm')})`, deep, 'lightgbm', '<= 0.8'),
    row(`deep XGBoost (${describe('xgboost')})`, deep, 'xgboost', '<= 0.8'),
    '',
    '| other strategies, ms/row | default LightGBM | default XGBoost | deep LightGBM | deep XGBoost |',
    '|---|---|---|---|---|',
    `| default (tables for trees whose tables take <= 128 KiB, Linear TreeSHAP for the others) | ${f(base.typescript.lightgbm)} | ${f(base.typescript.xgboost)} | ${f(deep.typescript.lightgbm)} | ${f(deep.typescript.xgboost)} |`,
    ...baselineLabels.map(
      (label) =>
        `| ${label} | ${cell(base, label, 'lightgbm')} | ${cell(base, label, 'xgboost')} | ${cell(deep, label, 'lightgbm')} | ${cell(deep, label, 'xgboost')} |`,
    ),
    '',
    '| explainer set-up and exactness (both models) | default bundle | deep pair | goal |',
    '|---|---|---|---|',
    `| Node: JSON.parse + parseTrees ms | ${f(base.parseMs, 0)} | ${f(deep.parseMs, 0)} | |`,
    `| Node: new TreeExplainer ms, cold / median of 3 more | ${f(base.buildMs.cold, 0)} / ${f(base.buildMs.median, 0)} | ${f(deep.buildMs.cold, 0)} / ${f(deep.buildMs.median, 0)} | deep <= 300 |`,
    `| Node: explainer memory, measured / counted (budget 32 MiB per model) | ${mb(base.explainerBytes.measured)} / ${mb(base.explainerBytes.counted)} | ${mb(deep.explainerBytes.measured)} / ${mb(deep.explainerBytes.counted)} | |`,
    `| Node: parsed model memory | ${mb(base.modelBytes)} | ${mb(deep.modelBytes)} | |`,
    `| max abs. difference from native, values / base values: LightGBM (double) | ${base.error.lightgbm.values.toExponential(1)} / ${base.error.lightgbm.baseValue.toExponential(1)} | ${deep.error.lightgbm.values.toExponential(1)} / ${deep.error.lightgbm.baseValue.toExponential(1)} | <= 1e-12 |`,
    `| max abs. difference from native, values / base values: XGBoost (native in float32) | ${base.error.xgboost.values.toExponential(1)} / ${base.error.xgboost.baseValue.toExponential(1)} | ${deep.error.xgboost.values.toExponential(1)} / ${deep.error.xgboost.baseValue.toExponential(1)} | float32 |`,
    `| Node: trees by method (tables/linear/walk) | ${trees(base)} | ${trees(deep)} | |`,
    `| Chromium: JSON.parse + parseTrees ms / new TreeExplainer ms | | ${f(browser.parseMs, 0)} / ${f(browser.buildMs, 0)} | |`,
    `| Chromium: explainer memory, measured / counted (budget ${mb(browser.budget)} per model) | | ${mb(browser.memory.explainerBytes)} / ${mb(Object.values(browser.usage as Record<string, { bytes: number }>).reduce((s, u) => s + u.bytes, 0))} | each model <= budget |`,
    `| Chromium: parsed model memory | | ${mb(browser.memory.modelBytes)} | |`,
    `| Chromium: TreeSHAP ms/row, LightGBM / XGBoost (20 rows) | | ${f(browser.explainMsPerRow.lightgbm)} / ${f(browser.explainMsPerRow.xgboost)} | |`,
  ].join('\n');
}

if (JSON.parse(await readFile(join(sdk, 'package.json'), 'utf8')).name !== '@fraudscore/sdk')
  throw new Error('run from sdk/: pnpm --filter @fraudscore/sdk bench');
const work = await mkdtemp(join(tmpdir(), 'fraudscore-bench-'));
try {
  const deepDir = deepPair(python, repo);
  if (process.argv.includes('--treeshap-only')) {
    // pnpm --filter @fraudscore/sdk bench --treeshap-only: section 4 alone, a few minutes
    const treeShap = await treeShapVsNative(deepDir);
    const browser = await chromium(work, deepDir, []);
    console.log(
      treeShapTables(
        treeShap.defaultBundle,
        treeShap.deep,
        browser['deep'] as any,
        JSON.parse(await readFile(join(deepDir, 'pair.json'), 'utf8')),
      ),
    );
    await writeFile(
      join(sdk, 'bench/results-treeshap.json'),
      `${JSON.stringify({ treeShap, chromiumDeep: browser['deep'] }, null, 2)}\n`,
    );
    process.exit(0);
  }
  const results = {
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    node: { wasm: await nodeEndToEnd('wasm'), js: await nodeEndToEnd('js') },
    backends: await backendsAlone(),
    treeShap: await treeShapVsNative(deepDir),
    chromium: await chromium(work, deepDir),
    size: await sizes(work),
  };
  const r = results;
  const f = (x: number, d = 3) => x.toFixed(d);
  const chromiumWasm = r.chromium['wasm'] as any;
  const chromiumJs = r.chromium['js'] as any;
  const lines = [
    '| measurement | js backend | wasm backend (onnxruntime-web) | goal |',
    '|---|---|---|---|',
    `| Node: one transaction, features+score+SHAP, p50 / p99 ms | ${f(r.node.js.withShap.p50Ms)} / ${f(r.node.js.withShap.p99Ms)} | ${f(r.node.wasm.withShap.p50Ms)} / ${f(r.node.wasm.withShap.p99Ms)} | |`,
    `| Node: one transaction without SHAP, p50 / p99 ms | ${f(r.node.js.withoutShap.p50Ms)} / ${f(r.node.js.withoutShap.p99Ms)} | ${f(r.node.wasm.withoutShap.p50Ms)} / ${f(r.node.wasm.withoutShap.p99Ms)} | |`,
    `| Chromium: one transaction, features+score+SHAP, p50 / p99 ms | ${f(chromiumJs.withShap.p50Ms)} / ${f(chromiumJs.withShap.p99Ms)} | ${f(chromiumWasm.withShap.p50Ms)} / ${f(chromiumWasm.withShap.p99Ms)} | |`,
    `| Chromium: cold start (import, bundle, first score) ms | ${f(chromiumJs.coldStartMs, 0)} | ${f(chromiumWasm.coldStartMs, 0)} | js <= 300 |`,
    `| model alone, one row, p50 / p99 ms | ${f(r.backends.singleRow.js.p50Ms, 4)} / ${f(r.backends.singleRow.js.p99Ms, 4)} | ${f(r.backends.singleRow.wasm.p50Ms, 4)} / ${f(r.backends.singleRow.wasm.p99Ms, 4)} | js p50 <= 0.5x wasm: ratio ${f(r.backends.singleRow.js.p50Ms / r.backends.singleRow.wasm.p50Ms, 2)} |`,
    `| model alone, 1,000-row batch, rows/s | ${f(r.backends.batch1000RowsPerSecond.js, 0)} | ${f(r.backends.batch1000RowsPerSecond.wasm, 0)} | js >= 0.7x wasm: ratio ${f(r.backends.batch1000RowsPerSecond.js / r.backends.batch1000RowsPerSecond.wasm, 2)} |`,
    `| size, gzipped | SDK JS ${f(r.size.sdkGzipBytes / 1024, 1)} KB | onnxruntime-web JS ${f(r.size.onnxruntimeWebJsGzipBytes / 1024, 1)} KB + wasm ${f(r.size.onnxruntimeWasmGzipBytes / 1024, 0)} KB (${f(r.size.onnxruntimeWasmBytes / 1048576, 1)} MB raw) | SDK <= 60 KB |`,
  ];
  console.log(lines.join('\n'));
  console.log(
    `\n${treeShapTables(r.treeShap.defaultBundle, r.treeShap.deep, r.chromium['deep'] as any, JSON.parse(await readFile(join(deepDir, 'pair.json'), 'utf8')))}`,
  );
  await writeFile(join(sdk, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nJSON: sdk/bench/results.json');
} finally {
  await rm(work, { recursive: true, force: true });
}
