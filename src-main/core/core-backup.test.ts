/**
 * Cross-signing and secure backup through real cores on the test homeserver: cross-signing
 * created at the first sign-in, secure backup set up on one device, room keys backed up as
 * they come, and a new device of the same user restored from it (verified, and an old
 * message it could not read decrypted).
 */
import { describe, expect, it } from 'vitest';
import { api } from '../../e2e/homeserver/testing/helpers';
import { decodeRecoveryKey, encodeRecoveryKey } from '../crypto/formats/index';
import {
  allBackedUp,
  body,
  roomWithMessage,
  undecryptable,
  crossSigned,
  newDevice,
  serverBackup,
  serverMasterKey,
  serverWithAlice,
  statusWhere,
} from '../testing/backup-harness';
import { call, callError, clearFaults, fault, next, useCleanups } from '../testing/core-harness';

const cleanup = useCleanups();
const T = 90_000;

describe('core: cross-signing at sign-in', () => {
  it(
    "the first sign-in creates the account's cross-signing; a second device leaves it alone",
    async () => {
      const { url, alice } = await serverWithAlice(cleanup);
      const first = await newDevice(cleanup, url, 'alice');
      const status = await crossSigned(first);
      expect(status.crossSigning.problem).toBeUndefined();
      const master = await serverMasterKey(url, alice, alice.userId);
      expect(master).toBeTruthy();

      const second = await newDevice(cleanup, url, 'alice');
      const s2 = await statusWhere(second, (s) => s.crossSigning.exists);
      expect(s2.crossSigning).toMatchObject({ privateKeysHere: false, deviceVerified: false });
      expect(await serverMasterKey(url, alice, alice.userId)).toBe(master);
      // The second device cannot set up secure backup with keys it does not hold.
      const err = await callError(second, 'backup.setup', {});
      expect(err.code).toBe('cross_signing_missing');
    },
    T,
  );

  it(
    'a failed setup is shown in crypto.status and tried again at the next sign-in',
    async () => {
      const { url, alice } = await serverWithAlice(cleanup);
      await fault(url, {
        kind: 'error',
        path_prefix: '/_matrix/client/v3/keys/device_signing/upload',
        times: -1,
      });
      const core = await newDevice(cleanup, url, 'alice');
      const failed = await statusWhere(core, (s) => s.crossSigning.problem !== undefined);
      expect(failed.crossSigning.problem).toMatch(/tried again when you next sign in/);
      expect(await serverMasterKey(url, alice, alice.userId)).toBeUndefined();

      await clearFaults(url);
      await call(core, 'account.relogin', { userId: alice.userId, password: 'secret-pw' });
      const ok = await crossSigned(core);
      expect(ok.crossSigning.problem).toBeUndefined();
      expect(await serverMasterKey(url, alice, alice.userId)).toBeTruthy();
    },
    T,
  );
});

