/**
 * Keys between our core and matrix-js-sdk (Rust crypto): our core lists a js user's devices
 * with the fingerprints js-sdk itself reports, and follows new ones; when our one-time keys run
 * out, a js device still opens an Olm session with us through our fallback key, and our core
 * uploads new one-time keys as soon as it can again; and a message whose room key reached us
 * only from a later message on stops saying it waits for the key.
 */
import { Preset } from 'matrix-js-sdk';
import { describe, expect, test } from 'vitest';
import { api, register, startTestServer } from '../homeserver/testing/helpers';
import { call, clearFaults, fault, useCleanups } from '../../src-main/testing/core-harness';
import { knowsDevice, until, unrecognized } from './helpers';
import {
  ENCRYPTION_STATE,
  decryptedBody,
  itemIn,
  jsJoins,
  jsUser,
  ourDevice,
  ourInvite,
  ourMember,
  ourUser,
  weKnowDevice,
  wireEvent,
} from './ours';

const T = 60_000;
const ALICE = '@alice:test.local';

const cleanup = useCleanups();

describe('our core and matrix-js-sdk: devices and one-time keys', () => {
  test(
    "a js user's devices, before we ever wrote to them: their own fingerprints, new ones too",
    async () => {
      const hs = await startTestServer();
      cleanup(() => hs.close());
      const bob1 = await jsUser(hs.url, 'bob', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);
      const { room_id: roomId } = await bob1.createRoom({
        preset: Preset.TrustedPrivateChat,
        is_direct: true,
        invite: [ALICE],
        initial_state: [ENCRYPTION_STATE],
      });
      await ourInvite(alice, roomId);
      await call(alice, 'rooms.join', { roomIdOrAlias: roomId });

      const { devices } = await call(alice, 'crypto.userDevices', { userId: bob1.getUserId()! });
      const keys = await bob1.getCrypto()!.getOwnDeviceKeys();
      expect(devices).toEqual([
        expect.objectContaining({
          deviceId: bob1.getDeviceId(),
          ed25519: keys.ed25519,
          displayName: 'bob js',
          current: false,
          verified: false,
        }),
      ]);

      const bob2 = await jsUser(hs.url, 'bob', cleanup, true);
      await weKnowDevice(alice, bob2.getUserId()!, bob2.getDeviceId()!);
    },
    T,
  );

  test(
    'out of one-time keys: js reaches us through the fallback key, then we upload new ones',
    async () => {
      const hs = await startTestServer();
      cleanup(() => hs.close());
      const alice = await ourUser(hs.url, 'alice', cleanup);
      const device = await ourDevice(alice);
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const { roomId } = await call(alice, 'rooms.create', {
        invite: [bob.getUserId()!],
        isDirect: true,
      });
      await jsJoins(bob, roomId);
      await ourMember(alice, roomId, bob.getUserId()!, 'join');
      await knowsDevice(bob, ALICE, device);
      await weKnowDevice(alice, bob.getUserId()!, bob.getDeviceId()!);

      // Our one-time and fallback keys are on the server (they may follow the device keys in a
      // later upload: cross-signing is being set up at the same time).
      await until('our one-time and fallback keys on the server', async () => {
        const r = await alice.session.api.client.request<{
          device_one_time_keys_count?: Record<string, number>;
          device_unused_fallback_key_types?: string[];
        }>('GET', '/_matrix/client/v3/sync', {
          query: { timeout: 0, filter: JSON.stringify({ room: { rooms: [] } }) },
        });
        return (
          (r.device_one_time_keys_count?.signed_curve25519 ?? 0) > 0 &&
          (r.device_unused_fallback_key_types ?? []).includes('signed_curve25519')
        );
      });
      // Someone takes every one-time key of ours while we cannot upload new ones.
      const mallory = await register(hs.url, 'mallory');
      const claim = async () => {
        const r = await api(
          hs.url,
          'POST',
          '/_matrix/client/v3/keys/claim',
          { one_time_keys: { [ALICE]: { [device]: 'signed_curve25519' } } },
          mallory.token,
        );
        const keys = r.body.one_time_keys?.[ALICE]?.[device] ?? {};
        const [[keyId, key]] = Object.entries(keys) as [string, { fallback?: boolean }][];
        return { keyId, fallback: key.fallback === true };
      };
      await fault(hs.url, {
        kind: 'error',
        path_prefix: '/_matrix/client/v3/keys/upload',
        times: -1,
      });
      let taken = 0;
      for (let k = await claim(); !k.fallback; k = await claim()) {
        if (++taken > 1_000) throw new Error('one-time keys do not run out');
      }
      expect(taken).toBeGreaterThan(0);

      // bob's first message needs an Olm session with us: only the fallback key is left.
      const text = 'over the fallback key';
      const { event_id } = await bob.sendTextMessage(roomId, text);
      await itemIn(alice, roomId, (i) => i.eventId === event_id && decryptedBody(text)(i));

      // Once uploads work again, we replace what was used.
      await clearFaults(hs.url);
      const fresh = await until('new one-time keys from our core', async () => {
        const k = await claim();
        return !k.fallback && k;
      });
      expect(fresh.keyId).toMatch(/^signed_curve25519:/);
      // The used fallback key stays until it is a week old: the Rust crypto rotates fallback
      // keys on a schedule, not when one is used (matrix-rust-sdk #3151).
    },
    T,
  );

  test(
    'a key that comes from a later message on: what it cannot open says so, after the wait',
    async () => {
      const hs = await startTestServer();
      cleanup(() => hs.close());
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const alice1 = await ourUser(hs.url, 'alice', cleanup);
      const { roomId } = await call(alice1, 'rooms.create', {
        invite: [bob.getUserId()!],
        isDirect: true,
      });
      await jsJoins(bob, roomId);
      const { event_id: first } = await bob.sendTextMessage(roomId, 'the session starts');
      await itemIn(alice1, roomId, (i) => i.eventId === first && i.e2ee?.state === 'decrypted');

      // Nobody can look devices up for a while: bob does not learn of alice's new device.
      await fault(hs.url, {
        kind: 'error',
        path_prefix: '/_matrix/client/v3/keys/query',
        times: -1,
      });
      const alice2 = await ourUser(hs.url, 'alice', cleanup, {
        existing: true,
        keysChecked: false,
      });
      const device2 = await ourDevice(alice2);
      await until('the second device keys on the server', () =>
        hs.hs.e2ee.deviceKeys(ALICE, device2),
      );
      const { event_id: missed } = await bob.sendTextMessage(roomId, 'not for the new device');
      const waiting = await itemIn(
        alice2,
        roomId,
        (i) => i.eventId === missed && i.e2ee?.state === 'undecryptable',
      );
      expect(waiting.e2ee).toEqual({ state: 'undecryptable', reason: 'missing_key' });

      // Then bob learns of it and shares the same session, from his next message on.
      await clearFaults(hs.url);
      await knowsDevice(bob, ALICE, device2);
      const { event_id: next } = await bob.sendTextMessage(roomId, 'for both devices now');
      await itemIn(
        alice2,
        roomId,
        (i) => i.eventId === next && decryptedBody('for both devices now')(i),
      );
      const session = async (id: string) =>
        (await wireEvent(hs.url, roomId, id, bob)).body.content.session_id as string;
      expect(await session(next)).toBe(await session(missed));
      // The key arrived, but only from a later message on: no longer waiting for it.
      const stuck = await itemIn(
        alice2,
        roomId,
        (i) =>
          i.eventId === missed &&
          i.e2ee?.state === 'undecryptable' &&
          i.e2ee.reason !== 'missing_key',
        'the missed message, no longer waiting',
      );
      expect(stuck.e2ee).toEqual({ state: 'undecryptable', reason: 'unknown_index' });
    },
    T,
  );

  test('js-sdk made no request the server did not recognise', () => {
    expect([...unrecognized]).toEqual([]);
  });
});
