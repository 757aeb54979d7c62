/**
 * What a client does at first login, with matrix-js-sdk's Rust crypto (unchanged) against the
 * in-process test homeserver: cross-signing through password user-interactive auth, secret
 * storage with a new key backup, messages in an encrypted room, then a new device of the same
 * user that restores the room keys from the backup with the recovery key and reads the old
 * messages. The server never holds the messages in the clear.
 */
import type { MatrixClient } from 'matrix-js-sdk';
import {
  decodeRecoveryKey,
  type CryptoCallbacks,
  type GeneratedSecretStorageKey,
} from 'matrix-js-sdk/lib/crypto-api/index.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import { expectNoPlaintext } from '../homeserver/testing/plaintext';
import {
  login,
  passwordAuth,
  receivedDecrypted,
  registerUser,
  roomWithMembership,
  startSynced,
  stopAll,
  unrecognized,
  until,
} from './helpers';

const T = 60_000;
const FIRST = 'the first secret, before the phone existed';
const REPLY = "bob's answer, also before the phone";

let server: RunningHomeserver;
let alice: MatrixClient;
let bob: MatrixClient;
let phone: MatrixClient | undefined;
let roomId: string;
let recoveryKey: GeneratedSecretStorageKey;
let sent: { first: string; reply: string };

/**
 * Secret storage callbacks holding the key the way an app would: cached when created, or
 * typed in by the user (`typed`, the encoded recovery key) on a new device.
 */
function secretStorageCallbacks(typed?: () => string): CryptoCallbacks {
  const cache = new Map<string, Uint8Array>();
  return {
    cacheSecretStorageKey: (keyId, _info, key) => void cache.set(keyId, key),
    getSecretStorageKey: async ({ keys }) => {
      for (const keyId of Object.keys(keys)) {
        const key = cache.get(keyId) ?? (typed ? decodeRecoveryKey(typed()) : undefined);
        if (key) return [keyId, key];
      }
      return null;
    },
  };
}

/** `passwordAuth`, counting the 401 challenges it answered. */
function countedPasswordAuth(client: MatrixClient) {
  const inner = passwordAuth(client);
  const counted = { challenges: 0 };
  const callback: typeof inner = (makeRequest) =>
    inner(async (auth) => {
      if (auth) counted.challenges++;
      return makeRequest(auth);
    });
  return Object.assign(counted, { callback });
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  stopAll([alice, bob, phone]);
  await server?.close();
});

describe('matrix-js-sdk interop: first login, key backup and restore (Rust crypto)', () => {
  test(
    'cross-signing is set up without auth the first time, and reset through password auth',
    async () => {
      await Promise.all(['alice', 'bob'].map((n) => registerUser(server.url, n)));
      alice = await login(server.url, 'alice', {
        crypto: true,
        cryptoCallbacks: secretStorageCallbacks(),
      });
      bob = await login(server.url, 'bob', { crypto: true });
      const crypto = alice.getCrypto()!;

      // Before the first sync, as a client does at first login. (Once syncing, a key query
      // still under way when the identity is reset could answer with the old identity, and
      // the client would drop its new private keys: a client-side race, not the server's.)
      const uia = countedPasswordAuth(alice);
      await crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: uia.callback });
      expect(uia.challenges).toBe(0);
      const firstMaster = (await crypto.getCrossSigningKeyId())!;
      expect(server.hs.e2ee.crossSigning.get(alice.getUserId()!, 'master')?.public_key).toBe(
        firstMaster,
      );

      await crypto.bootstrapCrossSigning({
        setupNewCrossSigning: true,
        authUploadDeviceSigningKeys: uia.callback,
      });
      expect(uia.challenges).toBe(1);
      const master = (await crypto.getCrossSigningKeyId())!;
      expect(master).not.toBe(firstMaster);
      expect(server.hs.e2ee.crossSigning.get(alice.getUserId()!, 'master')?.public_key).toBe(
        master,
      );

      await Promise.all([startSynced(alice, 10), startSynced(bob, 10)]);
      await until('the new identity to be trusted', () => crypto.isCrossSigningReady());
      expect(await crypto.getCrossSigningKeyId()).toBe(master);
    },
    T,
  );

  test(
    'secret storage is bootstrapped with a new key backup, which the server holds',
    async () => {
      const crypto = alice.getCrypto()!;
      recoveryKey = await crypto.createRecoveryKeyFromPassphrase();
      await crypto.bootstrapSecretStorage({
        createSecretStorageKey: async () => recoveryKey,
        setupNewKeyBackup: true,
      });
      expect(await crypto.isSecretStorageReady()).toBe(true);
      const version = await until('the backup to be active', () =>
        crypto.getActiveSessionBackupVersion(),
      );
      expect(server.hs.e2ee.backup.latest(alice.getUserId()!)?.version).toBe(version);
    },
    T,
  );

  test(
    'messages in an encrypted room are exchanged, and their room keys reach the backup',
    async () => {
      ({ room_id: roomId } = await alice.createRoom({
        invite: [bob.getUserId()!],
        initial_state: [
          {
            type: 'm.room.encryption',
            state_key: '',
            content: { algorithm: 'm.megolm.v1.aes-sha2' },
          },
        ],
      }));
      await roomWithMembership(bob, roomId, 'invite');
      await bob.joinRoom(roomId);
      await until(
        'alice to see bob joined',
        () => alice.getRoom(roomId)?.getMember(bob.getUserId()!)?.membership === 'join',
      );

      const first = (await alice.sendTextMessage(roomId, FIRST)).event_id;
      expect((await receivedDecrypted(bob, roomId, first)).getContent().body).toBe(FIRST);
      const reply = (await bob.sendTextMessage(roomId, REPLY)).event_id;
      expect((await receivedDecrypted(alice, roomId, reply)).getContent().body).toBe(REPLY);
      sent = { first, reply };

      // Alice backs up her own outbound session and the one bob shared with her.
      const backup = server.hs.e2ee.backup;
      await until('both room keys in the backup', () => {
        const row = backup.latest(alice.getUserId()!);
        return row && backup.get(row, roomId).length >= 2;
      });
    },
    T,
  );

  test(
    'a new device restores the backup with the recovery key and decrypts the old messages',
    async () => {
      phone = await login(server.url, 'alice', {
        crypto: true,
        deviceName: 'alice phone',
        cryptoCallbacks: secretStorageCallbacks(() => recoveryKey.encodedPrivateKey!),
      });
      await startSynced(phone, 10);
      const crypto = phone.getCrypto()!;
      await crypto.loadSessionBackupPrivateKeyFromSecretStorage();
      const restored = await crypto.restoreKeyBackup();
      expect(restored.imported).toBeGreaterThanOrEqual(2);

      expect((await receivedDecrypted(phone, roomId, sent.first)).getContent().body).toBe(FIRST);
      expect((await receivedDecrypted(phone, roomId, sent.reply)).getContent().body).toBe(REPLY);
    },
    T,
  );

  test('the server never held the messages in the clear', () => {
    expectNoPlaintext(server, FIRST);
    expectNoPlaintext(server, REPLY);
  });

  test('js-sdk made no request the server did not recognise', () => {
    expect([...unrecognized]).toEqual([]);
  });
});
