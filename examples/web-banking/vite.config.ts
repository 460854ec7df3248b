// The example's Vite config: `vite` (dev), `vite build`, `vite preview`. The offline-assets plugin serves or copies
// the model bundle and onnxruntime-web's wasm files and builds the service worker with its precache list.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { offlineAssets } from './offline-assets.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // Relative asset URLs: the built app works from any path (a sub-folder of a bank's site, a WebView's file server).
  base: './',
  plugins: [
    offlineAssets({
      // FRAUDSCORE_BUNDLE points the app at another exported bundle directory.
      bundleDir: process.env['FRAUDSCORE_BUNDLE'] ?? here('../../models/bundles/default'),
      serviceWorker: here('src/sw.ts'),
    }),
  ],
  worker: { format: 'es' },
  // The built site goes outside the repository (WEB_BANKING_OUT_DIR, default <tmp>/fraudscore-web-banking): it holds a
  // copy of the model bundle and of onnxruntime's 14 MB wasm, which have no place in a working tree. `vite preview`
  // reads the same setting.
  build: {
    target: 'es2022',
    outDir: process.env['WEB_BANKING_OUT_DIR'] ?? join(tmpdir(), 'fraudscore-web-banking'),
    emptyOutDir: true,
  },
});
