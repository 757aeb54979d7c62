import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = import.meta.dirname;
const migrationsDir = resolve(root, 'src-main/storage/migrations');

/**
 * Copies the SQL migrations next to the main bundle (out/main/migrations/): storage/db.ts reads
 * them from `join(import.meta.dirname, 'migrations')`, which is out/main once bundled.
 */
function copyMigrations(): Plugin {
  return {
    name: 'lightmatrix:copy-migrations',
    generateBundle() {
      for (const name of readdirSync(migrationsDir).filter((f) => f.endsWith('.sql'))) {
        const file = resolve(migrationsDir, name);
        this.addWatchFile(file);
        this.emitFile({
          type: 'asset',
          fileName: `migrations/${name}`,
          source: readFileSync(file, 'utf8'),
        });
      }
    },
  };
}

export default defineConfig({
  main: {
    plugins: [copyMigrations()],
    build: {
      // Two entries: the Electron main process, and the worker thread the core runs in
      // (src-main/index.ts starts out/main/core-worker.js).
      lib: {
        entry: {
          index: resolve(root, 'src-main/index.ts'),
          'core-worker': resolve(root, 'src-main/worker/core-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // CommonJS, so the preload can run in a sandboxed renderer (an ESM preload cannot).
      lib: {
        entry: resolve(root, 'src-main/preload/index.ts'),
        formats: ['cjs'],
        fileName: () => 'index.cjs',
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    // The app icon doubles as the favicon; served in dev, copied next to index.html in builds.
    publicDir: resolve(root, 'resources'),
    plugins: [svelte({ configFile: resolve(root, 'svelte.config.js') })],
    build: {
      rolldownOptions: {
        input: resolve(root, 'src-renderer/index.html'),
      },
    },
  },
});
