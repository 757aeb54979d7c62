/**
 * Secure backup against bad input: malformed secret storage in account data, a key backup
 * with garbage sessions, and a server that loses or replaces the backup.
 */
import { describe, expect, it } from 'vitest';
import { api } from '../../e2e/homeserver/testing/helpers';
import { encodeRecoveryKey } from '../crypto/formats/index';
import {
  allBackedUp,
  body,
  roomWithMessage,
  crossSigned,
  items,
  newDevice,
  putAccountData,
  serverBackup,
  serverWithAlice,
  statusWhere,
} from '../testing/backup-harness';
import { call, callError, next, useCleanups } from '../testing/core-harness';

const cleanup = useCleanups();
const T = 90_000;
const CS = '/_matrix/client/v3';
const AES = 'm.secret_storage.v1.aes-hmac-sha2';

/** A backed-up session as the server stores it, with the given `session_data`. */
const session = (sessionData: unknown) => ({
  first_message_index: 0,
  forwarded_count: 0,
  is_verified: false,
  session_data: sessionData,
});

describe('core: secure backup against bad input', () => {
  it(
    'malformed secret storage is a clear error and changes nothing',
    async () => {
      const { url, alice } = await serverWithAlice(cleanup);
      const first = await newDevice(cleanup, url, 'alice');
      await crossSigned(first);
      const fresh = await newDevice(cleanup, url, 'alice');
      const before = await statusWhere(fresh, (s) => s.crossSigning.exists);
      const restore = () =>
        callError(fresh, 'backup.restore', {
          recoveryKey: encodeRecoveryKey(crypto.getRandomValues(new Uint8Array(32))),
        });
      expect((await restore()).code).toBe('no_secure_backup');

      const bad: [string, unknown][] = [
        ['m.secret_storage.default_key', { key: 42 }],
        ['m.secret_storage.default_key', { key: 'k1' }], // no description
        ['m.secret_storage.key.k1', { algorithm: 'org.example.unknown' }],
        ['m.secret_storage.key.k1', { algorithm: AES, iv: '!!', mac: 'not base64' }],
        ['m.secret_storage.key.k1', { algorithm: AES, iv: 'AAAA', mac: 'AAAA' }],
      ];
      for (const [type, content] of bad) {
        await putAccountData(url, alice, type, content);
        const err = await restore();
        expect(err.code, JSON.stringify(content)).toBe('bad_secure_backup');
      }

      // A good key whose stored secrets are damaged.
      const { recoveryKey } = await call(first, 'backup.setup', {});
      const keyId = (
        await api(
          url,
          'GET',
          `${CS}/user/${encodeURIComponent(alice.userId)}/account_data/m.secret_storage.default_key`,
          undefined,
          alice.token,
        )
      ).body.key as string;
      const viaPassphrase = await callError(fresh, 'backup.restore', { passphrase: 'x' });
      expect(viaPassphrase.message).toMatch(/has no passphrase: enter its recovery key/);
      await putAccountData(url, alice, 'm.cross_signing.master', {
        encrypted: { [keyId]: { iv: 'AAAA', ciphertext: 5, mac: 'x' } },
      });
      const damaged = await callError(fresh, 'backup.restore', { recoveryKey });
      expect(damaged).toMatchObject({ code: 'bad_secure_backup' });
      expect(damaged.message).toMatch(/m\.cross_signing\.master is damaged/);
      expect(await call(fresh, 'crypto.status', {})).toMatchObject({
        crossSigning: before.crossSigning,
        backup: { enabled: false },
      });
    },
    T,
  );

  it(
    'a backup with garbage sessions: those are skipped, the rest imported',
    async () => {
      const { url, alice } = await serverWithAlice(cleanup);
      const first = await newDevice(cleanup, url, 'alice');
      await crossSigned(first);
      const roomId = await roomWithMessage(first, 'among the garbage');
      const { recoveryKey } = await call(first, 'backup.setup', {});
      await allBackedUp(first);
      const { version } = (await serverBackup(url, alice))!;
      const keysPath = `${CS}/room_keys/keys?version=${version}`;
      const held = await api(url, 'GET', keysPath, undefined, alice.token);
      const real = Object.values(held.body.rooms[roomId].sessions)[0];
      const garbage = {
        rooms: {
          [roomId]: {
            sessions: {
              noise: session({ ephemeral: 'AAAA', ciphertext: 'BBBB', mac: 'CCCC' }),
              shapeless: session({ something: 'else' }),
            },
          },
          // A real session filed under something that is not a room id.
          'not a room id': { sessions: { s: real } },
        },
      };
      const put = await api(
        url,
        'PUT',
        `${CS}/room_keys/keys?version=${version}`,
        garbage,
        alice.token,
      );
      expect(put.status).toBe(200);

      const fresh = await newDevice(cleanup, url, 'alice');
      const from = fresh.events.lastSeq;
      await items(fresh, roomId);
      const r = await call(fresh, 'backup.restore', { recoveryKey });
      expect(r).toEqual({ imported: 1, total: 4 });
      await next(
        fresh,
        'timeline.updated',
        (e) => e.data.roomId === roomId && e.data.items.some(body('among the garbage')),
        { afterSeq: from },
      );
    },
    T,
  );

  it(
    'a server that loses the backup: uploads stop and say why; a restore still verifies',
    async () => {
      const { url, alice } = await serverWithAlice(cleanup);
      const first = await newDevice(cleanup, url, 'alice');
      await crossSigned(first);
      const { recoveryKey } = await call(first, 'backup.setup', {});
      const { version } = (await serverBackup(url, alice))!;
      const del = await api(
        url,
        'DELETE',
        `${CS}/room_keys/version/${version}`,
        undefined,
        alice.token,
      );
      expect(del.status).toBe(200);
      await roomWithMessage(first, 'nowhere to back this up');
      const lost = await statusWhere(first, (s) => s.backup.problem !== undefined);
      expect(lost.backup.enabled).toBe(false);
      expect(lost.backup.problem).toMatch(/was deleted/);

      const fresh = await newDevice(cleanup, url, 'alice');
      expect(await call(fresh, 'backup.restore', { recoveryKey })).toEqual({
        imported: 0,
        total: 0,
      });
      const after = await crossSigned(fresh);
      expect(after.backup).toMatchObject({ enabled: false });
      expect(after.backup.problem).toMatch(/no key backup/);
    },
    T,
  );

  it(
    'a backup replaced by one this device cannot trust: uploads stop and say why',
    async () => {
      const { url, alice } = await serverWithAlice(cleanup);
      const first = await newDevice(cleanup, url, 'alice');
      await crossSigned(first);
      await call(first, 'backup.setup', {});
      await allBackedUp(first, 0);
      const r = await api(
        url,
        'POST',
        `${CS}/room_keys/version`,
        {
          algorithm: 'm.megolm_backup.v1.curve25519-aes-sha2',
          auth_data: { public_key: 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo' },
        },
        alice.token,
      );
      expect(r.status).toBe(200);
      await roomWithMessage(first, 'not for a stranger');
      const replaced = await statusWhere(first, (s) => s.backup.problem !== undefined);
      expect(replaced.backup.enabled).toBe(false);
      expect(replaced.backup.problem).toMatch(/replaced by one this session cannot use/);
    },
    T,
  );
});
