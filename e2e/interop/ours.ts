/**
 * Our core as a peer of matrix-js-sdk clients: sign a user in on a fresh core, send and wait
 * for messages through its commands and pushed events, and follow what it knows of a room's
 * members and a user's devices. Waits are on state (pushed or asked for), never on time.
 */
import type { MatrixClient, MatrixEvent } from 'matrix-js-sdk';
import type { Core } from '../../src-main/core/core';
import type { CommandRequest, Member, TimelineItem } from '../../src-main/ipc/contract';
import { api, register } from '../homeserver/testing/helpers';
import { call, signIn, startCore, tempDir } from '../../src-main/testing/core-harness';
import { login, roomWithMembership, registerUser, startSynced, until } from './helpers';

const WAIT_MS = 20_000;

/**
 * A core over a fresh data dir with `username` signed in (registered first unless `existing`),
 * once its device keys are on the server (unless `keysChecked: false`).
 */
export async function ourUser(
  url: string,
  username: string,
  cleanup: (fn: () => Promise<void>) => void,
  opts: { existing?: boolean; dataDir?: string; keysChecked?: false } = {},
): Promise<Core> {
  if (!opts.existing) await register(url, username);
  const core = await startCore(opts.dataDir ?? tempDir('interop-core-'));
  cleanup(() => core.close());
  const userId = await signIn(core, url, username);
  if (opts.keysChecked !== false) await keysOnServer(url, userId, await ourDevice(core));
  return core;
}

let observers = 0;

/**
 * Waits until the homeserver hands out the device keys of `userId`'s `deviceId`, so other
 * devices can encrypt for it (asked by a user of its own).
 */
export async function keysOnServer(url: string, userId: string, deviceId: string): Promise<void> {
  const { token } = await register(url, `keys-observer-${++observers}`);
  await until(`${userId} ${deviceId} keys on the server`, async () => {
    const body = { device_keys: { [userId]: [deviceId] } };
    const r = await api(url, 'POST', '/_matrix/client/v3/keys/query', body, token);
    return r.body.device_keys?.[userId]?.[deviceId] !== undefined;
  });
}

/**
 * Resolves with the first item of `roomId` that `pred` accepts: in the cached page now, or in
 * a pushed `timeline.*` delta later (opening the timeline makes the core push them).
 */
export function itemIn(
  core: Core,
  roomId: string,
  pred: (i: TimelineItem) => boolean,
  what = 'a matching item',
): Promise<TimelineItem> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, item?: TimelineItem) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      off();
      if (err) reject(err);
      else resolve(item!);
    };
    const timer = setTimeout(() => {
      void call(core, 'timeline.open', { roomId, limit: 50 }).then((p) => {
        const seen = p.items.map(
          (i) => `${i.type} ${JSON.stringify(i.content)} ${JSON.stringify(i.e2ee)}`,
        );
        finish(new Error(`${roomId}: no ${what}; items:\n  ${seen.join('\n  ')}`));
      }, finish);
    }, WAIT_MS);
    const off = core.onEvent((e) => {
      if (e.type !== 'timeline.appended' && e.type !== 'timeline.updated') return;
      if (e.data.roomId !== roomId) return;
      const item = e.data.items.find(pred);
      if (item) finish(undefined, item);
    });
    void call(core, 'timeline.open', { roomId, limit: 50 }).then((page) => {
      const item = page.items.find(pred);
      if (item) finish(undefined, item);
    }, finish);
  });
}

/** A timeline item that arrived encrypted and decrypted to a message with this body. */
export const decryptedBody = (body: string) => (i: TimelineItem) =>
  i.type === 'm.room.message' && i.content.body === body && i.e2ee?.state === 'decrypted';

type Queued = 'message.send' | 'message.edit' | 'message.react' | 'message.redact';

