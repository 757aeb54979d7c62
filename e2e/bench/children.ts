/**
 * Runs one benchmark child (`node [nodeArgs] <bundled child>.mjs ...args`, see build.ts) and reads its
 * result line.
 */
import { spawn } from 'node:child_process';
import { ROOT } from './homeserver-process';
import { parseResult } from './metrics';

/** A child's outcome: its result, or why there is none. */
export type ChildOutcome<T> = { ok: true; result: T } | { ok: false; error: string };

const TIMEOUT_MS = 15 * 60_000;

/** Children still running, so an interrupted run can stop them. */
export const running = new Set<number>();

/** Runs the JavaScript file `script` in its own Node process, with `nodeArgs` for node itself. */
export function runChild<T>(
  script: string,
  args: string[],
  nodeArgs: readonly string[] = [],
): Promise<ChildOutcome<T>> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [...nodeArgs, script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(proc.pid!);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), TIMEOUT_MS);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(proc.pid!);
      const result = parseResult<T>(stdout);
      if (code === 0 && result) resolve({ ok: true, result });
      else {
        const why = signal ? `killed by ${signal}` : `exit code ${code}`;
        resolve({ ok: false, error: `${script}: ${why}\n${stderr.trim().slice(-2000)}` });
      }
    });
  });
}
