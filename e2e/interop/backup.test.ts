/**
 * Secure backup between matrix-js-sdk (Rust crypto, its own wasm) and our core (the app's
 * wasm), one user each way: a js-sdk device sets up cross-signing, secret storage and a key
 * backup, and a new device of ours restores from it with the recovery key; then our core sets
 * up secure backup and a new js-sdk device restores from ours. Each new device decrypts a
 * message sent before it existed and ends up cross-signed.
 */
import type { MatrixClient } from 'matrix-js-sdk';
import type {
  CryptoCallbacks,
  GeneratedSecretStorageKey,
} from 'matrix-js-sdk/lib/crypto-api/index.js';
import { decodeRecoveryKey } from 'matrix-js-sdk/lib/crypto-api/recovery-key.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHomeserver } from '../homeserver';
import { api, startTestServer } from '../homeserver/testing/helpers';
import type { CryptoStatus, TimelineItem } from '../../src-main/ipc/contract';
import {
  login,
  passwordAuth,
  PASSWORD,
  receivedDecrypted,
  registerUser,
  startSynced,
  stopAll,
  unrecognized,
  until,
} from './helpers';
import { OurDevice } from './our-device';

const T = 120_000;

let server: RunningHomeserver;
const clients: MatrixClient[] = [];
const ours: OurDevice[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  stopAll(clients);
  for (const d of ours) await d.close();
  await server?.close();
});

/** js-sdk's secret storage key callbacks, holding one key (cached when created, or given). */
function keyHolder() {
  let held: { keyId?: string; key?: Uint8Array } = {};
  const callbacks: CryptoCallbacks = {
    getSecretStorageKey: async ({ keys }) => {
      const id = held.keyId && keys[held.keyId] ? held.keyId : Object.keys(keys)[0];
      return held.key && id ? [id, held.key] : null;
    },
    cacheSecretStorageKey: (keyId, _info, key) => {
      held = { keyId, key };
    },
  };
  return { callbacks, give: (key: Uint8Array) => (held = { key }) };
}

/** A js-sdk device of `username` with Rust crypto, syncing. */
async function jsDevice(username: string, callbacks: CryptoCallbacks): Promise<MatrixClient> {
  const c = await login(server.url, username, { crypto: true, cryptoCallbacks: callbacks });
  clients.push(c);
  await startSynced(c, 10);
  return c;
}

/** A new device of ours for `username`, after its first sync. */
async function ourDevice(username: string): Promise<OurDevice> {
  const d = await OurDevice.signIn(server.url, username, PASSWORD);
  ours.push(d);
  return d;
}

const crossSigned = (s: CryptoStatus) =>
  s.crossSigning.privateKeysHere && s.crossSigning.deviceVerified;
const allBackedUp = (s: CryptoStatus) =>
  s.backup.enabled && s.backup.keys >= 1 && s.backup.backedUp === s.backup.keys;

/** The server's key backup count for the user of `token`. */
async function backupCount(token: string): Promise<number> {
  const r = await api(server.url, 'GET', '/_matrix/client/v3/room_keys/version', undefined, token);
  return r.status === 200 ? (r.body.count as number) : 0;
}

const body = (text: string) => (i: TimelineItem) => i.content.body === text;

