/**
 * Cross-signing (cross_signing.yaml): `/keys/device_signing/upload` with user-interactive auth
 * as the spec requires it (not for a first upload, nor for the same keys again; for any new key
 * once a master key exists), and `/keys/signatures/upload` judging each signature on its own.
 */
import { describe, expect, it } from 'vitest';
import { CS, client, ok, seedUser, serverPool } from './testing/fixtures';
import { api, type TestUser } from './testing/helpers';
import { crossSigningKeys, csKey, deviceKeys, ed25519, signed } from './testing/keys';

const start = serverPool();
const PASSWORD = 'cross-signing-pw';
const UPLOAD = `${CS}/keys/device_signing/upload`;

const password = (u: TestUser, session: unknown, pw = PASSWORD) => ({
  type: 'm.login.password',
  identifier: { type: 'm.id.user', user: u.userId },
  password: pw,
  session,
});

async function masterKeyOf(url: string, u: TestUser) {
  const q = await client(url, u).post(`${CS}/keys/query`, { device_keys: { [u.userId]: [] } });
  return q.master_keys[u.userId];
}

describe('/keys/device_signing/upload', () => {
  it('takes a first upload without auth, and the same keys again without auth', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice', { password: PASSWORD });
    const keys = crossSigningKeys(alice.userId);
    ok(await api(url, 'POST', UPLOAD, keys.body, alice.token));
    // A retry after a lost response, even without the sub-keys, is no new key.
    ok(await api(url, 'POST', UPLOAD, keys.body, alice.token));
    ok(await api(url, 'POST', UPLOAD, { master_key: keys.body.master_key }, alice.token));
    expect(await masterKeyOf(url, alice)).toEqual(keys.body.master_key);
  });

  it('asks for the password to replace keys: challenge, wrong password, right password', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice', { password: PASSWORD });
    const first = crossSigningKeys(alice.userId);
    ok(await api(url, 'POST', UPLOAD, first.body, alice.token));
    const next = crossSigningKeys(alice.userId);

    const challenge = await api(url, 'POST', UPLOAD, next.body, alice.token);
    expect(challenge.status).toBe(401);
    expect(challenge.body).toMatchObject({
      flows: [{ stages: ['m.login.password'] }],
      params: {},
      session: expect.any(String),
    });
    expect(challenge.body.errcode).toBeUndefined();
    const session = challenge.body.session as string;

    const wrong = await api(
      url,
      'POST',
      UPLOAD,
      { ...next.body, auth: password(alice, session, 'not-the-password') },
      alice.token,
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({
      errcode: 'M_FORBIDDEN',
      error: expect.any(String),
      flows: [{ stages: ['m.login.password'] }],
      session,
    });
    expect(await masterKeyOf(url, alice)).toEqual(first.body.master_key);

    const done = await api(
      url,
      'POST',
      UPLOAD,
      { ...next.body, auth: password(alice, session) },
      alice.token,
    );
    expect(done.status).toBe(200);
    expect(await masterKeyOf(url, alice)).toEqual(next.body.master_key);
  });

  it("asks for auth to replace only a sub-key, and refuses another user's password", async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice', { password: PASSWORD });
    const bob = await seedUser(url, 'bob', { password: PASSWORD });
    const keys = crossSigningKeys(alice.userId);
    ok(await api(url, 'POST', UPLOAD, keys.body, alice.token));
    const ssk = { self_signing_key: csKey(alice.userId, 'self_signing', ed25519(), keys.master) };

    const challenge = await api(url, 'POST', UPLOAD, ssk, alice.token);
    expect(challenge.status).toBe(401);
    const asBob = await api(
      url,
      'POST',
      UPLOAD,
      { ...ssk, auth: password(bob, challenge.body.session) },
      alice.token,
    );
    expect(asBob.status).toBe(401);
    expect(asBob.body.errcode).toBe('M_FORBIDDEN');
    const done = await api(
      url,
      'POST',
      UPLOAD,
      { ...ssk, auth: password(alice, challenge.body.session) },
      alice.token,
    );
    expect(done.status).toBe(200);
  });
});

describe('/keys/signatures/upload', () => {
  it('stores the good signatures of a batch and reports each bad one under its key', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const dev = deviceKeys(alice);
    await client(url, alice).post(`${CS}/keys/upload`, { device_keys: dev.keys });
    const keys = crossSigningKeys(alice.userId);
    await client(url, alice).post(UPLOAD, keys.body);
    const bySsk = `ed25519:${keys.ssk.pub}`;

    const good = signed(dev.keys, alice.userId, bySsk, keys.ssk);
    const forgedMaster = signed(
      keys.body.master_key,
      alice.userId,
      `ed25519:${alice.deviceId}`,
      ed25519(),
    );
    const altered = signed(
      { ...dev.keys, algorithms: ['m.megolm.v1.aes-sha2'] },
      alice.userId,
      bySsk,
      keys.ssk,
    );
    const res = await client(url, alice).post(`${CS}/keys/signatures/upload`, {
      [alice.userId]: {
        [alice.deviceId]: good,
        [keys.master.pub]: forgedMaster,
        NOSUCHDEVICE: signed(
          { ...dev.keys, device_id: 'NOSUCHDEVICE' },
          alice.userId,
          bySsk,
          keys.ssk,
        ),
        notanobject: 'x',
      },
    });
    const failures = res.failures[alice.userId];
    expect(Object.keys(failures).sort()).toEqual(
      [keys.master.pub, 'NOSUCHDEVICE', 'notanobject'].sort(),
    );
    expect(failures[keys.master.pub].errcode).toBe('M_INVALID_SIGNATURE');
    for (const f of Object.values(failures))
      expect(f).toEqual({ errcode: expect.any(String), error: expect.any(String) });

    // A device key that differs from the uploaded one is refused, under its own key.
    const again = await client(url, alice).post(`${CS}/keys/signatures/upload`, {
      [alice.userId]: { [alice.deviceId]: altered },
    });
    expect(again.failures[alice.userId][alice.deviceId].errcode).toBe('M_INVALID_PARAM');

    // The good signature was stored despite its neighbours.
    const q = await client(url, alice).post(`${CS}/keys/query`, {
      device_keys: { [alice.userId]: [] },
    });
    expect(q.device_keys[alice.userId][alice.deviceId].signatures[alice.userId][bySsk]).toBe(
      good.signatures[alice.userId][bySsk],
    );
  });
});
