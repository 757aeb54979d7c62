import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      lib: { entry: resolve(root, 'src-main/index.ts') },
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
