import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHomeserver } from './server';
import { api, as, register, startTestServer, type TestUser } from './testing/helpers';
import { crossSigningKeys, csKey, deviceKeys, ed25519, otk, signed } from './testing/keys';

const V3 = '/_matrix/client/v3';
const PASSWORD = 'secret-pw';

let server: RunningHomeserver;
let url: string;
let n = 0;

beforeAll(async () => {
  server = await startTestServer();
  url = server.url;
});
afterAll(async () => {
  await server.close();
});

/** A fresh user with a unique name. */
const newUser = (name: string) => register(url, `${name}${++n}`, PASSWORD);

/** Master, self-signing and user-signing keys for a user, uploaded. */
async function setupCrossSigning(u: TestUser) {
  const keys = crossSigningKeys(u.userId);
  const res = await as(url, u)('POST', `${V3}/keys/device_signing/upload`, keys.body);
  expect(res.status).toBe(200);
  return keys;
}

async function sync(u: TestUser, since?: string) {
  const q = since ? `?timeout=0&since=${encodeURIComponent(since)}` : '?timeout=0';
  const res = await as(url, u)('GET', `${V3}/sync${q}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function sharedRoom(a: TestUser, b: TestUser): Promise<string> {
  const created = await as(url, a)('POST', `${V3}/createRoom`, { invite: [b.userId] });
  expect(created.status).toBe(200);
  const roomId = created.body.room_id as string;
  const joined = await as(url, b)('POST', `${V3}/join/${encodeURIComponent(roomId)}`, {});
  expect(joined.status).toBe(200);
  return roomId;
}

async function login(u: TestUser, deviceId: string): Promise<TestUser> {
  const res = await api(url, 'POST', `${V3}/login`, {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: u.userId },
    password: PASSWORD,
    device_id: deviceId,
  });
  expect(res.status).toBe(200);
  return { userId: u.userId, deviceId: res.body.device_id, token: res.body.access_token };
}

describe('device keys', () => {
  it('uploads device keys and serves them through /keys/query', async () => {
    const alice = await newUser('alice');
    const bob = await newUser('bob');
    const { keys } = deviceKeys(alice);
    const up = await as(url, alice)('POST', `${V3}/keys/upload`, { device_keys: keys });
    expect(up.status).toBe(200);
    expect(up.body.one_time_key_counts).toEqual({ signed_curve25519: 0 });
    const renamed = await as(url, alice)('PUT', `${V3}/devices/${alice.deviceId}`, {
      display_name: 'Alice phone',
    });
    expect(renamed.status).toBe(200);

    const q = await as(url, bob)('POST', `${V3}/keys/query`, {
      device_keys: { [alice.userId]: [] },
    });
    expect(q.status).toBe(200);
    expect(q.body.failures).toEqual({});
    expect(q.body.device_keys[alice.userId][alice.deviceId]).toEqual({
      ...keys,
      unsigned: { device_display_name: 'Alice phone' },
    });

    const some = await as(url, bob)('POST', `${V3}/keys/query`, {
      device_keys: { [alice.userId]: ['NOSUCHDEVICE'], [bob.userId]: [] },
    });
    expect(some.body.device_keys).toEqual({ [alice.userId]: {}, [bob.userId]: {} });
  });

  it('rejects keys of another device and malformed bodies without storing anything', async () => {
    const alice = await newUser('alice');
    const call = as(url, alice);
    const { keys, signer } = deviceKeys(alice);
    const upload = (body: unknown) => call('POST', `${V3}/keys/upload`, body);

    const other = await upload({ device_keys: { ...keys, device_id: 'SOMEONEELSE' } });
    expect(other.status).toBe(400);
    expect(other.body.errcode).toBe('M_INVALID_PARAM');
    expect((await upload({ device_keys: 'nope' })).body.errcode).toBe('M_BAD_JSON');
    expect((await upload({ one_time_keys: { nocolon: 'abc' } })).body.errcode).toBe(
      'M_INVALID_PARAM',
    );
    expect((await upload({ one_time_keys: { 'signed_curve25519:A': 5 } })).body.errcode).toBe(
      'M_BAD_JSON',
    );
    expect((await upload([1, 2])).body.errcode).toBe('M_BAD_JSON');
    expect((await upload('{not json')).body.errcode).toBe('M_NOT_JSON');
    const mixed = await upload({
      one_time_keys: { 'signed_curve25519:AAAA': otk(alice, signer) },
      fallback_keys: { 'signed_curve25519:FB': 7 },
    });
    expect(mixed.status).toBe(400);
    const counts = await upload({});
    expect(counts.body.one_time_key_counts).toEqual({ signed_curve25519: 0 });

    const q = await call('POST', `${V3}/keys/query`, { device_keys: { [alice.userId]: 'x' } });
    expect(q.status).toBe(400);
    expect(q.body.errcode).toBe('M_BAD_JSON');
    const claim = await call('POST', `${V3}/keys/claim`, {});
    expect(claim.status).toBe(400);
    expect(claim.body.errcode).toBe('M_MISSING_PARAM');
  });

  it('counts and claims one-time keys oldest first, then hands out the fallback key', async () => {
    const alice = await newUser('alice');
    const bob = await newUser('bob');
    const { keys, signer } = deviceKeys(alice);
    const call = as(url, alice);
    const first = {
      'signed_curve25519:AAAA': otk(alice, signer),
      'signed_curve25519:AAAB': otk(alice, signer),
    };
    let res = await call('POST', `${V3}/keys/upload`, { device_keys: keys, one_time_keys: first });
    expect(res.body.one_time_key_counts).toEqual({ signed_curve25519: 2 });
    const third = { 'signed_curve25519:AAAC': otk(alice, signer) };
    res = await call('POST', `${V3}/keys/upload`, { one_time_keys: third });
    expect(res.body.one_time_key_counts).toEqual({ signed_curve25519: 3 });
    // Re-uploading the same key is fine; re-using its id for another key is not.
    res = await call('POST', `${V3}/keys/upload`, { one_time_keys: third });
    expect(res.body.one_time_key_counts).toEqual({ signed_curve25519: 3 });
    res = await call('POST', `${V3}/keys/upload`, {
      one_time_keys: { 'signed_curve25519:AAAC': otk(alice, signer) },
    });
    expect(res.status).toBe(400);
    res = await call('POST', `${V3}/keys/upload`, {
      fallback_keys: { 'signed_curve25519:FB1': otk(alice, signer, true) },
    });
    expect(res.status).toBe(200);

    let s = await sync(alice);
    expect(s.device_one_time_keys_count).toEqual({ signed_curve25519: 3 });
    expect(s.device_unused_fallback_key_types).toEqual(['signed_curve25519']);

    const claim = async () => {
      const r = await as(url, bob)('POST', `${V3}/keys/claim`, {
        one_time_keys: { [alice.userId]: { [alice.deviceId]: 'signed_curve25519' } },
      });
      expect(r.status).toBe(200);
      expect(r.body.failures).toEqual({});
      return r.body.one_time_keys[alice.userId][alice.deviceId] as Record<string, unknown>;
    };
    const got = [await claim(), await claim(), await claim(), await claim(), await claim()];
    const ids = got.map((k) => Object.keys(k)[0]);
    expect(new Set(ids.slice(0, 2))).toEqual(new Set(Object.keys(first)));
    expect(ids.slice(2)).toEqual([
      'signed_curve25519:AAAC',
      'signed_curve25519:FB1',
      'signed_curve25519:FB1',
    ]);
    expect(got[0]![ids[0]!]).toEqual(first[ids[0] as keyof typeof first]);

    s = await sync(alice, s.next_batch);
    expect(s.device_one_time_keys_count).toEqual({ signed_curve25519: 0 });
    expect(s.device_unused_fallback_key_types).toEqual([]);
    // The pre-standard field name is accepted too.
    res = await call('POST', `${V3}/keys/upload`, {
      'org.matrix.msc2732.fallback_keys': { 'signed_curve25519:FB2': otk(alice, signer, true) },
    });
    expect(res.status).toBe(200);
    s = await sync(alice, s.next_batch);
    expect(s.device_unused_fallback_key_types).toEqual(['signed_curve25519']);
  });
});

describe('to-device messages', () => {
  it('delivers to one device or all, once per transaction, until acknowledged', async () => {
    const alice1 = await newUser('alice');
    const alice2 = await login(alice1, 'SECONDDEVICE');
    const bob = await newUser('bob');
    const a1 = (await sync(alice1)).next_batch;
    const a2 = (await sync(alice2)).next_batch;
    const send = (txn: string, messages: unknown) =>
      as(url, bob)('PUT', `${V3}/sendToDevice/m.test/${txn}`, { messages });

    expect((await send('t1', { [alice1.userId]: { [alice1.deviceId]: { n: 1 } } })).status).toBe(
      200,
    );
    expect((await send('t1', { [alice1.userId]: { [alice1.deviceId]: { n: 1 } } })).status).toBe(
      200,
    );
    const all = await send('t2', {
      [alice1.userId]: { '*': { n: 2 } },
      '@nobody:test.local': { XYZ: { n: 3 } },
      [bob.userId]: { NOSUCHDEVICE: { n: 4 } },
    });
    expect(all.status).toBe(200);

    const first = await sync(alice1, a1);
    const expected = [
      { sender: bob.userId, type: 'm.test', content: { n: 1 } },
      { sender: bob.userId, type: 'm.test', content: { n: 2 } },
    ];
    expect(first.to_device.events).toEqual(expected);
    expect((await sync(alice2, a2)).to_device.events).toEqual([expected[1]]);
    // Not acknowledged yet: the same `since` gets them again.
    expect((await sync(alice1, a1)).to_device.events).toEqual(expected);
    // Syncing from the returned token acknowledges them.
    expect((await sync(alice1, first.next_batch)).to_device.events).toEqual([]);

    const missing = await as(url, bob)('PUT', `${V3}/sendToDevice/m.test/t3`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.errcode).toBe('M_MISSING_PARAM');
    const bad = await send('t4', { [alice1.userId]: { [alice1.deviceId]: 'text' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errcode).toBe('M_BAD_JSON');
  });
});

describe('device lists', () => {
  it('reports key changes of room members via /sync and /keys/changes', async () => {
    const alice = await newUser('alice');
    const bob = await newUser('bob');
    const carol = await newUser('carol');
    await sharedRoom(alice, bob);
    const since = (await sync(alice)).next_batch;

    const up = async (u: TestUser) =>
      expect(
        (await as(url, u)('POST', `${V3}/keys/upload`, { device_keys: deviceKeys(u).keys })).status,
      ).toBe(200);
    await up(bob);
    await up(carol);

    const s = await sync(alice, since);
    expect(s.device_lists.changed).toContain(bob.userId);
    expect(s.device_lists.changed).not.toContain(carol.userId);
    const changes = await as(url, alice)(
      'GET',
      `${V3}/keys/changes?from=${since}&to=${s.next_batch}`,
    );
    expect(changes.status).toBe(200);
    expect(changes.body.changed).toContain(bob.userId);
    expect(changes.body.changed).not.toContain(carol.userId);
    expect(changes.body.left).toEqual([]);
    const bad = await as(url, alice)('GET', `${V3}/keys/changes?from=garbage`);
    expect(bad.status).toBe(400);
    expect(bad.body.errcode).toBe('M_INVALID_PARAM');
  });

  it("drops a logged-out device's keys and tells room members", async () => {
    const alice = await newUser('alice');
    const alice2 = await login(alice, 'LEAVING');
    const bob = await newUser('bob');
    await sharedRoom(alice, bob);
    const { keys, signer } = deviceKeys(alice2);
    await as(url, alice2)('POST', `${V3}/keys/upload`, {
      device_keys: keys,
      one_time_keys: { 'signed_curve25519:K1': otk(alice2, signer) },
    });
    const since = (await sync(bob)).next_batch;
    expect((await as(url, alice2)('POST', `${V3}/logout`, {})).status).toBe(200);

    expect((await sync(bob, since)).device_lists.changed).toContain(alice.userId);
    const q = await as(url, bob)('POST', `${V3}/keys/query`, {
      device_keys: { [alice.userId]: [] },
    });
    expect(q.body.device_keys[alice.userId]).toEqual({});
    const claim = await as(url, bob)('POST', `${V3}/keys/claim`, {
      one_time_keys: { [alice.userId]: { LEAVING: 'signed_curve25519' } },
    });
    expect(claim.body.one_time_keys).toEqual({});
  });
});

describe('cross-signing', () => {
  it('publishes cross-signing keys and uploaded signatures through /keys/query', async () => {
    const alice = await newUser('alice');
    const bob = await newUser('bob');
    const dev = deviceKeys(alice);
    await as(url, alice)('POST', `${V3}/keys/upload`, { device_keys: dev.keys });
    const a = await setupCrossSigning(alice);
    const aliceSigs = (body: unknown) =>
      as(url, alice)('POST', `${V3}/keys/signatures/upload`, body);

    const signedDevice = signed(dev.keys, alice.userId, `ed25519:${a.ssk.pub}`, a.ssk);
    const signedMaster = signed(
      a.body.master_key,
      alice.userId,
      `ed25519:${alice.deviceId}`,
      dev.signer,
    );
    const res = await aliceSigs({
      [alice.userId]: { [alice.deviceId]: signedDevice, [a.master.pub]: signedMaster },
    });
    expect(res.status).toBe(200);
    expect(res.body.failures).toEqual({});

    const forged = signed(dev.keys, alice.userId, `ed25519:${a.ssk.pub}`, ed25519());
    const bad = await aliceSigs({ [alice.userId]: { [alice.deviceId]: forged } });
    expect(bad.body.failures[alice.userId][alice.deviceId].errcode).toBe('M_INVALID_SIGNATURE');

    // Bob verifies Alice: his user-signing key signs her master key.
    const b = await setupCrossSigning(bob);
    const bobSigned = signed(a.body.master_key, bob.userId, `ed25519:${b.usk.pub}`, b.usk);
    const bs = await as(url, bob)('POST', `${V3}/keys/signatures/upload`, {
      [alice.userId]: { [a.master.pub]: bobSigned },
    });
    expect(bs.body.failures).toEqual({});

    const query = (u: TestUser) =>
      as(url, u)('POST', `${V3}/keys/query`, { device_keys: { [alice.userId]: [] } });
    const byAlice = (await query(alice)).body;
    expect(byAlice.device_keys[alice.userId][alice.deviceId].signatures[alice.userId]).toEqual({
      [`ed25519:${alice.deviceId}`]: dev.keys.signatures[alice.userId][`ed25519:${alice.deviceId}`],
      [`ed25519:${a.ssk.pub}`]: signedDevice.signatures[alice.userId][`ed25519:${a.ssk.pub}`],
    });
    expect(byAlice.master_keys[alice.userId]).toEqual(signedMaster);
    expect(byAlice.self_signing_keys[alice.userId]).toEqual(a.body.self_signing_key);
    expect(byAlice.user_signing_keys[alice.userId]).toEqual(a.body.user_signing_key);

    const byBob = (await query(bob)).body;
    expect(byBob.master_keys[alice.userId].signatures).toEqual({
      ...signedMaster.signatures,
      ...bobSigned.signatures,
    });
    expect(byBob.self_signing_keys[alice.userId]).toEqual(a.body.self_signing_key);
    expect(byBob.user_signing_keys).toEqual({});
  });

  it('requires interactive auth to replace the master key, not to re-upload it', async () => {
    const alice = await newUser('alice');
    const call = as(url, alice);
    const { body } = await setupCrossSigning(alice);
    const again = await call('POST', `${V3}/keys/device_signing/upload`, body);
    expect(again.status).toBe(200);

    const newMaster = csKey(alice.userId, 'master', ed25519());
    const challenge = await call('POST', `${V3}/keys/device_signing/upload`, {
      master_key: newMaster,
    });
    expect(challenge.status).toBe(401);
    expect(challenge.body.flows).toEqual([{ stages: ['m.login.password'] }]);
    let q = await call('POST', `${V3}/keys/query`, { device_keys: { [alice.userId]: [] } });
    expect(q.body.master_keys[alice.userId]).toEqual(body.master_key);

    const done = await call('POST', `${V3}/keys/device_signing/upload`, {
      master_key: newMaster,
      auth: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: alice.userId },
        password: PASSWORD,
        session: challenge.body.session,
      },
    });
    expect(done.status).toBe(200);
    q = await call('POST', `${V3}/keys/query`, { device_keys: { [alice.userId]: [] } });
    expect(q.body.master_keys[alice.userId]).toEqual(newMaster);
  });

  it('rejects unsigned or orphaned sub-keys and malformed keys', async () => {
    const carol = await newUser('carol');
    const call = as(url, carol);
    const up = (body: unknown) => call('POST', `${V3}/keys/device_signing/upload`, body);
    const orphan = await up({ self_signing_key: csKey(carol.userId, 'self_signing', ed25519()) });
    expect(orphan.status).toBe(400);
    expect(orphan.body.errcode).toBe('M_MISSING_PARAM');
    const master = ed25519();
    const forged = await up({
      master_key: csKey(carol.userId, 'master', master),
      self_signing_key: csKey(carol.userId, 'self_signing', ed25519(), ed25519()),
    });
    expect(forged.status).toBe(400);
    expect(forged.body.errcode).toBe('M_INVALID_SIGNATURE');
    const wrongUsage = await up({ master_key: csKey(carol.userId, 'self_signing', master) });
    expect(wrongUsage.body.errcode).toBe('M_INVALID_PARAM');
    expect((await up({ master_key: 'x' })).body.errcode).toBe('M_BAD_JSON');
    // Nothing was stored by the failed attempts.
    const q = await call('POST', `${V3}/keys/query`, { device_keys: { [carol.userId]: [] } });
    expect(q.body.master_keys).toEqual({});
    expect(q.body.self_signing_keys).toEqual({});
  });
});
