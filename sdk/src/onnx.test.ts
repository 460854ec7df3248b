// model.onnx in onnxruntime-web's WebAssembly backend (through the SDK's wrapper) against the conformance vectors
// that Python wrote from the native LightGBM and XGBoost models.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { InferenceError } from './errors.js';
import { createOnnxModel } from './onnx.js';
import { join } from 'node:path';
import { DEFAULT_BUNDLE_DIR, readBundleJson, readConformanceJson } from '../../test/fixtures.js';

interface ScoreRow {
  features: (number | null)[];
  margins: Record<'lightgbm' | 'xgboost', { native: number }>;
  probability: number;
}

describe('createOnnxModel', () => {
  it('gives the native margins and probabilities for every conformance row', async () => {
    const manifest = readBundleJson('manifest.json') as { features: string[] };
    const rows = (readConformanceJson('scores.json') as { rows: ScoreRow[] }).rows;
    const model = await createOnnxModel(
      new Uint8Array(await readFile(join(DEFAULT_BUNDLE_DIR, 'model.onnx'))),
      manifest.features.length,
      ['lightgbm', 'xgboost'],
    );
    const input = Float64Array.from(rows.flatMap((row) => row.features.map((v) => v ?? Number.NaN)));
    const out = await model.run(input, rows.length);
    const worst = { lightgbm: 0, xgboost: 0, probability: 0 };
    rows.forEach((row, i) => {
      worst.lightgbm = Math.max(worst.lightgbm, Math.abs(out.margins['lightgbm']![i]! - row.margins.lightgbm.native));
      worst.xgboost = Math.max(worst.xgboost, Math.abs(out.margins['xgboost']![i]! - row.margins.xgboost.native));
      worst.probability = Math.max(worst.probability, Math.abs(out.probability[i]! - row.probability));
    });
    expect(rows.some((row) => row.features.includes(null))).toBe(true);
    expect(worst.lightgbm).toBeLessThanOrEqual(1e-9);
    expect(worst.xgboost).toBeLessThanOrEqual(1e-6);
    expect(worst.probability).toBeLessThanOrEqual(1e-5);
    await expect(model.run(new Float64Array(7), 1)).rejects.toBeInstanceOf(InferenceError);
    await model.release();
  });
});