describe('interop: secure backup with matrix-js-sdk (Rust crypto)', () => {
  test(
    "our new device restores from js-sdk's secure backup and decrypts its old message",
    async () => {
      await registerUser(server.url, 'carol');
      const holder = keyHolder();
      const js = await jsDevice('carol', holder.callbacks);
      const crypto = js.getCrypto()!;
      await crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: passwordAuth(js) });
      let generated: GeneratedSecretStorageKey | undefined;
      await crypto.bootstrapSecretStorage({
        setupNewKeyBackup: true,
        createSecretStorageKey: async () =>
          (generated = await crypto.createRecoveryKeyFromPassphrase()),
      });
      expect(await crypto.isSecretStorageReady()).toBe(true);
      const { room_id: roomId } = await js.createRoom({
        name: 'Carol alone',
        initial_state: [
          {
            type: 'm.room.encryption',
            state_key: '',
            content: { algorithm: 'm.megolm.v1.aes-sha2' },
          },
        ],
      });
      await until('js-sdk to see the room encrypted', () =>
        crypto.isEncryptionEnabledInRoom(roomId),
      );
      await js.sendTextMessage(roomId, 'from js-sdk, long ago');
      await until(
        'js-sdk to back up its room key',
        async () => (await backupCount(js.getAccessToken()!)) >= 1,
        30_000,
      );

      const mine = await ourDevice('carol');
      const isUtd = (i: TimelineItem) => i.e2ee?.state === 'undecryptable';
      const utd = await until('our device to hold the message undecryptable', async () =>
        (await mine.items(roomId)).find(isUtd),
      );
      expect(utd.e2ee).toMatchObject({ reason: 'before_device' });

      const mark = mine.mark();
      const r = await mine.call('backup.restore', { recoveryKey: generated!.encodedPrivateKey! });
      expect(r.imported).toBeGreaterThanOrEqual(1);
      const e = await mine.event(
        'timeline.updated',
        (ev) => ev.data.roomId === roomId && ev.data.items.some(body('from js-sdk, long ago')),
        mark,
      );
      expect(e.data.items.find(body('from js-sdk, long ago'))?.eventId).toBe(utd.eventId);
      const status = await mine.statusWhere(crossSigned);
      expect(status.backup.enabled).toBe(true);

      // js-sdk sees our device signed by carol's self-signing key.
      await until('js-sdk to see our device cross-signed', async () => {
        await crypto.getUserDeviceInfo([js.getUserId()!], true);
        const s = await crypto.getDeviceVerificationStatus(js.getUserId()!, status.deviceId);
        return s?.crossSigningVerified;
      });
    },
    T,
  );

  test(
    'a new js-sdk device restores from our secure backup and decrypts our old message',
    async () => {
      await registerUser(server.url, 'dave');
      const mine = await ourDevice('dave');
      await mine.statusWhere(crossSigned);
      const { roomId } = await mine.call('rooms.create', { name: 'Dave alone', encrypted: true });
      await mine.event('rooms.changed', (e) => e.data.rooms.some((r) => r.roomId === roomId));
      await mine.items(roomId);
      const mark = mine.mark();
      const sentBody = body('from our core, long ago');
      await mine.call('message.send', { roomId, kind: 'text', body: 'from our core, long ago' });
      const sent = await mine.event(
        'timeline.appended',
        (e) => e.data.items.some((i) => sentBody(i) && !i.eventId.startsWith('local:')),
        mark,
      );
      const eventId = sent.data.items.find(
        (i) => sentBody(i) && !i.eventId.startsWith('local:'),
      )!.eventId;
      const { recoveryKey } = await mine.call('backup.setup', {});
      await mine.statusWhere(allBackedUp);

      const holder = keyHolder();
      holder.give(decodeRecoveryKey(recoveryKey));
      const js = await jsDevice('dave', holder.callbacks);
      const crypto = js.getCrypto()!;
      await crypto.bootstrapCrossSigning({}); // imports the keys from our secret storage
      expect(await crypto.isCrossSigningReady()).toBe(true);
      await until('js-sdk to see its device cross-signed', async () => {
        await crypto.getUserDeviceInfo([js.getUserId()!], true);
        const own = await crypto.getDeviceVerificationStatus(js.getUserId()!, js.getDeviceId()!);
        return own?.crossSigningVerified;
      });

      await crypto.loadSessionBackupPrivateKeyFromSecretStorage();
      const check = await crypto.checkKeyBackupAndEnable();
      expect(check?.trustInfo.trusted).toBe(true);
      const restored = await crypto.restoreKeyBackup();
      expect(restored.imported).toBeGreaterThanOrEqual(1);
      const ev = await receivedDecrypted(js, roomId, eventId);
      expect(ev.getContent().body).toBe('from our core, long ago');

      // Our core sees the js-sdk device cross-signed.
      await until('our core to see the js-sdk device cross-signed', async () => {
        const d = await mine.call('crypto.userDevices', { userId: js.getUserId()! });
        return d.devices.find((x) => x.deviceId === js.getDeviceId())?.crossSigned;
      });
    },
    T,
  );

  test('js-sdk made no request the server did not recognise', () => {
    expect([...unrecognized]).toEqual([]);
  });
});
