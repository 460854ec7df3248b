// The SDK in Debian's Chromium: a page built with Vite scores transactions in a Web Worker with both backends,
// keeping the customer's history in IndexedDB; the results must equal Node's. A screenshot is kept as an artifact.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScorer, directorySource, type ScoreResult, type Transaction } from '../../src/node.js';
import { launchChromium } from './chromium.js';
import { serveDirectory } from './static-server.js';
import { DEFAULT_BUNDLE_DIR, readConformanceJson, REPO_ROOT } from '../../../test/fixtures.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const bundleDir = DEFAULT_BUNDLE_DIR;
const artifacts = join(REPO_ROOT, 'test-results');

const WEEK = 7 * 86_400_000;
let cached: Transaction[] | undefined;

/** A few customers' transactions from the conformance stream, in order (the device sees its own history only),
 * moved forward by whole weeks to end this week: histories keep recent transactions only, and whole weeks keep
 * the weekday and hour features. */
async function transactions(): Promise<Transaction[]> {
  if (cached) return cached;
  const doc = readConformanceJson('features.json') as {
    transactions: (Transaction & { timestampMs: number })[];
  };
  const customers = new Set(doc.transactions.slice(0, 3).map((t) => t.customerId));
  const chosen = doc.transactions.filter((t) => customers.has(t.customerId)).slice(0, 80);
  const shift = Math.floor((Date.now() - chosen.at(-1)!.timestampMs) / WEEK) * WEEK;
  cached = chosen.map(({ label: _label, timestampMs, ...tx }) => ({ ...tx, timestamp: timestampMs + shift }));
  return cached;
}

async function nodeResults(txs: Transaction[], backend: 'wasm' | 'js'): Promise<ScoreResult[]> {
  const scorer = await createScorer({ bundle: directorySource(bundleDir), backend, cache: false });
  const results: ScoreResult[] = [];
  for (const tx of txs) results.push(await scorer.score(tx, { record: true }));
  await scorer.dispose();
  return results;
}

let site: { url: string; close: () => Promise<void> };
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fraudscore-browser-'));
  const out = join(work, 'site');
  await build({
    root: join(here, 'page'),
    logLevel: 'warn',
    configFile: false,
    resolve: {
      alias: [
        { find: /^@fraudscore\/sdk$/, replacement: join(REPO_ROOT, 'sdk/dist/index.js') },
        { find: /^@fraudscore\/sdk\/trees$/, replacement: join(REPO_ROOT, 'sdk/dist/trees/index.js') },
      ],
    },
    worker: { format: 'es' },
    build: { outDir: out, emptyOutDir: true, target: 'es2022' },
  });
  await cp(bundleDir, join(out, 'bundle'), { recursive: true });
  await mkdir(join(out, 'ort'));
  const ortDist = join(REPO_ROOT, 'sdk/node_modules/onnxruntime-web/dist');
  for (const file of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'])
    await cp(join(ortDist, file), join(out, 'ort', file));
  await writeFile(join(out, 'transactions.json'), JSON.stringify(await transactions()));
  site = await serveDirectory(out);
}, 120_000);

afterAll(async () => {
  await site?.close();
  await rm(work, { recursive: true, force: true });
});

describe('SDK in Chromium', () => {
  it('scores in a worker with both backends exactly as Node does', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on('console', (message) => logs.push(message.text()));
      await page.goto(site.url);
      await page.waitForFunction(() => window.__results !== undefined || window.__error !== undefined, undefined, {
        timeout: 60_000,
      });
      const error = await page.evaluate(() => window.__error);
      expect(error, logs.join('\n')).toBeUndefined();
      const runs = (await page.evaluate(() => window.__results))!;
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'sdk-browser.png'), fullPage: true });

      const txs = await transactions();
      for (const run of runs) {
        const expected = await nodeResults(txs, run.backend as 'wasm' | 'js');
        expect(run.results).toHaveLength(txs.length);
        run.results.forEach((result, i) => {
          const want = expected[i]!;
          expect(result.transactionId).toBe(want.transactionId);
          expect(Math.abs(result.probability - want.probability)).toBeLessThanOrEqual(1e-12);
          expect(result.riskLevel).toBe(want.riskLevel);
          expect(result.features).toEqual(want.features);
          result.shap!.values.forEach((v, j) => expect(Math.abs(v - want.shap!.values[j]!)).toBeLessThanOrEqual(1e-12));
        });
        expect(run.results.some((r) => r.features['CUSTOMER_ID_NB_TX_30DAY_WINDOW']! > 1)).toBe(true); // history was used
        expect(run.results.every((r) => r.features['TERMINAL_ID_RISK_7DAY_WINDOW'] === null)).toBe(true); // the device cannot know it
      }

      // TreeSHAP keeps to the browser's budget: 2 MiB per model, of which at most 1 MiB of leaf tables
      const { budget, usage } = (await page.evaluate(() => window.__explainer))!;
      expect(budget).toBe(2 * 2 ** 20);
      for (const name of ['lightgbm', 'xgboost']) {
        expect(usage[name]!.bytes).toBeLessThanOrEqual(budget);
        expect(usage[name]!.trees.walk).toBe(0); // the Linear TreeSHAP index fits, so nothing falls back to the walk
      }
      expect(usage['lightgbm']!.trees.tables).toBeGreaterThan(0);
      expect(usage['lightgbm']!.trees.linear).toBeGreaterThan(0); // its 16.5 MB of possible tables would not fit
    } finally {
      await browser.close();
    }
  });
});
