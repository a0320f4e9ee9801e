import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'custom-elements.json', 'test-artifacts/', '.data/',
      // the frameworks suite's apps: checked by their own tsc, vue-tsc, svelte-check and next build
      'test/frameworks/*/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { ignores: ['src/server/**'], languageOptions: { globals: globals.browser } },
  {
    files: ['src/**/*.ts', 'demo/page/**/*.ts', 'demo/stand-in/**/*.ts', 'test/browser/**/*.ts'],
    ignores: ['src/server/**'],
    ...lit.configs['flat/recommended'],
  },
  {
    files: ['src/**/*.ts', 'demo/page/**/*.ts', 'demo/stand-in/**/*.ts'],
    ignores: ['src/server/**'],
    ...wc.configs['flat/best-practice'],
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  // The server entry and the element's modules never import each other (package.json keeps the
  // server entry out of browser builds; this keeps the browser side out of it and jose out of the element).
  {
    files: ['src/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['./server', './server/*'], message: 'src/server is server-only.' }] }] },
  },
  { files: ['src/server/**/*.ts'], languageOptions: { globals: globals.node } },
  ...[
    ['src/server/*.ts', '../*'],
    ['src/server/*/*.ts', '../../*'],
  ].map(([files, outside]) => ({
    files: [files],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: [outside], message: 'src/server imports nothing from the browser side.' }] }] },
  })),
  {
    files: ['scripts/**', 'bench/**', 'demo/server/**', 'test/server/**', 'test/postgres/**', 'test/e2e/**', '*.config.*'],
    languageOptions: { globals: globals.node },
    rules: { 'no-console': 'off' },
  },
);
