/**
 * `npm run demo -- [--port P] [--data-dir D] [--no-open]`: the app, signed in to a seeded
 * homeserver of its own, with a bot to talk to (see `demo.ts`). Prints exactly one line on
 * stdout when ready, `ready: http://127.0.0.1:P/?secret=…`, then opens it in the system browser
 * unless `--no-open`; everything else goes to stderr.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDemo } from './demo';

const root = resolve(import.meta.dirname, '../..');

function readArgs(): { port: number; dataDir: string; open: boolean } {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      'no-open': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be a port number, got ${values.port}`);
  }
  const dataDir = resolve(values['data-dir'] ?? resolve(root, '.data/demo'));
  return { port, dataDir, open: !values['no-open'] };
}

/** Opens `url` in the system browser if there is a way to; failing to is no error. */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => console.error(`demo: could not run ${command}; open the URL yourself`));
    child.unref();
  } catch {
    console.error('demo: could not open a browser; open the URL yourself');
  }
}

async function main(): Promise<void> {
  const { port, dataDir, open } = readArgs();
  const demo = await startDemo({ dataDir, port, log: (line) => console.error(line) });
  process.stdout.write(`ready: ${demo.pageUrl}\n`);
  console.error(
    'demo: signed in as "demo" (password "demo"); write to Ada (an encrypted chat) to get an answer',
  );
  if (open) openBrowser(demo.pageUrl);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.error('demo: stopping');
    void demo.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('demo:', err instanceof Error ? err.message : err);
  process.exit(1);
});
