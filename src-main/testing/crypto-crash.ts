/**
 * Helpers for the kill -9 tests of the crypto store (core-crypto-crash.test.ts): Alice's core in
 * the test's process, Bob's in a child to kill and then restarted here, an encrypted DM between
 * them, and what the server and the crypto store hold afterwards.
 */
import Database from 'better-sqlite3';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRoomKey, makeSender } from '../../e2e/bench/room-keys';
import { api, register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import { loadWasm } from '../crypto/wasm';
import type { CryptoStatus } from '../model/e2ee';
import type { AppEvent } from '../model/events';
import type { TimelineItem } from '../model/timeline';
import type { RawEvent } from '../protocol/events';
import { accessTokenSecret, openFileSecretStore, SECRETS_FILE } from '../storage/secret-store';
import type { Core } from '../core/core';
import { ChildCore } from './child-core';
import { call, next, signIn, startCore, tempDir } from './core-harness';

type Cleanup = (fn: () => Promise<void> | void) => void;

/** A test homeserver with Alice (signed in, in this process) and Bob registered. */
export async function world(cleanup: Cleanup) {
  const hs = await startTestServer();
  cleanup(() => hs.close());
  const aliceUser = await register(hs.url, 'alice');
  const bobUser = await register(hs.url, 'bob');
  const alice = await startCore(tempDir());
  cleanup(() => alice.close());
  await signIn(alice, hs.url, 'alice');
  return { url: hs.url, alice, aliceUser, bobUser };
}

/** Bob's core in a child process on `dataDir` (it signs in when the dir is new). */
export function bobChild(
  cleanup: Cleanup,
  url: string,
  dataDir: string,
  hold?: { method: string; path: string },
): ChildCore {
  const bob = new ChildCore(dataDir, url, 'bob', hold);
  cleanup(() => bob.kill());
  return bob;
}

/** A core restarted in this process over a killed child's data dir. */
export async function restarted(cleanup: Cleanup, dataDir: string): Promise<Core> {
  const core = await startCore(dataDir);
  cleanup(() => core.close());
  return core;
}

/** The child's `crypto.status` once `pred` holds (now or when next pushed). */
export async function childStatus(
  child: ChildCore,
  pred: (s: CryptoStatus) => boolean,
): Promise<CryptoStatus> {
  const from = child.mark();
  const now = await child.call('crypto.status', {});
  if (pred(now)) return now;
  return (await child.event('crypto.status', (e) => pred(e.data), from)).data;
}

/** An encrypted direct chat of Alice and Bob (both joined), once Alice's core has it. */
export async function encryptedDm(url: string, alice: Core, aliceId: string, bobId: string) {
  const r = await api(url, 'POST', '/_test/rooms', {
    creator: aliceId,
    members: [bobId],
    encrypted: true,
    is_direct: true,
    preset: 'private_chat',
  });
  if (r.status !== 200) throw new Error(`seed room: ${JSON.stringify(r.body)}`);
  const roomId = r.body.room_id as string;
  await next(alice, 'rooms.changed', (e) => e.data.rooms.some((x) => x.roomId === roomId), {
    afterSeq: 0,
    timeoutMs: 60_000,
  });
  return roomId;
}

/** Alice sends `text`; resolves with the event as the server holds it (encrypted). */
export async function aliceSends(alice: Core, roomId: string, text: string): Promise<RawEvent> {
  const from = alice.events.lastSeq;
  const { localId } = await call(alice, 'message.send', { roomId, kind: 'text', body: text });
  await next(alice, 'queue.changed', (e) => e.data.item.localId === localId && !!e.data.removed, {
    afterSeq: from,
    timeoutMs: 60_000,
  });
  const wire = await alice.session.api.messages(roomId, { dir: 'b', limit: 50 });
  const sent = (wire.chunk as RawEvent[]).find(
    (e) => e.type === 'm.room.encrypted' && e.unsigned?.transaction_id !== undefined,
  );
  if (!sent) throw new Error(`no encrypted event of Alice's in ${roomId}`);
  return sent;
}

/** Matches the decrypted item whose body is `text`. */
export const decrypted = (text: string) => (i: TimelineItem) =>
  i.content.body === text && i.e2ee?.state === 'decrypted';

/** The room's item matching `pred` on an in-process core, once it has synced (or decrypted). */
export function itemOn(
  core: Core,
  roomId: string,
  pred: (i: TimelineItem) => boolean,
): Promise<TimelineItem> {
  const from = core.events.lastSeq;
  const match = (e: AppEvent) =>
    (e.type === 'timeline.appended' || e.type === 'timeline.updated') && e.data.roomId === roomId
      ? e.data.items.find(pred)
      : undefined;
  return new Promise((resolve, reject) => {
    const done = (item: TimelineItem) => (clearTimeout(timer), off(), resolve(item));
    const timer = setTimeout(() => (off(), reject(new Error(`no such item in ${roomId}`))), 60_000);
    const off = core.onEvent((e) => {
      const item = match(e);
      if (item) done(item);
    });
    call(core, 'timeline.open', { roomId, limit: 50 }).then((page) => {
      const item =
        page.items.find(pred) ??
        core.events
          .since(from)
          .events.map(match)
          .find((i) => i !== undefined);
      if (item) done(item);
    }, reject);
  });
}

/** What `core` makes of a ciphertext from the server: its body, or why it cannot read it. */
export async function decryptOn(core: Core, roomId: string, wire: RawEvent): Promise<unknown> {
  const ev = structuredClone(wire);
  await core.session.crypto!.decryptEvents(roomId, [ev]);
  return ev.e2ee?.info.state === 'decrypted' ? ev.content.body : ev.e2ee?.info;
}

/** SQLite's integrity check of the crypto store file of the (one) account in `dataDir`. */
export function cryptoStoreIntegrity(dataDir: string): string {
  const root = join(dataDir, 'accounts');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) =>
    /(^|\/)crypto-[^/]*\.sqlite$/.test(f),
  );
  if (files.length !== 1) throw new Error(`crypto store files: ${JSON.stringify(files)}`);
  const db = new Database(join(root, files[0]!));
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** `count` made-up room keys, exported and encrypted with `passphrase` (few PBKDF2 rounds). */
export async function keyFile(count: number, passphrase: string) {
  const sender = makeSender();
  const keys = Array.from({ length: count }, (_, i) =>
    makeRoomKey(sender, `!imported${i % 20}:example.org`),
  );
  const w = await loadWasm();
  const json = JSON.stringify(keys.map((k) => k.exported));
  const data = w.OlmMachine.encryptExportedRoomKeys(json, passphrase, 1_000);
  const file = join(tempDir(), 'keys.txt');
  writeFileSync(file, data);
  return { keys, data, file };
}