/** Queues `req` through `command`; resolves with the event id once the server took it. */
export async function sendVia<C extends Queued>(
  core: Core,
  command: C,
  req: CommandRequest<C>,
): Promise<string> {
  const from = core.events.lastSeq;
  const { localId } = await call(core, command, req);
  return until(`${command} to be sent`, () => {
    for (const e of core.events.since(from).events) {
      if (e.type !== 'queue.changed' || e.data.item.localId !== localId) continue;
      if (e.data.item.state === 'failed') throw new Error(`send failed: ${e.data.item.error}`);
      if (e.data.item.eventId) return e.data.item.eventId;
    }
    return undefined;
  });
}

/** Sends a text message from our core; resolves with its event id once the server took it. */
export function sendOurs(core: Core, roomId: string, body: string): Promise<string> {
  return sendVia(core, 'message.send', { roomId, kind: 'text', body });
}

/** Waits until our core's member list of `roomId` has `userId` with `membership`. */
export function ourMember(
  core: Core,
  roomId: string,
  userId: string,
  membership: Member['membership'],
): Promise<Member> {
  return until(`${userId} ${membership} in ${roomId} at our core`, async () => {
    const { members } = await call(core, 'rooms.members', { roomId });
    return members.find((m) => m.userId === userId && m.membership === membership);
  });
}

/** Waits until our core lists `roomId` as an invite. */
export function ourInvite(core: Core, roomId: string): Promise<true> {
  return until(`our core to see the invite to ${roomId}`, async () => {
    const { rooms } = await call(core, 'rooms.list', {});
    return rooms.some((r) => r.roomId === roomId && r.membership === 'invite') || undefined;
  });
}

/** Waits until our core knows `deviceId` among `userId`'s devices. */
export function weKnowDevice(core: Core, userId: string, deviceId: string): Promise<true> {
  return until(`our core to know ${userId} ${deviceId}`, async () => {
    const { devices } = await call(core, 'crypto.userDevices', { userId });
    return devices.some((d) => d.deviceId === deviceId) || undefined;
  });
}

/** Our core's device id (from its crypto status). */
export async function ourDevice(core: Core): Promise<string> {
  return (await call(core, 'crypto.status', {})).deviceId;
}

/** `client`'s copy of `eventId` once it arrived and its decryption settled (either way). */
export function settled(client: MatrixClient, roomId: string, eventId: string) {
  return until(`${client.getDeviceId()} to try ${eventId}`, () => {
    const ev = client.getRoom(roomId)?.findEventById(eventId);
    return ev && !ev.isBeingDecrypted() && (ev.isDecryptionFailure() || ev.getClearContent())
      ? ev
      : undefined;
  });
}

/** Sender, wire type and body of a js-sdk event, for one `toEqual`. */
export function seenAtJs(ev: MatrixEvent) {
  return { sender: ev.getSender(), wire: ev.getWireType(), body: ev.getContent().body as unknown };
}

/** A js-sdk device of `username` (registered first unless `existing`), syncing, with crypto. */
export async function jsUser(
  url: string,
  username: string,
  cleanup: (fn: () => void) => void,
  existing = false,
): Promise<MatrixClient> {
  if (!existing) await registerUser(url, username);
  const client = await login(url, username, { crypto: true, deviceName: `${username} js` });
  cleanup(() => client.stopClient());
  await startSynced(client, 20);
  await keysOnServer(url, client.getUserId()!, client.getDeviceId()!);
  return client;
}

/** `client` joins `roomId` once invited, and sees itself joined. */
export async function jsJoins(client: MatrixClient, roomId: string): Promise<void> {
  await roomWithMembership(client, roomId, 'invite');
  await client.joinRoom(roomId);
  await roomWithMembership(client, roomId, 'join');
}

/** The `m.room.encryption` state event for `initial_state` (megolm). */
export const ENCRYPTION_STATE = {
  type: 'm.room.encryption',
  state_key: '',
  content: { algorithm: 'm.megolm.v1.aes-sha2' as const },
};

/** The event as the homeserver serves it to `reader` (`GET /rooms/{id}/event/{eventId}`). */
export async function wireEvent(
  url: string,
  roomId: string,
  eventId: string,
  reader: MatrixClient,
): Promise<{ status: number; body: Record<string, any> }> {
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`;
  return api(url, 'GET', path, undefined, reader.getAccessToken()!);
}
