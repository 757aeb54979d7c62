/**
 * kill -9 never loses a key: Bob's core runs in a child process (`crypto-crash-child.ts`) and is
 * killed with SIGKILL in the middle of a key import, right after one, during a device / one-time
 * keys upload, and during a key backup upload. A core restarted over the same data dir opens,
 * keeps its identity keys, still decrypts what it could before (and what Alice sends afterwards),
 * and finishes the work.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encryptedEvent } from '../../e2e/bench/room-keys';
import { newDevice, serverBackup, statusWhere } from '../testing/backup-harness';
import { call, clearFaults, fault, tempDir, useCleanups } from '../testing/core-harness';
import {
  aliceSends,
  bobChild,
  childStatus,
  cryptoStoreIntegrity,
  decryptOn,
  decrypted,
  encryptedDm,
  itemOn,
  keyFile,
  recordUploads,
  restarted,
  serverDevice,
  storedToken,
  world,
} from '../testing/crypto-crash';
import { exportRoomKeys } from '../crypto/room-keys';
import { wasm } from '../crypto/wasm';
import type { RawEvent } from '../protocol/events';

const cleanup = useCleanups();
const T = 90_000;
const CS = '/_matrix/client/v3';
const KEYS_UPLOAD = `${CS}/keys/upload`;
const BACKUP_UPLOAD = `${CS}/room_keys/keys`;

/** Every log line of the cores in this process (Alice, and Bob once restarted here). */
const logs: string[] = [];
afterEach(() => void logs.splice(0));
vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
  logs.push(args.map(String).join(' '));
});

describe('core: kill -9 during a key import', () => {
  it(
    'keeps the identity and every earlier key; the inbound session still decrypts; the import runs again',
    async () => {
      const { url, alice, aliceUser, bobUser } = await world(cleanup);
      const dataDir = tempDir();
      const bob = bobChild(cleanup, url, dataDir);
      await bob.waitLine((l) => l === `answered POST ${KEYS_UPLOAD} 200`, 'keys upload');
      const before = await bob.call('crypto.status', {});
      const roomId = await encryptedDm(url, alice, aliceUser.userId, bobUser.userId);
      const first = await aliceSends(alice, roomId, 'before the crash');
      await bob.item(roomId, decrypted('before the crash'));
      const held = (await bob.call('crypto.status', {})).backup.keys;
      expect(held).toBeGreaterThanOrEqual(1);

      const N = 5_000;
      const { keys, data, file } = await keyFile(N, 'import pass');
      const from = bob.mark();
      const importing = bob
        .send('import', { file, passphrase: 'import pass' })
        .catch(() => 'killed');
      await bob.waitLine((l) => l === 'importing', 'importing', from);
      // A fifth of the import's keys are written (inside its transaction): kill.
      await bob.waitLine((l) => l.startsWith('writing ') && +l.slice(8) >= N / 5, 'writes', from);
      await bob.kill();
      expect(await importing).toBe('killed');

      expect(cryptoStoreIntegrity(dataDir)).toBe('ok');
      const bob2 = await restarted(cleanup, dataDir);
      expect(bob2.session.crypto).toBeDefined(); // the store opened
      const after = await call(bob2, 'crypto.status', {});
      expect(after.ed25519).toBe(before.ed25519);
      // The import is one write transaction: killed in the middle, it left none of its keys.
      expect(after.backup.keys).toBe(held);
      expect(await decryptOn(bob2, roomId, first)).toBe('before the crash');

      // Alice's next message uses the same session: Bob's inbound session survived the kill.
      const second = await aliceSends(alice, roomId, 'after the restart');
      expect(second.content.session_id).toBe(first.content.session_id);
      await itemOn(bob2, roomId, decrypted('after the restart'));
      expect(await decryptOn(bob2, roomId, second)).toBe('after the restart');

      // The same file imports in full now.
      const again = await call(bob2, 'keys.import', { data, passphrase: 'import pass' });
      expect(again).toEqual({ imported: N, total: N });
      expect((await call(bob2, 'crypto.status', {})).backup.keys).toBe(held + N);
      const last = keys[N - 1]!;
      const made = encryptedEvent(last, { msgtype: 'm.text', body: 'imported' }) as RawEvent;
      expect(await decryptOn(bob2, last.exported.room_id, made)).toBe('imported');
    },
    T,
  );
});

