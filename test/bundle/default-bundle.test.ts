// The committed default bundle, checked from TypeScript the way the SDK will load it: every file against the
// manifest's sha256 with WebCrypto, and model.onnx run by onnxruntime-web's WebAssembly backend against the
// conformance vectors that Python wrote from the native LightGBM and XGBoost models.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web/wasm';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../models/', import.meta.url));
const bundleDir = `${root}bundles/default/`;
const fixturesDir = `${root}conformance/default/`;

interface Manifest {
  features: string[];
  threshold: number;
  ensemble: { weights: Record<string, number> };
  files: Record<string, { sha256: string; bytes: number }>;
}
interface ScoreRow {
  features: (number | null)[];
  margins: Record<'lightgbm' | 'xgboost', { native: number; onnx: number; trees: number }>;
  margin: number;
  probability: number;
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;
const hex = (buffer: ArrayBuffer): string => Buffer.from(buffer).toString('hex');

let manifest: Manifest;
let rows: ScoreRow[];

beforeAll(async () => {
  manifest = await readJson<Manifest>(`${bundleDir}manifest.json`);
  rows = (await readJson<{ rows: ScoreRow[] }>(`${fixturesDir}scores.json`)).rows;
});

describe('default bundle', () => {
  it('lists every file with a sha256 that WebCrypto reproduces', async () => {
    expect(Object.keys(manifest.files).sort()).toEqual(['features.json', 'model.onnx', 'reference.json', 'trees.json']);
    for (const [name, entry] of Object.entries(manifest.files)) {
      const bytes = await readFile(`${bundleDir}${name}`);
      expect(bytes.byteLength, name).toBe(entry.bytes);
      expect(hex(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes))), name).toBe(entry.sha256);
    }
  });

  it('runs in onnxruntime-web (wasm) with the native margins', async () => {
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(await readFile(`${bundleDir}model.onnx`), {
      executionProviders: ['wasm'],
    });
    const width = manifest.features.length;
    const input = Float64Array.from(rows.flatMap((row) => row.features.map((v) => v ?? Number.NaN)));
    const out = await session.run({ features: new ort.Tensor('float64', input, [rows.length, width]) });
    const column = (name: string): Float64Array => out[name]!.data as Float64Array;
    let worst = { lightgbm: 0, xgboost: 0, probability: 0 };
    rows.forEach((row, i) => {
      worst = {
        lightgbm: Math.max(worst.lightgbm, Math.abs(column('margin_lightgbm')[i]! - row.margins.lightgbm.native)),
        xgboost: Math.max(worst.xgboost, Math.abs(column('margin_xgboost')[i]! - row.margins.xgboost.native)),
        probability: Math.max(worst.probability, Math.abs(column('probability')[i]! - row.probability)),
      };
    });
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.some((row) => row.features.includes(null))).toBe(true);
    expect(worst.lightgbm).toBeLessThanOrEqual(1e-9);
    expect(worst.xgboost).toBeLessThanOrEqual(1e-6);
    expect(worst.probability).toBeLessThanOrEqual(1e-5);
    await session.release();
  });
});