/** The access token a (killed) core kept in its data dir's secret store. */
export async function storedToken(dataDir: string, userId: string): Promise<string> {
  const secrets = openFileSecretStore(join(dataDir, SECRETS_FILE));
  const token = await secrets.get(accessTokenSecret(userId));
  if (!token) throw new Error(`no access token of ${userId} in ${dataDir}`);
  return new TextDecoder().decode(token);
}

/** The server's view of a device: its published ed25519 key (if any), its unclaimed OTKs. */
export async function serverDevice(url: string, token: string, userId: string, deviceId: string) {
  const CS = '/_matrix/client/v3';
  const q = await api(url, 'POST', `${CS}/keys/query`, { device_keys: { [userId]: [] } }, token);
  const keys = q.body.device_keys?.[userId]?.[deviceId] as
    { keys: Record<string, string> } | undefined;
  // What the server tells the device itself in /sync (a small one: no rooms).
  const filter = JSON.stringify({ room: { rooms: [] }, presence: { types: [] } });
  const query = new URLSearchParams({ timeout: '0', filter });
  const sync = await api(url, 'GET', `${CS}/sync?${query}`, undefined, token);
  return {
    ed25519: keys?.keys[`ed25519:${deviceId}`],
    oneTimeKeys: sync.body.device_one_time_keys_count?.signed_curve25519 as number,
  };
}

/** A keys upload or key backup upload a core of this process made, and the server's answer. */
export type Upload = { method: string; path: string; token: string; body: string; status: number };

/** The uploads whose crash windows the tests aim at (as the child reports them too). */
const WATCHED = /\/_matrix\/client\/v3\/(keys\/upload|room_keys\/keys)/;

/**
 * Records the uploads of this process's cores (through the global `fetch` they use), until the
 * cleanup: `wait` resolves with the first matching one (made already, or when answered).
 */
export function recordUploads(cleanup: Cleanup) {
  const list: Upload[] = [];
  const waiters: { pred: (u: Upload) => boolean; resolve: (u: Upload) => void }[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const res = await realFetch(input, init);
    const path = new URL(String(input)).pathname;
    if (!WATCHED.test(path)) return res;
    const auth = new Headers(init?.headers).get('Authorization') ?? '';
    const upload: Upload = {
      method: init?.method ?? 'GET',
      path,
      token: auth.replace(/^Bearer /, ''),
      body: typeof init?.body === 'string' ? init.body : '',
      status: res.status,
    };
    list.push(upload);
    for (const w of waiters.filter((x) => x.pred(upload))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(upload);
    }
    return res;
  };
  cleanup(() => void (globalThis.fetch = realFetch));
  return {
    list,
    wait(pred: (u: Upload) => boolean, what: string): Promise<Upload> {
      const seen = list.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what}`)), 60_000);
        waiters.push({ pred, resolve: (u) => (clearTimeout(timer), resolve(u)) });
      });
    },
  };
}