describe('core: kill -9 right after a key import', () => {
  it(
    'killed after the import committed, before the messages waiting for its keys were retried: they decrypt after the restart',
    async () => {
      const { url, alice, aliceUser, bobUser } = await world(cleanup);
      const roomId = await encryptedDm(url, alice, aliceUser.userId, bobUser.userId);
      const sent = await aliceSends(alice, roomId, 'sent before this session');
      const dataDir = tempDir();
      const bob = bobChild(cleanup, url, dataDir);
      const utd = await bob.item(roomId, (i) => i.e2ee?.state === 'undecryptable');
      expect(utd.e2ee).toEqual({ state: 'undecryptable', reason: 'before_device' });

      const file = join(tempDir(), 'alice-keys.txt');
      writeFileSync(file, await exportRoomKeys(alice.session.crypto!.machine, 'pass', 1_000));
      const from = bob.mark();
      const importing = bob
        .send('import', { file, passphrase: 'pass', stopAfterCommit: true })
        .catch(() => 'killed');
      await bob.waitLine((l) => l === 'committed', 'import commit', from);
      await bob.kill();
      expect(await importing).toBe('killed');
      // The child never retried the message (it stopped right after the commit).
      expect(bob.lines.slice(from).filter((l) => l.includes('sent before this session'))).toEqual(
        [],
      );

      const bob2 = await restarted(cleanup, dataDir);
      // The key is in the store; the message held in the cache must not stay unreadable.
      expect(await decryptOn(bob2, roomId, sent)).toBe('sent before this session');
      const item = await itemOn(bob2, roomId, decrypted('sent before this session'));
      expect(item.eventId).toBe(utd.eventId);
    },
    T,
  );
});

/** Log lines of a keys upload the server refused (one-time keys re-used with other content). */
const refusedUploads = () => logs.filter((l) => /already exists|KeysUpload .*failed/.test(l));

describe('core: kill -9 during a keys upload', () => {
  it(
    'killed while the upload waits at the server: the restart uploads the same identity, and messages reach it',
    async () => {
      const { url, alice, aliceUser, bobUser } = await world(cleanup);
      const uploads = recordUploads(cleanup);
      await fault(url, { kind: 'hang', path_prefix: KEYS_UPLOAD, method: 'POST', times: -1 });
      const dataDir = tempDir();
      const bob = bobChild(cleanup, url, dataDir);
      await bob.waitLine((l) => l === `request POST ${KEYS_UPLOAD}`, 'keys upload request');
      const before = await bob.call('crypto.status', {});
      await bob.kill();
      await clearFaults(url);
      const token = await storedToken(dataDir, bobUser.userId);
      expect(await serverDevice(url, token, bobUser.userId, before.deviceId)).toEqual({
        ed25519: undefined,
        oneTimeKeys: 0,
      });

      const bob2 = await restarted(cleanup, dataDir);
      expect((await call(bob2, 'crypto.status', {})).ed25519).toBe(before.ed25519);
      const upload = await uploads.wait(
        (u) => u.token === token && u.path === KEYS_UPLOAD,
        "the restarted core's keys upload",
      );
      expect(upload.status).toBe(200);
      const server = await serverDevice(url, token, bobUser.userId, before.deviceId);
      expect(server.ed25519).toBe(before.ed25519);
      expect(server.oneTimeKeys).toBeGreaterThan(0);

      const roomId = await encryptedDm(url, alice, aliceUser.userId, bobUser.userId);
      await aliceSends(alice, roomId, 'after the restart');
      await itemOn(bob2, roomId, decrypted('after the restart'));
      expect(refusedUploads()).toEqual([]);
    },
    T,
  );

  it(
    'killed after the server took the upload, before the core heard back: no one-time key changes, and messages reach it',
    async () => {
      const { url, alice, aliceUser, bobUser } = await world(cleanup);
      const uploads = recordUploads(cleanup);
      const dataDir = tempDir();
      const bob = bobChild(cleanup, url, dataDir, { method: 'POST', path: KEYS_UPLOAD });
      const heldLine = await bob.waitLine(
        (l) => l.startsWith(`held POST ${KEYS_UPLOAD} 200 `),
        'held keys upload',
      );
      const before = await bob.call('crypto.status', {});
      await bob.kill();
      const killedBody = JSON.parse(heldLine.split(' ').slice(4).join(' ')) as {
        one_time_keys?: Record<string, unknown>;
      };
      const killedOtks = killedBody.one_time_keys ?? {};
      expect(Object.keys(killedOtks).length).toBeGreaterThan(0);
      const token = await storedToken(dataDir, bobUser.userId);
      const atKill = await serverDevice(url, token, bobUser.userId, before.deviceId);
      expect(atKill).toEqual({
        ed25519: before.ed25519,
        oneTimeKeys: Object.keys(killedOtks).length,
      });

      const bob2 = await restarted(cleanup, dataDir);
      expect((await call(bob2, 'crypto.status', {})).ed25519).toBe(before.ed25519);
      // The restarted core sends the upload it never heard back about: the same keys again.
      const upload = await uploads.wait(
        (u) => u.token === token && u.path === KEYS_UPLOAD,
        "the restarted core's keys upload",
      );
      expect(upload.status).toBe(200);
      const sentAgain = (JSON.parse(upload.body) as typeof killedBody).one_time_keys ?? {};
      const common = Object.keys(sentAgain).filter((id) => id in killedOtks);
      expect(common.length).toBeGreaterThan(0);
      for (const id of common) expect(sentAgain[id]).toEqual(killedOtks[id]);
      const afterRestart = await serverDevice(url, token, bobUser.userId, before.deviceId);
      expect(afterRestart).toEqual(atKill); // the server holds the same keys, none added

      // Alice claims the oldest one-time key (one of the killed upload's): Bob can use it.
      const roomId = await encryptedDm(url, alice, aliceUser.userId, bobUser.userId);
      await aliceSends(alice, roomId, 'after the restart');
      await itemOn(bob2, roomId, decrypted('after the restart'));
      expect(refusedUploads()).toEqual([]);
      expect(bob.lines.filter((l) => /already exists/.test(l))).toEqual([]);
    },
    T,
  );
});

