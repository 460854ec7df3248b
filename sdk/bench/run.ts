// `pnpm bench` in sdk: the SDK's speed and size, each beside its baseline measured in the same run.
//   1. one transaction, features + score + SHAP, p50/p99, Node and Chromium, both backends
//   2. scoring without SHAP: the 'js' evaluator vs onnxruntime-web, one row and a 1,000-row batch (Node)
//   3. cold start in Chromium (import, load bundle, first score), both backends
//   4. TreeSHAP rows/s vs LightGBM pred_contrib + XGBoost pred_contribs (Python, one thread, same rows)
//   5. size: the SDK's JavaScript gzipped without onnxruntime-web; onnxruntime-web's JS and wasm
// Prints a table and writes bench/results.json. Run: pnpm --filter @fraudscore/sdk bench
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { createScorer, directorySource } from '../src/node.js';
import { createOnnxModel } from '../src/onnx.js';
import { parseTrees, TreeExplainer } from '../src/trees/index.js';
import { launchChromium } from '../test/browser/chromium.js';
import { serveDirectory } from '../test/browser/static-server.js';

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

async function treeShapVsNative() {
  const trees = parseTrees(JSON.parse(await readFile(join(bundleDir, 'trees.json'), 'utf8')));
  const manifest = JSON.parse(await readFile(join(bundleDir, 'manifest.json'), 'utf8'));
  const explainer = new TreeExplainer(trees);
  const rows = (
    JSON.parse(await readFile(join(repo, 'models/conformance/default/shap.json'), 'utf8')).rows as {
      features: (number | null)[];
    }[]
  ).map((r) => Float64Array.from(r.features, (v) => v ?? Number.NaN));
  const out = new Float64Array(manifest.features.length);
  const repeat = 20;
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < 5; k++) {
    const started = nowMs();
    for (let r = 0; r < repeat; r++)
      for (const row of rows) explainer.explainEnsemble(manifest.ensemble.weights, row, out);
    best = Math.min(best, nowMs() - started);
  }
  const tsRowsPerSecond = (rows.length * repeat) / (best / 1000);
  const native = JSON.parse(
    execFileSync(python, [join(sdk, 'bench/treeshap/native.py')], { encoding: 'utf8', maxBuffer: 1 << 24 }),
  );
  return { typescriptRowsPerSecond: tsRowsPerSecond, native };
}

async function chromium(work: string) {
  const out = join(work, 'bench-site');
  await build({
    root: join(sdk, 'bench/page'),
    logLevel: 'warn',
    configFile: false,
    resolve: { alias: { '@fraudscore/sdk': join(sdk, 'dist/index.js') } },
    build: { outDir: out, emptyOutDir: true, target: 'es2022' },
  });
  await cp(bundleDir, join(out, 'bundle'), { recursive: true });
  await mkdir(join(out, 'ort'));
  for (const file of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'])
    await cp(join(ortDist, file), join(out, 'ort', file));
  const site = await serveDirectory(out, { isolated: true });
  const browser = await launchChromium();
  const results: Record<string, unknown> = {};
  try {
    for (const backend of ['wasm', 'js']) {
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

if (JSON.parse(await readFile(join(sdk, 'package.json'), 'utf8')).name !== '@fraudscore/sdk')
  throw new Error('run from sdk/: pnpm --filter @fraudscore/sdk bench');
const work = await mkdtemp(join(tmpdir(), 'fraudscore-bench-'));
try {
  const results = {
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    node: { wasm: await nodeEndToEnd('wasm'), js: await nodeEndToEnd('js') },
    backends: await backendsAlone(),
    treeShap: await treeShapVsNative(),
    chromium: await chromium(work),
    size: await sizes(work),
  };
  const r = results;
  const f = (x: number, d = 3) => x.toFixed(d);
  const nativeEnsemble = (r.treeShap.native as any).batch.ensemble_rows_per_s as number;
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
    `| TreeSHAP, ensemble rows/s (one thread) | ${f(r.treeShap.typescriptRowsPerSecond, 0)} | native C++ (Python, batch): ${f(nativeEnsemble, 0)} | time ratio ${f(nativeEnsemble / r.treeShap.typescriptRowsPerSecond, 2)} (<= 1.0, stretch 0.6) |`,
    `| size, gzipped | SDK JS ${f(r.size.sdkGzipBytes / 1024, 1)} KB | onnxruntime-web JS ${f(r.size.onnxruntimeWebJsGzipBytes / 1024, 1)} KB + wasm ${f(r.size.onnxruntimeWasmGzipBytes / 1024, 0)} KB (${f(r.size.onnxruntimeWasmBytes / 1048576, 1)} MB raw) | SDK <= 60 KB |`,
  ];
  console.log(lines.join('\n'));
  await writeFile(join(sdk, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nJSON: sdk/bench/results.json');
} finally {
  await rm(work, { recursive: true, force: true });
}
