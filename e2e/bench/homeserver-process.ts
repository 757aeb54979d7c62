/**
 * The test homeserver as its own process (`node --import tsx e2e/homeserver/main.ts`), so its
 * CPU time is never counted against the clients being measured.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root (where `node_modules/` and `package.json` are). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A homeserver running in a child process. */
export type HomeserverProcess = {
  /** `http://127.0.0.1:PORT` */
  url: string;
  pid: number;
  /** Stops it with SIGTERM (SIGKILL after 5 s) and waits for the exit. */
  stop(): Promise<void>;
};

const READY = /^homeserver listening on (http:\/\/127\.0\.0\.1:\d+)$/;

/**
 * Starts `e2e/homeserver/main.ts --port 0 --test-mode --data <dataDir>` and resolves with its URL
 * once it prints its ready line.
 */
export async function startHomeserverProcess(dataDir: string): Promise<HomeserverProcess> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'e2e/homeserver/main.ts', '--port', '0', '--test-mode', '--data', dataDir],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const lines = createInterface({ input: proc.stdout });
  const stop = async () => {
    lines.close();
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), 60_000);
      lines.once('line', (line) => {
        clearTimeout(timer);
        const m = READY.exec(line);
        if (m) resolve(m[1]!);
        else reject(new Error(`unexpected first line: ${line}`));
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`homeserver exited with ${proc.exitCode}; stderr: ${stderr}`));
      });
    });
    return { url, pid: proc.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