describe('core: secure backup', () => {
  it(
    'set up on one device, keys backed up as they come, restored on a new device',
    async () => {
      const { url, alice } = await serverWithAlice(cleanup);
      const first = await newDevice(cleanup, url, 'alice');
      await crossSigned(first);
      const roomId = await roomWithMessage(first, 'written before the new device');

      const { recoveryKey } = await call(first, 'backup.setup', {});
      expect(decodeRecoveryKey(recoveryKey)).toHaveLength(32);
      const set = await allBackedUp(first);
      expect(set.secretStorage).toBe(true);
      const before = (await serverBackup(url, alice))!;
      expect(before.count).toBeGreaterThanOrEqual(1);
      // auth_data is signed by this device and by the master key.
      const master = await serverMasterKey(url, alice, alice.userId);
      const signers = Object.keys(before.auth_data.signatures[alice.userId]);
      expect(signers.sort()).toEqual([`ed25519:${set.deviceId}`, `ed25519:${master}`].sort());

      // A key made after the setup is backed up too: the server's count grows.
      const other = await roomWithMessage(first, 'another room, after the setup');
      expect(other).not.toBe(roomId);
      await allBackedUp(first, before.count + 1);
      expect((await serverBackup(url, alice))!.count).toBeGreaterThan(before.count);

      const fresh = await newDevice(cleanup, url, 'alice');
      const utd = await undecryptable(fresh, roomId);
      expect(utd.e2ee).toMatchObject({ reason: 'before_device' });
      const unverified = await call(fresh, 'crypto.status', {});
      expect(unverified.crossSigning.deviceVerified).toBe(false);

      const from = fresh.events.lastSeq;
      const r = await call(fresh, 'backup.restore', { recoveryKey });
      expect(r.total).toBeGreaterThanOrEqual(2);
      expect(r.imported).toBe(r.total);
      const updated = await next(
        fresh,
        'timeline.updated',
        (e) => e.data.roomId === roomId && e.data.items.some(body('written before the new device')),
        { afterSeq: from },
      );
      const item = updated.data.items.find(body('written before the new device'))!;
      expect(item.eventId).toBe(utd.eventId);
      expect(item.e2ee?.state).toBe('decrypted');
      const after = await crossSigned(fresh);
      expect(after.backup).toMatchObject({ enabled: true, version: before.version });
    },
    T,
  );

  it(
    'a session that opens again checks the server backup: goes on backing up, or says it is gone',
    async () => {
      const { url, alice } = await serverWithAlice(cleanup);
      const first = await newDevice(cleanup, url, 'alice');
      await crossSigned(first);
      await roomWithMessage(first, 'before the restart');
      await call(first, 'backup.setup', {});
      await allBackedUp(first);
      const count = (await serverBackup(url, alice))!.count;

      // Signing in again rebuilds the session over the same crypto store.
      await call(first, 'account.relogin', { userId: alice.userId, password: 'secret-pw' });
      await statusWhere(first, (s) => s.backup.enabled);
      await roomWithMessage(first, 'after the restart');
      await allBackedUp(first, count + 1);
      const { version, count: now } = (await serverBackup(url, alice))!;
      expect(now).toBe(count + 1);

      // Deleted behind its back: found when the session opens, with no key to upload.
      const path = `/_matrix/client/v3/room_keys/version/${version}`;
      expect((await api(url, 'DELETE', path, undefined, alice.token)).status).toBe(200);
      await call(first, 'account.relogin', { userId: alice.userId, password: 'secret-pw' });
      const lost = await statusWhere(first, (s) => s.backup.problem !== undefined);
      expect(lost.backup).toMatchObject({
        enabled: false,
        problem: expect.stringMatching(/deleted/),
      });
    },
    T,
  );

  it(
    'a new backup set up on another device is trusted by its signature and uploaded to',
    async () => {
      const { url, alice } = await serverWithAlice(cleanup);
      const first = await newDevice(cleanup, url, 'alice');
      await crossSigned(first);
      const { recoveryKey } = await call(first, 'backup.setup', {});
      const second = await newDevice(cleanup, url, 'alice');
      await call(second, 'backup.restore', { recoveryKey });
      await statusWhere(second, (s) => s.backup.enabled && s.backup.version === '1');

      // The first device starts over: version 2, whose key the second device does not hold.
      await call(first, 'backup.setup', {});
      expect((await serverBackup(url, alice))!.version).toBe('2');
      await roomWithMessage(second, 'from the second device');
      const s = await statusWhere(
        second,
        (x) =>
          x.backup.version === '2' && x.backup.keys >= 1 && x.backup.backedUp === x.backup.keys,
      );
      expect(s.backup).toMatchObject({ enabled: true });
      expect(s.backup.problem).toBeUndefined();
      // And the first device backs up to its new version too.
      await roomWithMessage(first, 'from the first device');
      await statusWhere(
        first,
        (x) =>
          x.backup.version === '2' && x.backup.keys >= 1 && x.backup.backedUp === x.backup.keys,
      );
      expect((await serverBackup(url, alice))!.count).toBeGreaterThanOrEqual(2);
    },
    T,
  );

  it(
    'a wrong recovery key fails cleanly and changes nothing',
    async () => {
      const { url } = await serverWithAlice(cleanup);
      const first = await newDevice(cleanup, url, 'alice');
      await crossSigned(first);
      await call(first, 'backup.setup', {});
      const fresh = await newDevice(cleanup, url, 'alice');
      const before = await statusWhere(fresh, (s) => s.crossSigning.exists);

      const wrong = encodeRecoveryKey(crypto.getRandomValues(new Uint8Array(32)));
      const err = await callError(fresh, 'backup.restore', { recoveryKey: wrong });
      expect(err).toEqual({
        code: 'wrong_recovery_key',
        message: "That recovery key does not match this account's secure backup",
      });
      const typo = await callError(fresh, 'backup.restore', { recoveryKey: 'EsT0 nope' });
      expect(typo.code).toBe('invalid_recovery_key');
      expect((await callError(fresh, 'backup.restore', {})).code).toBe('bad_request');
      const notText = { passphrase: 42 } as unknown as { passphrase: string };
      expect(await callError(fresh, 'backup.restore', notText)).toEqual({
        code: 'bad_request',
        message: 'The passphrase must be text',
      });
      expect(await call(fresh, 'crypto.status', {})).toEqual(before);
    },
    T,
  );

  it(
    'the passphrase variant: a wrong passphrase fails, the right one restores',
    async () => {
      const { url } = await serverWithAlice(cleanup);
      const first = await newDevice(cleanup, url, 'alice');
      await crossSigned(first);
      const roomId = await roomWithMessage(first, 'kept with a passphrase');
      const { recoveryKey } = await call(first, 'backup.setup', { passphrase: 'correct horse' });
      expect(decodeRecoveryKey(recoveryKey)).toHaveLength(32);
      await allBackedUp(first);

      const fresh = await newDevice(cleanup, url, 'alice');
      await undecryptable(fresh, roomId);
      const err = await callError(fresh, 'backup.restore', { passphrase: 'wrong horse' });
      expect(err).toEqual({
        code: 'wrong_recovery_key',
        message: "That passphrase does not match this account's secure backup",
      });
      const from = fresh.events.lastSeq;
      const r = await call(fresh, 'backup.restore', { passphrase: 'correct horse' });
      expect(r.imported).toBeGreaterThanOrEqual(1);
      await next(
        fresh,
        'timeline.updated',
        (e) => e.data.roomId === roomId && e.data.items.some(body('kept with a passphrase')),
        { afterSeq: from },
      );
      await crossSigned(fresh);
    },
    T,
  );
});
