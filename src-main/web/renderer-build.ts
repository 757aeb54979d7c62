import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** The built renderer the harness (and the demo) serve. */
export const RENDERER_DIR = resolve(root, 'out/renderer');

/** Builds the app (renderer included) with `electron-vite build` if there is no built renderer. */
export async function ensureRendererBuilt(log: (line: string) => void): Promise<void> {
  if (existsSync(resolve(RENDERER_DIR, 'index.html'))) return;
  log('no built renderer, running `electron-vite build`…');
  const code = await new Promise<number>((done, fail) => {
    const child = spawn('npx', ['electron-vite', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
    child.on('error', fail);
    child.on('exit', (exitCode) => done(exitCode ?? 1));
  });
  if (code !== 0) throw new Error(`electron-vite build failed (exit code ${code})`);
}
