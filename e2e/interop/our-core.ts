/**
 * Our core as an interop peer, beside js-sdk clients in the same test process: signed in on the
 * test homeserver, driven through `handle()`, its pushed events awaited. The core uses the
 * app's crypto wasm and js-sdk its own copy; no object crosses between them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core } from '../../src-main/core/core';
import type {
  AppEventOf,
  AppEventType,
  CommandName,
  CommandRequest,
  CommandResponse,
} from '../../src-main/ipc/contract';
import { PASSWORD } from './helpers';

const dirs: string[] = [];

/** A core signed in as `username` (password {@link PASSWORD}), after its first sync. */
export async function ourCore(url: string, username: string): Promise<Core> {
  const dir = mkdtempSync(join(tmpdir(), 'interop-core-'));
  dirs.push(dir);
  const core = new Core(dir, '0.0.0', {
    longPollMs: 1_000,
    syncTimeoutMs: 4_000,
    clientOptions: { maxRetries: 1, baseDelayMs: 50 },
  });
  await core.start();
  const from = core.events.lastSeq;
  await call(core, 'account.login', { server: url, username, password: PASSWORD });
  await pushed(core, 'sync.status', (e) => e.data.state === 'ok', from);
  return core;
}

/** Closes the cores and removes their data. */
export async function closeCores(cores: (Core | undefined)[]): Promise<void> {
  for (const c of cores) await c?.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Runs a command; throws with its error when it failed, or when it takes over 30 s. */
export async function call<C extends CommandName>(
  core: Core,
  command: C,
  req: CommandRequest<C>,
): Promise<CommandResponse<C>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${command} did not answer in 30 s`)), 30_000);
  });
  const r = await Promise.race([core.handle(command, req), late]).finally(() =>
    clearTimeout(timer),
  );
  if (!r.ok) throw new Error(`${command} failed: ${JSON.stringify(r.error)}`);
  return r.value as CommandResponse<C>;
}

/** The first pushed event of `type` matching `pred` after `afterSeq` (already pushed or next). */
export function pushed<T extends AppEventType>(
  core: Core,
  type: T,
  pred: (e: AppEventOf<T>) => boolean,
  afterSeq = 0,
  timeoutMs = 30_000,
): Promise<AppEventOf<T>> {
  const matches = (e: { type: string }): e is AppEventOf<T> =>
    e.type === type && pred(e as AppEventOf<T>);
  const seen = core.events.since(afterSeq).events.find(matches);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event`));
    }, timeoutMs);
    const off = core.onEvent((e) => {
      if (!matches(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** Resolves once the core's account holds its cross-signing keys (the core sets them up at sign-in). */
export async function crossSign(core: Core): Promise<void> {
  for (;;) {
    const from = core.events.lastSeq;
    const s = await call(core, 'crypto.status', {});
    if (s.crossSigning.privateKeysHere) return;
    if (s.crossSigning.problem) throw new Error(s.crossSigning.problem);
    await pushed(core, 'crypto.status', () => true, from);
  }
}
