// The dashboard's Vite config: `vite` (dev server with a proxy to a running fraudscore server), `vite build`
// (static files in dist/, served by the server at /). FRAUDSCORE_URL says where the dev proxy sends API calls.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const target = process.env['FRAUDSCORE_URL'] ?? 'http://127.0.0.1:8000';
const api = ['/v1', '/v2', '/mlflow', '/threshold', '/model-info', '/drift', '/metrics', '/health', '/openapi.json'];

export default defineConfig({
  // Relative asset URLs: the built files work at / or under any prefix.
  base: './',
  plugins: [svelte({ configFile: false })],
  server: { proxy: Object.fromEntries(api.map((path) => [path, { target, changeOrigin: true }])) },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, reportCompressedSize: true },
});
