/**
 * The browser harness: `npm run web -- [--port P] [--data-dir D]`.
 *
 * Runs the core in a worker thread as the Electron app does, and serves the built renderer with
 * the core's API over a WebSocket on 127.0.0.1. Prints exactly one line on stdout when ready,
 * `ready: http://127.0.0.1:P/?secret=…` (the page to open); everything else goes to stderr.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCoreWorker } from '../worker/core-client';
import { ensureRendererBuilt, RENDERER_DIR as rendererDir } from './renderer-build';
import { startWebServer } from './server';

const root = resolve(import.meta.dirname, '../..');

function readArgs(): { port: number; dataDir: string } {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, 'data-dir': { type: 'string' } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be a port number, got ${values.port}`);
  }
  return { port, dataDir: resolve(values['data-dir'] ?? resolve(root, '.data/web')) };
}

async function main(): Promise<void> {
  const { port, dataDir } = readArgs();
  await ensureRendererBuilt((line) => console.error(`web: ${line}`));
  mkdirSync(dataDir, { recursive: true });
  const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  // No secret wrapper: without Electron there is no OS keychain, so the core keeps its secrets
  // (access tokens, crypto store keys) in `<dataDir>/secrets.json`, readable by this user only.
  const core = startCoreWorker({
    entry: new URL('../worker/core-worker.ts', import.meta.url),
    options: { dataDir, appVersion: version },
  });
  core.onEvent((event) => {
    if (event.type === 'core.status') console.error(`web: core ${event.data.status}`);
  });
  const server = await startWebServer({ core, rendererDir, port });
  console.error(`web: data in ${dataDir}`);
  process.stdout.write(`ready: ${server.pageUrl}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.error('web: stopping');
    void Promise.allSettled([server.close(), core.close()]).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('web:', err instanceof Error ? err.message : err);
  process.exit(1);
});
