// A Vite plugin that gives the app what it needs to pre-score offline, without committing copies of anything:
//  - dev: serves the model bundle at /bundle/ and onnxruntime-web's wasm files at /ort/ straight from the repo;
//  - build: copies them into the output (bundle/, ort/), builds src/sw.ts as sw.js, and writes the list of every
//    output file (the precache manifest, with a version hashed from their contents) into sw.js.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { defaultClientConditions, type Plugin } from 'vite';

/** onnxruntime-web's WebAssembly build that the SDK's wasm backend loads (the plain SIMD one, no WebGPU). */
export const ORT_FILES = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'] as const;

/** The identifier in src/sw.ts that the build replaces with the precache manifest. */
const PLACEHOLDER = '__PRECACHE_MANIFEST__';

export interface OfflineAssetsOptions {
  /** The model bundle directory to serve and copy (manifest.json, features.json, model.onnx, trees.json, …). */
  bundleDir: string;
  /** The service worker's source, built as sw.js next to index.html. */
  serviceWorker: string;
  /** onnxruntime-web's dist directory; by default the one the SDK depends on. */
  ortDir?: string;
}

/**
 * onnxruntime-web is the SDK's optional peer, which this app installs because it uses the 'wasm' backend: resolve it
 * from the SDK, where the SDK's own dynamic import finds it, so the wasm files always match the JS that loads them.
 */
export function sdkOrtDir(): string {
  const fromApp = createRequire(import.meta.url);
  let sdkEntry: string;
  try {
    sdkEntry = fromApp.resolve('@fraudscore/sdk');
  } catch (cause) {
    throw new Error('@fraudscore/sdk is not built: run `pnpm --filter @fraudscore/sdk build` first', { cause });
  }
  return dirname(createRequire(sdkEntry).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
}

const TYPES: Record<string, string> = {
  json: 'application/json',
  wasm: 'application/wasm',
  mjs: 'text/javascript',
  onnx: 'application/octet-stream',
};

export function offlineAssets(options: OfflineAssetsOptions): Plugin {
  const ortDir = options.ortDir ?? sdkOrtDir();
  /** Output path → source file: bundle/<name> for every file of the bundle directory, ort/<name> for the two. */
  const list = async (): Promise<Map<string, string>> => {
    const files = new Map<string, string>();
    for (const entry of await readdir(options.bundleDir, { withFileTypes: true })) {
      if (entry.isFile()) files.set(`bundle/${entry.name}`, join(options.bundleDir, entry.name));
    }
    if (!files.has('bundle/manifest.json'))
      throw new Error(`${options.bundleDir} has no manifest.json: point bundleDir at a model bundle`);
    for (const name of ORT_FILES) files.set(`ort/${name}`, join(ortDir, name));
    return files;
  };
  let listed: Promise<Map<string, string>> | undefined;
  const sources = (): Promise<Map<string, string>> => (listed ??= list());

  let building = false;
  return {
    name: 'fraudscore-offline-assets',

    config() {
      // onnxruntime-web's own switch for "the wasm files are served separately" (ort.wasm.min.mjs): without it Vite
      // bundles ort.wasm.bundle.min.mjs, whose new URL(…wasm, import.meta.url) emits a second 14 MB copy.
      return { resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] } };
    },

    configResolved(config) {
      building = config.command === 'build';
    },

    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/^\//, '');
        // Only the known names are served: the map lookup is also the path-traversal guard.
        sources()
          .then(async (files) => {
            const file = files.get(path);
            if (!file) return next();
            const body = await readFile(file);
            response.writeHead(200, {
              'content-type': TYPES[path.split('.').pop() ?? ''] ?? 'application/octet-stream',
              'cache-control': 'no-cache',
            });
            response.end(body);
          })
          .catch(next);
      });
    },

    buildStart() {
      // configureServer covers dev; in builds the service worker is one more entry with a fixed name.
      if (!building) return;
      this.emitFile({ type: 'chunk', id: options.serviceWorker, fileName: 'sw.js' });
    },

    async generateBundle() {
      for (const [fileName, file] of await sources())
        this.emitFile({ type: 'asset', fileName, source: await readFile(file) });
    },

    async writeBundle(output) {
      // After every plugin has written its files (including the SDK's worker chunk): list and hash them all.
      const dir = output.dir;
      if (!dir) throw new Error('fraudscore-offline-assets needs build.outDir (output.dir)');
      const files = (await listFiles(dir)).filter((f) => f !== 'sw.js' && !f.endsWith('.map')).sort();
      const hash = createHash('sha256');
      for (const file of files)
        hash
          .update(file)
          .update('\0')
          .update(await readFile(join(dir, file)));
      const manifest = {
        version: hash.digest('hex').slice(0, 16),
        // index.html is cached as the scope's root ("./"), which navigations fall back to.
        urls: files.map((f) => (f === 'index.html' ? './' : f)),
      };
      const swPath = join(dir, 'sw.js');
      const code = await readFile(swPath, 'utf8');
      if (!code.includes(PLACEHOLDER))
        throw new Error(`sw.js does not mention ${PLACEHOLDER}: the precache manifest cannot be injected`);
      if (/^\s*import\s/m.test(code))
        throw new Error('sw.js imports another chunk: keep src/sw.ts free of imports (it runs as a classic script)');
      await writeFile(swPath, code.replaceAll(PLACEHOLDER, JSON.stringify(manifest)));
    },
  };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}
