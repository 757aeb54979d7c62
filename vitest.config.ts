import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      {
        // Never load the real `electron` package in unit tests (see the target file).
        find: /^electron(\/.*)?$/,
        replacement: fileURLToPath(new URL('./e2e/tools/electron-unavailable.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/**/*.test.ts', 'e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
