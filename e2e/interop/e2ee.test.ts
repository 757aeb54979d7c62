/**
 * matrix-js-sdk with its Rust crypto (unchanged) against the in-process test homeserver:
 * megolm messages both ways, then a second device of one user joining the conversation.
 */
import { EventType, type MatrixClient } from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import {
  encryptedPair,
  knowsDevice,
  login,
  passwordAuth,
  receivedDecrypted,
  sendEncrypted,
  startSynced,
  stopAll,
  unrecognized,
  until,
} from './helpers';

const T = 60_000;

let server: RunningHomeserver;
let alice: MatrixClient;
let bob: MatrixClient;
let alice2: MatrixClient | undefined;
let roomId: string;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  stopAll([alice, bob, alice2]);
  await server?.close();
});

describe('matrix-js-sdk interop: end-to-end encryption (Rust crypto)', () => {
  test(
    'two users exchange megolm-encrypted messages and each decrypts the other',
    async () => {
      ({ a: alice, b: bob, roomId } = await encryptedPair(server.url, ['alice', 'bob']));

      const atBob = await sendEncrypted(alice, bob, roomId, 'secret from alice');
      expect(atBob.getWireType()).toBe(EventType.RoomMessageEncrypted);
      expect(atBob.getWireContent().algorithm).toBe('m.megolm.v1.aes-sha2');
      expect(atBob.getType()).toBe(EventType.RoomMessage);
      expect(atBob.getClearContent()?.body).toBe('secret from alice');
      expect(atBob.getSender()).toBe(alice.getUserId());

      const atAlice = await sendEncrypted(bob, alice, roomId, 'secret from bob');
      expect(atAlice.getWireType()).toBe(EventType.RoomMessageEncrypted);
      expect(atAlice.getContent().body).toBe('secret from bob');

      // The server only ever saw ciphertext.
      const room = server.hs.rooms.get(roomId)!;
      const stored = room.timeline.map((se) => se.pdu).filter((p) => p.type !== 'm.room.member');
      expect(stored.some((p) => p.type === 'm.room.message')).toBe(false);
      expect(stored.filter((p) => p.type === 'm.room.encrypted')).toHaveLength(2);

      // A second message each way reuses the sessions.
      expect((await sendEncrypted(alice, bob, roomId, 'again')).getContent().body).toBe('again');
      expect((await sendEncrypted(bob, alice, roomId, 'ok')).getContent().body).toBe('ok');
    },
    T,
  );

  test(
    "a new device of alice decrypts bob's next message, and bob decrypts the new device's",
    async () => {
      alice2 = await login(server.url, 'alice', { crypto: true, deviceName: 'alice phone' });
      const newDevice = alice2.getDeviceId()!;
      await startSynced(alice2, 1);

      // Bob learns of the new device through device_lists in /sync and /keys/query.
      await knowsDevice(bob, alice.getUserId()!, newDevice);

      const { event_id: toBoth } = await bob.sendTextMessage(roomId, 'hello both alices');
      const atNew = await receivedDecrypted(alice2, roomId, toBoth);
      expect(atNew.getWireType()).toBe(EventType.RoomMessageEncrypted);
      expect(atNew.getContent().body).toBe('hello both alices');
      // The first device decrypts the same message too.
      const atOld = await receivedDecrypted(alice, roomId, toBoth);
      expect(atOld.getContent().body).toBe('hello both alices');

      const fromNew = await sendEncrypted(alice2, bob, roomId, 'from the phone');
      expect(fromNew.getWireType()).toBe(EventType.RoomMessageEncrypted);
      expect(fromNew.getContent().body).toBe('from the phone');
      expect(fromNew.getSender()).toBe(alice.getUserId());
      // alice's first device gets the room key from her new device as well.
      expect((await receivedDecrypted(alice, roomId, fromNew.getId()!)).getContent().body).toBe(
        'from the phone',
      );
    },
    T,
  );

  test(
    'cross-signing keys bootstrapped through password UIA reach the other user',
    async () => {
      for (const c of [alice, bob]) {
        await c
          .getCrypto()!
          .bootstrapCrossSigning({ authUploadDeviceSigningKeys: passwordAuth(c) });
        expect(await c.getCrypto()!.isCrossSigningReady()).toBe(true);
      }
      // Bob sees alice's device signed by her self-signing key (via /keys/query).
      await until('bob to see alice cross-signed', async () => {
        const s = await bob
          .getCrypto()!
          .getDeviceVerificationStatus(alice.getUserId()!, alice.getDeviceId()!);
        return s?.signedByOwner;
      });
      const own = await alice
        .getCrypto()!
        .getDeviceVerificationStatus(alice.getUserId()!, alice.getDeviceId()!);
      expect(own?.crossSigningVerified).toBe(true);
      // Messages still flow after the identity change.
      expect((await sendEncrypted(bob, alice, roomId, 'signed')).getContent().body).toBe('signed');
    },
    T,
  );

  test(
    "a logged-out device leaves the other user's device list; messages still decrypt",
    async () => {
      const gone = alice2!.getDeviceId()!;
      alice2!.stopClient();
      await alice2!.logout();
      alice2 = undefined;
      await until('bob to drop the logged-out device', async () => {
        const devices = await bob.getCrypto()!.getUserDeviceInfo([alice.getUserId()!], true);
        return devices.get(alice.getUserId()!)?.has(gone) === false;
      });
      const atAlice = await sendEncrypted(bob, alice, roomId, 'after logout');
      expect(atAlice.getContent().body).toBe('after logout');
    },
    T,
  );

  test('js-sdk made no request the server did not recognise', () => {
    expect([...unrecognized]).toEqual([]);
  });
});
