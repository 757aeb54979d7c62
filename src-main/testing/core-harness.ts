/**
 * Helpers for the core's integration tests: start a core on a data dir, drive it through
 * `handle()`, wait for pushed events, and talk to the test homeserver directly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { api, type TestUser } from '../../e2e/homeserver/testing/helpers';
import type { AppEventOf, AppEventType } from '../model/events';
import type { TimelineItem } from '../model/timeline';
import type { CommandName, CommandRequest, CommandResponse, IpcError } from '../ipc/contract';
import { Core, type CoreTuning } from '../core/core';
import type { SecretStore } from '../storage/secret-store';

/** Short long-polls and quick retries, so failures and recoveries take moments. */
export const FAST: CoreTuning = {
  longPollMs: 1_000,
  syncTimeoutMs: 4_000,
  clientOptions: { maxRetries: 1, baseDelayMs: 50 },
};

const CS = '/_matrix/client/v3';

/** Runs the registered cleanups (latest first) after each test. */
export function useCleanups(): (fn: () => Promise<void> | void) => void {
  const list: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of list.splice(0).reverse()) await fn();
  });
  return (fn) => list.push(fn);
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test file. */
export function tempDir(prefix = 'core-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/**
 * A started core over `dataDir` (its active account, if any, starts syncing); `secrets` as
 * `Core` takes them (default: the plain file in `dataDir`).
 */
export async function startCore(
  dataDir: string,
  tuning: CoreTuning = FAST,
  secrets?: SecretStore,
): Promise<Core> {
  const core = new Core(dataDir, '0.0.0', tuning, secrets);
  await core.start();
  return core;
}

/**
 * Resolves with the first pushed event of `type` matching `pred`: one already in the log after
 * `afterSeq` (when given), else the next one pushed.
 */
export function next<T extends AppEventType>(
  core: Core,
  type: T,
  pred: (e: AppEventOf<T>) => boolean = () => true,
  opts: { afterSeq?: number; timeoutMs?: number } = {},
): Promise<AppEventOf<T>> {
  const matches = (e: { type: string }): e is AppEventOf<T> =>
    e.type === type && pred(e as AppEventOf<T>);
  if (opts.afterSeq !== undefined) {
    const seen = core.events.since(opts.afterSeq).events.find(matches);
    if (seen) return Promise.resolve(seen);
  }
  return new Promise<AppEventOf<T>>((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event`));
    }, opts.timeoutMs ?? 15_000);
    const off = core.onEvent((e) => {
      if (matches(e)) {
        clearTimeout(t);
        off();
        resolve(e);
      }
    });
  });
}

/** Runs a command and returns its response; throws with the error when it failed. */
export async function call<C extends CommandName>(
  core: Core,
  command: C,
  req: CommandRequest<C>,
): Promise<CommandResponse<C>> {
  const r = await core.handle(command, req);
  if (!r.ok) throw new Error(`${command} failed: ${JSON.stringify(r.error)}`);
  return r.value as CommandResponse<C>;
}

/** Runs a command expected to fail and returns its error. */
export async function callError<C extends CommandName>(
  core: Core,
  command: C,
  req: CommandRequest<C>,
): Promise<IpcError> {
  const r = await core.handle(command, req);
  if (r.ok) throw new Error(`${command} unexpectedly succeeded`);
  return r.error;
}

/** Signs `username` in (password `secret-pw`) and waits for the first committed sync. */
export async function signIn(core: Core, url: string, username: string): Promise<string> {
  const from = core.events.lastSeq;
  const info = await call(core, 'account.login', { server: url, username, password: 'secret-pw' });
  await next(core, 'sync.status', (e) => e.data.state === 'ok', { afterSeq: from });
  return info.userId;
}

/** A room created by `creator` (a test user) with `members` joined. */
export async function seedRoom(
  url: string,
  creator: string,
  members: string[],
  name = 'Room',
): Promise<string> {
  const r = await api(url, 'POST', '/_test/rooms', {
    creator,
    members,
    name,
    preset: 'private_chat',
  });
  if (r.status !== 200) throw new Error(`seed room: ${JSON.stringify(r.body)}`);
  return r.body.room_id as string;
}

/** Appends `count` messages `"<prefix> 1"`… from `sender`; returns their ids. */
export async function seedMessages(
  url: string,
  roomId: string,
  sender: string,
  count: number,
  prefix = 'Message',
): Promise<string[]> {
  const path = `/_test/rooms/${encodeURIComponent(roomId)}/events`;
  const r = await api(url, 'POST', path, { sender, count, body_prefix: prefix });
  if (r.status !== 200) throw new Error(`seed events: ${JSON.stringify(r.body)}`);
  return r.body.event_ids as string[];
}

/** Sends one event as a test user; returns its id. */
export async function sendAs(
  url: string,
  user: TestUser,
  roomId: string,
  type: string,
  content: Record<string, unknown>,
): Promise<string> {
  const txn = `t${Math.random().toString(36).slice(2)}`;
  const path = `${CS}/rooms/${encodeURIComponent(roomId)}/send/${type}/${txn}`;
  const r = await api(url, 'PUT', path, content, user.token);
  if (r.status !== 200) throw new Error(`send: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.event_id as string;
}

/** Redacts an event as a test user. */
export async function redactAs(url: string, user: TestUser, roomId: string, eventId: string) {
  const txn = `r${Math.random().toString(36).slice(2)}`;
  const path = `${CS}/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(eventId)}/${txn}`;
  const r = await api(url, 'PUT', path, {}, user.token);
  if (r.status !== 200) throw new Error(`redact: ${r.status} ${JSON.stringify(r.body)}`);
}

/** The room's whole history as the server holds it, oldest first (`/messages` dir=b). */
export async function serverHistory(
  url: string,
  user: TestUser,
  roomId: string,
): Promise<{ event_id: string; type: string; content: Record<string, unknown> }[]> {
  const all: { event_id: string; type: string; content: Record<string, unknown> }[] = [];
  let from: string | undefined;
  for (;;) {
    const q = new URLSearchParams({ dir: 'b', limit: '500', ...(from ? { from } : {}) });
    const r = await api(
      url,
      'GET',
      `${CS}/rooms/${encodeURIComponent(roomId)}/messages?${q}`,
      undefined,
      user.token,
    );
    if (r.status !== 200) throw new Error(`messages: ${r.status} ${JSON.stringify(r.body)}`);
    all.push(...(r.body.chunk as typeof all));
    if (!r.body.end || (r.body.chunk as unknown[]).length === 0) break;
    from = r.body.end as string;
  }
  return all.reverse();
}

/** Injects a fault; `/_test/faults` body as the README gives it. */
export async function fault(url: string, spec: Record<string, unknown>): Promise<void> {
  const r = await api(url, 'POST', '/_test/faults', spec);
  if (r.status !== 200) throw new Error(`fault: ${JSON.stringify(r.body)}`);
}

export async function clearFaults(url: string): Promise<void> {
  await api(url, 'DELETE', '/_test/faults');
}

/** The path prefix of a room's client-server endpoints, as the core sends it. */
export function roomPrefix(roomId: string): string {
  return `${CS}/rooms/${encodeURIComponent(roomId)}`;
}

/** Pages a room back from its latest item to its start; every item, oldest first. */
export async function wholeTimeline(
  core: Core,
  roomId: string,
  limit = 50,
): Promise<TimelineItem[]> {
  let page = await call(core, 'timeline.open', { roomId, limit });
  const items = page.items.filter((i) => !i.local);
  for (let round = 0; page.hasMoreBefore && items.length > 0; round++) {
    if (round > 1_000) throw new Error(`${roomId}: pagination does not end`);
    page = await call(core, 'timeline.paginate', { roomId, before: items[0]!.eventId, limit });
    if (page.items.length === 0 && page.hasMoreBefore) throw new Error('empty page, more before');
    items.unshift(...page.items);
  }
  return items;
}

/** Bodies of the `m.room.message` items, in order. */
export function bodies(items: readonly { type: string; content: Record<string, unknown> }[]) {
  return items.filter((i) => i.type === 'm.room.message').map((i) => i.content.body as string);
}
