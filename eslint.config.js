// ESLint for every TypeScript, Svelte and JavaScript file: the recommended rule sets of ESLint, typescript-eslint and
// eslint-plugin-svelte, plus typescript-eslint's type-aware promise rules (a floating promise loses its rejection).
// Formatting is Prettier's (.prettierrc.json); none of these sets has formatting rules.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The programs that give type information: each package's test tsconfig covers its sources and tests;
// tsconfig.eslint.json covers the files outside the packages (the root vite.config.ts, test/ops).
const project = [
  'tsconfig.eslint.json',
  'dashboard/tsconfig.json',
  'edge/tsconfig.test.json',
  'examples/*/tsconfig.test.json',
  'examples/web-banking/tsconfig.json',
  'models/simulator/tsconfig.test.json',
  'sdk/tsconfig.test.json',
  'server/tsconfig.test.json',
];

export default defineConfig(
  globalIgnores([
    '**/dist/',
    '**/dist-baseline*/',
    '**/.build/',
    '**/.venv/',
    'models/work/',
    'models/.cache/',
    'test-results/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: {
      parserOptions: { project, tsconfigRootDir: import.meta.dirname, extraFileExtensions: ['.svelte'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `_`-prefixed names are deliberately unused (an argument kept for its position, a destructured-away field).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    // The components are TypeScript: svelte-check resolves their names, as tsc does for .ts files.
    rules: { 'no-undef': 'off' },
  },
  {
    // Tests and benchmarks read JSON fixtures and corrupt them field by field to test the validators; `any` is the
    // honest type of such a document. Library code keeps the rule.
    files: ['**/*.test.ts', '**/test-support/**', 'test/fixtures.ts', 'sdk/test/**', '**/bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Plain JavaScript (bench scripts, a bench page) has no TypeScript program: no type-aware rules there.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
