// Shared Vite/Vitest configuration: one test run covers every workspace package.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Compiles the dashboard's .svelte components (server-side rendering in Node) for their tests; other files untouched.
  plugins: [svelte({ configFile: false })],
  test: {
    include: ['{models/simulator,sdk,edge,server,dashboard,examples,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