/**
 * Bob (a child) with secure backup set up, in an encrypted DM with Alice; Alice sends `count`
 * messages, each with a new session, while Bob's key backup uploads are `held` (or hang at the
 * server); Bob is killed once all keys are his and an upload is pending.
 */
async function killedDuringBackup(held: boolean, count: number) {
  const { url, alice, aliceUser, bobUser } = await world(cleanup);
  const dataDir = tempDir();
  const hold = held ? { method: 'PUT', path: BACKUP_UPLOAD } : undefined;
  const bob = bobChild(cleanup, url, dataDir, hold);
  await childStatus(bob, (s) => s.crossSigning.privateKeysHere && s.crossSigning.deviceVerified);
  const { recoveryKey } = await bob.call('backup.setup', {});
  const version = (await serverBackup(url, bobUser))!.version;
  const roomId = await encryptedDm(url, alice, aliceUser.userId, bobUser.userId);
  if (!held)
    await fault(url, { kind: 'hang', path_prefix: BACKUP_UPLOAD, method: 'PUT', times: -1 });

  const from = bob.mark();
  const sent: RawEvent[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0)
      await alice.session.crypto!.machine.olm.invalidateGroupSession(new wasm.RoomId(roomId));
    sent.push(await aliceSends(alice, roomId, `message ${i}`));
    await bob.item(roomId, decrypted(`message ${i}`));
  }
  const pending = held ? `held PUT ${BACKUP_UPLOAD}` : `request PUT ${BACKUP_UPLOAD}`;
  await bob.waitLine((l) => l.startsWith(pending), 'pending backup upload', from);
  const atKill = await bob.call('crypto.status', {});
  expect(atKill.backup).toMatchObject({ enabled: true, version, keys: count });
  expect(atKill.backup.backedUp).toBeLessThan(count);
  await bob.kill();
  await clearFaults(url);
  return { url, bobUser, dataDir, roomId, sent, version, recoveryKey, before: atKill };
}

describe('core: kill -9 during a key backup upload', () => {
  for (const held of [false, true]) {
    const when = held
      ? 'after the server stored the batch, before the core heard back'
      : 'while the upload waits at the server';
    it(
      `killed ${when}: every key reaches the backup after the restart, none is lost here`,
      async () => {
        const K = 3;
        const k = await killedDuringBackup(held, K);
        const stored = (await serverBackup(k.url, k.bobUser))!.count;
        if (held) expect(stored).toBeGreaterThan(0);
        else expect(stored).toBe(0);

        const bob2 = await restarted(cleanup, k.dataDir);
        const now = await call(bob2, 'crypto.status', {});
        expect(now.ed25519).toBe(k.before.ed25519);
        expect(now.backup.keys).toBe(K);
        const done = await statusWhere(bob2, (s) => s.backup.backedUp === K, 60_000);
        expect(done.backup).toMatchObject({ enabled: true, version: k.version, keys: K });
        expect((await serverBackup(k.url, k.bobUser))!.count).toBe(K);
        for (const [i, ev] of k.sent.entries())
          expect(await decryptOn(bob2, k.roomId, ev)).toBe(`message ${i}`);
        expect(logs.filter((l) => /backing up room keys failed/.test(l))).toEqual([]);

        // What the backup holds is whole: a new session of Bob's restores every key from it.
        const bob3 = await newDevice(cleanup, k.url, 'bob');
        const restored = await call(bob3, 'backup.restore', { recoveryKey: k.recoveryKey });
        expect(restored.total).toBe(K);
        for (const [i, ev] of k.sent.entries())
          expect(await decryptOn(bob3, k.roomId, ev)).toBe(`message ${i}`);
      },
      T,
    );
  }
});
