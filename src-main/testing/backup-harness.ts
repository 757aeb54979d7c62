/**
 * Helpers for the cross-signing and secure backup tests: waiting for `crypto.status`, reading
 * what the test homeserver holds (master keys, the key backup), and timelines of one room.
 */
import {
  api,
  register,
  startTestServer,
  type TestUser,
} from '../../e2e/homeserver/testing/helpers';
import type { CryptoStatus } from '../model/e2ee';
import type { TimelineItem } from '../model/timeline';
import type { Core } from '../core/core';
import { call, next, signIn, startCore, tempDir } from './core-harness';

const CS = '/_matrix/client/v3';

/** The active account's `crypto.status` once `pred` holds (now or when next pushed). */
export async function statusWhere(
  core: Core,
  pred: (s: CryptoStatus) => boolean,
  timeoutMs = 30_000,
): Promise<CryptoStatus> {
  const from = core.events.lastSeq;
  const now = await call(core, 'crypto.status', {});
  if (pred(now)) return now;
  const e = await next(core, 'crypto.status', (ev) => pred(ev.data), {
    afterSeq: from,
    timeoutMs,
  }).catch(async (err: unknown) => {
    const last = await call(core, 'crypto.status', {});
    throw new Error(`${String(err)}; status: ${JSON.stringify(last)}`);
  });
  return e.data;
}

/** The master key the server holds for `userId` (its public key), if any. */
export async function serverMasterKey(url: string, as: TestUser, userId: string) {
  const r = await api(url, 'POST', `${CS}/keys/query`, { device_keys: { [userId]: [] } }, as.token);
  if (r.status !== 200) throw new Error(`keys/query: ${r.status}`);
  const keys = r.body.master_keys?.[userId]?.keys as Record<string, string> | undefined;
  return keys ? Object.values(keys)[0] : undefined;
}

/** The server's current key backup (`GET /room_keys/version`), or undefined. */
export async function serverBackup(url: string, as: TestUser) {
  const r = await api(url, 'GET', `${CS}/room_keys/version`, undefined, as.token);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`room_keys/version: ${r.status}`);
  return r.body as {
    version: string;
    count: number;
    auth_data: { public_key: string; signatures: Record<string, Record<string, string>> };
  };
}

/** Sets global account data as `as`. */
export async function putAccountData(url: string, as: TestUser, type: string, content: unknown) {
  const path = `${CS}/user/${encodeURIComponent(as.userId)}/account_data/${type}`;
  const r = await api(url, 'PUT', path, content, as.token);
  if (r.status !== 200) throw new Error(`account data: ${r.status}`);
}

/** The room's items as the core's cache gives them (and marks the room watched). */
export async function items(core: Core, roomId: string): Promise<TimelineItem[]> {
  return (await call(core, 'timeline.open', { roomId, limit: 50 })).items;
}

/** A test homeserver with `alice` registered (the returned user is a device of hers). */
export async function serverWithAlice(cleanup: (fn: () => Promise<void> | void) => void) {
  const hs = await startTestServer();
  cleanup(() => hs.close());
  const alice = await register(hs.url, 'alice');
  return { hs, url: hs.url, alice };
}

/** A core on a fresh data dir, signed in as `username` (a new device of that user). */
export async function newDevice(
  cleanup: (fn: () => Promise<void> | void) => void,
  url: string,
  username: string,
): Promise<Core> {
  const core = await startCore(tempDir());
  cleanup(() => core.close());
  await signIn(core, url, username);
  return core;
}

/** Waits until this device's cross-signing is set up and the device signed with it. */
export function crossSigned(core: Core): Promise<CryptoStatus> {
  return statusWhere(
    core,
    (s) => s.crossSigning.exists && s.crossSigning.privateKeysHere && s.crossSigning.deviceVerified,
  );
}

/** Waits until every room key of this device is in the backup (at least `min` keys). */
export function allBackedUp(core: Core, min = 1): Promise<CryptoStatus> {
  return statusWhere(
    core,
    (s) => s.backup.enabled && s.backup.keys >= min && s.backup.backedUp === s.backup.keys,
  );
}

/** Matches the item whose body is `text`. */
export const body = (text: string) => (i: TimelineItem) => i.content.body === text;

/** A new encrypted room of the signed-in user alone, with `text` sent into it from `core`. */
export async function roomWithMessage(core: Core, text: string): Promise<string> {
  const { roomId } = await call(core, 'rooms.create', { name: 'Diary', encrypted: true });
  await next(core, 'rooms.changed', (e) => e.data.rooms.some((r) => r.roomId === roomId));
  await items(core, roomId);
  await call(core, 'message.send', { roomId, kind: 'text', body: text });
  await next(core, 'timeline.appended', (e) =>
    e.data.items.some((i) => body(text)(i) && !i.eventId.startsWith('local:')),
  );
  return roomId;
}

/** The room's undecryptable item on `core`, once it has synced. */
export async function undecryptable(core: Core, roomId: string): Promise<TimelineItem> {
  const isUtd = (i: TimelineItem) => i.e2ee?.state === 'undecryptable';
  const from = core.events.lastSeq;
  const found = (await items(core, roomId)).find(isUtd);
  if (found) return found;
  const e = await next(core, 'timeline.appended', (ev) => ev.data.items.some(isUtd), {
    afterSeq: from,
  });
  return e.data.items.find(isUtd)!;
}
