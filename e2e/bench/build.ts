/**
 * Bundles the benchmark children to plain JavaScript with vite (as electron-vite bundles the
 * app's main process), so each side runs under plain `node`: no TypeScript loader hooks, whose
 * per-module cost would add to both sides' CPU and memory (most to js-sdk's ~400 modules).
 */
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { ROOT } from './homeserver-process';

/** The children, by name (`<outDir>/<name>.mjs`). */
export const CHILDREN = [
  'jssdk-sync',
  'ours-sync',
  'ours-cold',
  'crypto-decrypt',
  'crypto-store-child',
] as const;

/** A child's name. */
export type ChildName = (typeof CHILDREN)[number];

/**
 * Builds every child into `<workDir>/build/`, with packages left external (resolved through a
 * `node_modules` link in `workDir`) and the SQL migrations copied beside the bundle, where
 * `storage/db.ts` looks for them. Returns the output folder.
 */
export async function buildChildren(workDir: string): Promise<string> {
  const outDir = join(workDir, 'build');
  mkdirSync(workDir, { recursive: true });
  const link = join(workDir, 'node_modules');
  if (!existsSync(link)) symlinkSync(join(ROOT, 'node_modules'), link, 'junction');
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    build: {
      ssr: true,
      outDir,
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      reportCompressedSize: false,
      rolldownOptions: {
        input: Object.fromEntries(CHILDREN.map((c) => [c, join(ROOT, 'e2e/bench', `${c}.ts`)])),
        output: { format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: '[name].mjs' },
      },
    },
  });
  cpSync(join(ROOT, 'src-main/storage/migrations'), join(outDir, 'migrations'), {
    recursive: true,
  });
  return outDir;
}
