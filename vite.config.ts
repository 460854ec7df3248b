// Shared Vite/Vitest configuration: one test run covers every workspace package.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{models/simulator,sdk,edge,server,dashboard,examples,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
