import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import ts from 'typescript-eslint';
import layers from './e2e/tools/lint-layers.js';
import svelteConfig from './svelte.config.js';

export default defineConfig(
  globalIgnores([
    'out/',
    'node_modules/',
    'test-results/',
    'playwright-report/',
    'bench/',
    '.cache/',
    '.data/',
    'package-lock.json',
  ]),
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  prettier,
  svelte.configs.prettier,
  {
    languageOptions: { globals: globals.node },
  },
  {
    // Tests read deep into JSON replies; typing every reply shape there buys nothing.
    files: ['**/*.test.ts', 'e2e/homeserver/testing/**', 'e2e/interop/**', 'e2e/specs/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The test homeserver is used through its entry (`e2e/homeserver/index.ts`) and its test
    // helpers (`testing/`); its model, routes and store are its own business.
    files: ['**/*.ts'],
    ignores: ['e2e/homeserver/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)homeserver/(?!testing/[\\w-]+$)',
              message: "Import the test homeserver from 'e2e/homeserver' (or its testing/).",
            },
            {
              // Tools (demo, bench, specs) use the product through its entries: the contract
              // and the core's interface, the core, its worker host, the harness server, and
              // the library layers net/ and protocol/. Never its storage or services. Tests that
              // drive a core beside other clients (interop) may use the core's test harness.
              regex:
                '(^|/)src-main/(?!(ipc/[\\w-]+|core/core|worker/core-client|web/(server|renderer-build)|net/[\\w-]+|protocol/[\\w-]+|testing/core-harness)$)',
              message:
                'Tools use the product through its entries (README "Layers"): ipc/, core/core, worker/core-client, web/server, web/renderer-build, net/, protocol/ (and testing/core-harness in tests).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        parser: ts.parser,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },
  {
    // Promises that nobody awaits or catches lose their errors: typed rules catch them.
    files: ['**/*.ts', '**/*.svelte'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // README "Layers": lower layers never import higher ones. The order, lowest first.
    files: ['src-main/**/*.ts'],
    plugins: { layers },
    rules: {
      'layers/no-upward-import': [
        'error',
        {
          root: 'src-main',
          layers: [
            ['model'],
            ['protocol'],
            ['net'],
            ['storage'],
            ['sync'],
            ['crypto'],
            ['services'],
            ['ipc'],
            ['core'],
            ['worker'],
            ['web', 'electron', 'preload'],
            [''],
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte'],
    plugins: { layers },
    rules: {
      'layers/renderer-imports-contract-types': 'error',
      // Components by feature over state (`*.svelte.ts` classes) over lib (pure helpers).
      'layers/no-upward-import': [
        'error',
        {
          root: 'src-renderer',
          layers: [
            ['lib'],
            ['state'],
            ['composer', 'login', 'rooms', 'settings', 'shell', 'timeline'],
            [''],
          ],
          peers: true,
          outside: ['src-main/ipc/contract'],
        },
      ],
    },
  },
);
