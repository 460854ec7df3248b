// onnxruntime-web is an optional peer dependency: only the 'wasm' backend imports it, on first use. The mock counts
// the imports of its entry and passes through to the real package; the last test replaces it with a missing package.
import { readFile } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { createScorer, directorySource, type Transaction } from './node.js';
import { DEFAULT_BUNDLE_DIR } from '../../test/fixtures.js';

const ort = vi.hoisted(() => ({ imports: 0 }));
vi.mock('onnxruntime-web/wasm', async (importOriginal) => {
  ort.imports += 1;
  return importOriginal();
});

const bundleDir = DEFAULT_BUNDLE_DIR;
const tx: Transaction = {
  id: 't1',
  customerId: 'c1',
  terminalId: 'm9',
  amount: 250,
  timestamp: '2026-11-20T03:15:00Z',
};
const clock = (): number => Date.parse('2026-11-20T12:00:00Z');

describe('onnxruntime-web, loaded only for the wasm backend', () => {
  it("the 'js' backend scores and explains without importing it", async () => {
    const scorer = await createScorer({ bundle: directorySource(bundleDir), backend: 'js', cache: false, clock });
    const result = await scorer.score(tx);
    expect(result.probability).toBeGreaterThan(0);
    expect(result.topFactors.length).toBeGreaterThan(0);
    await scorer.dispose();
    expect(ort.imports).toBe(0);
  });

  it("the 'wasm' backend imports it once, on first use, and scores like 'js'", async () => {
    const js = await createScorer({ bundle: directorySource(bundleDir), backend: 'js', cache: false, clock });
    const wasm = await createScorer({ bundle: directorySource(bundleDir), backend: 'wasm', cache: false, clock });
    const again = await createScorer({ bundle: directorySource(bundleDir), backend: 'wasm', cache: false, clock });
    expect(ort.imports).toBe(1);
    expect((await wasm.score(tx)).probability).toBeCloseTo((await js.score(tx)).probability, 5);
    await Promise.all([js.dispose(), wasm.dispose(), again.dispose()]);
  });

  it('without the package, the wasm backend says how to install it or to use js', async () => {
    // A fresh SDK on a machine without onnxruntime-web: importing the package fails as Node's resolver does.
    vi.doMock('onnxruntime-web/wasm', () => {
      throw new Error("Cannot find package 'onnxruntime-web' imported from @fraudscore/sdk");
    });
    vi.resetModules();
    const { createOnnxModel, ONNXRUNTIME_WEB_VERSION } = await import('./onnx.js');
    const bytes = new Uint8Array(await readFile(new URL('model.onnx', `file://${bundleDir}`)));
    const refusal = createOnnxModel(bytes, 15, ['lightgbm', 'xgboost']);
    await expect(refusal).rejects.toMatchObject({ code: 'model_load_error' });
    await expect(refusal).rejects.toThrow(`npm install onnxruntime-web@${ONNXRUNTIME_WEB_VERSION}`);
    await expect(refusal).rejects.toThrow("use backend: 'js'");
    // The package's own version is the one the SDK declares as its peer.
    const sdk = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(sdk.peerDependencies['onnxruntime-web']).toBe(ONNXRUNTIME_WEB_VERSION);
    expect(sdk.peerDependenciesMeta['onnxruntime-web']?.optional).toBe(true);
  });
});
