// The one module that touches onnxruntime-web, and only when the 'wasm' backend asks for it: a dynamic import, so a
// 'js'-only user (the server, the edge) never loads it and need not install it (an optional peer dependency). It
// imports the WebAssembly-only entry: the default browser entry loads the 28 MB WebGPU build, which lacks the tree
// operators model.onnx uses.
import type * as Ort from 'onnxruntime-web/wasm';
import { InferenceError, ModelLoadError } from './errors.js';

type OrtModule = typeof Ort;

/** The version the SDK is tested with (its conformance vectors); package.json's peer dependency says the same. */
export const ONNXRUNTIME_WEB_VERSION = '1.30.0';

let loading: Promise<OrtModule> | undefined;

/** onnxruntime-web's WebAssembly entry, imported on first use; a missing package says how to fix it. */
export function loadOnnxRuntime(): Promise<OrtModule> {
  loading ??= import('onnxruntime-web/wasm').catch((cause: unknown) => {
    loading = undefined; // installed later (a dev server), the next call tries again
    throw new ModelLoadError(
      `backend 'wasm' needs the onnxruntime-web package, which could not be loaded (${String(cause)}); ` +
        `install it beside @fraudscore/sdk (npm install onnxruntime-web@${ONNXRUNTIME_WEB_VERSION}) or use backend: 'js'`,
      { cause },
    );
  });
  return loading;
}

export interface OnnxOptions {
  /** Where the ort-wasm-*.wasm/.mjs files are served from (browsers); defaults to next to onnxruntime-web. */
  wasmPaths?: string | undefined;
  /** WebAssembly threads; more than 1 needs cross-origin isolation in browsers. */
  threads?: number | undefined;
}

export interface OnnxOutputs {
  margins: Record<string, Float64Array>;
  margin: Float64Array;
  probability: Float64Array;
}

export interface OnnxModel {
  run(rows: Float64Array, count: number): Promise<OnnxOutputs>;
  release(): Promise<void>;
}

export async function createOnnxModel(
  bytes: Uint8Array,
  width: number,
  modelNames: readonly string[],
  options: OnnxOptions = {},
): Promise<OnnxModel> {
  const ort = await loadOnnxRuntime();
  ort.env.wasm.numThreads = options.threads ?? 1;
  if (options.wasmPaths) ort.env.wasm.wasmPaths = options.wasmPaths;
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (cause) {
    throw new ModelLoadError(
      `onnxruntime-web could not load model.onnx (${String(cause)}); check that the ort-wasm files are reachable (wasmPaths) or use backend: 'js'`,
      { cause },
    );
  }
  return {
    async run(rows, count) {
      if (rows.length !== count * width)
        throw new InferenceError(`expected ${count} rows of ${width} features, got ${rows.length} values`);
      let out: Ort.InferenceSession.OnnxValueMapType;
      try {
        out = await session.run({ features: new ort.Tensor('float64', rows, [count, width]) });
      } catch (cause) {
        throw new InferenceError(`onnxruntime-web failed to score: ${String(cause)}`, { cause });
      }
      const column = (name: string): Float64Array => {
        const tensor = out[name];
        if (!tensor || !(tensor.data instanceof Float64Array))
          throw new InferenceError(`model.onnx has no float64 output ${name}`);
        return tensor.data;
      };
      return {
        margins: Object.fromEntries(modelNames.map((name) => [name, column(`margin_${name}`)])),
        margin: column('margin'),
        probability: column('probability'),
      };
    },
    release: () => session.release(),
  };
}
