/**
 * Device-list tracking: `device_lists` in `/sync` and `GET /keys/changes` (keys.yaml, and the
 * spec's "Extensions to /sync" and "Tracking the device list for a user"). Both count users
 * who share a room with the requester, both joined; they report the same users for the same
 * window.
 */
import { describe, expect, it } from 'vitest';
import { CS, client, ok, roomPath, seedRoom, seedUser, serverPool } from './testing/fixtures';
import { api, type TestUser } from './testing/helpers';
import { crossSigningKeys, deviceKeys, otk, signed } from './testing/keys';

const start = serverPool();
const PASSWORD = 'device-lists-pw';

type Lists = { changed: string[]; left: string[] };
const sorted = (l: Lists): Lists => ({ changed: [...l.changed].sort(), left: [...l.left].sort() });

/**
 * The requester's `device_lists` since `since`, from `/sync` and from `/keys/changes` over the
 * same window, checked to agree; and the next token.
 */
async function deviceLists(url: string, u: TestUser, since: string) {
  const s = ok(
    await api(url, 'GET', `${CS}/sync?timeout=0&since=${since}`, undefined, u.token),
  ).body;
  const fromSync = sorted(s.device_lists as Lists);
  const q = `from=${since}&to=${s.next_batch}`;
  const fromChanges = sorted(
    ok(await api(url, 'GET', `${CS}/keys/changes?${q}`, undefined, u.token)).body as Lists,
  );
  expect(fromChanges).toEqual(fromSync);
  return { ...fromSync, next: s.next_batch as string };
}

async function firstToken(url: string, u: TestUser): Promise<string> {
  return ok(await api(url, 'GET', `${CS}/sync?timeout=0`, undefined, u.token)).body.next_batch;
}

async function login(url: string, u: TestUser): Promise<TestUser> {
  const r = ok(
    await api(url, 'POST', `${CS}/login`, {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: u.userId },
      password: PASSWORD,
    }),
  );
  return { userId: u.userId, deviceId: r.body.device_id, token: r.body.access_token };
}

const uploadKeys = async (url: string, u: TestUser) =>
  client(url, u).post(`${CS}/keys/upload`, { device_keys: deviceKeys(u).keys });

describe('device_lists and /keys/changes', () => {
  it('count users who share a room joined, not invited ones, and agree on every window', async () => {
    const { url } = await start();
    const [alice, bob, carol] = await Promise.all(
      ['alice', 'bob', 'carol'].map((n) => seedUser(url, n)),
    );
    const roomId = await seedRoom(url, {
      creator: alice.userId,
      members: [carol.userId],
      invite: [bob.userId],
    });
    let since = await firstToken(url, alice);

    // Bob is only invited: his new keys are not alice's concern yet; carol's are.
    await uploadKeys(url, bob!);
    await uploadKeys(url, carol!);
    let d = await deviceLists(url, alice, since);
    expect(d).toMatchObject({ changed: [carol!.userId], left: [] });

    // Bob joins: he now shares a room with alice, so she must refetch his devices.
    since = d.next;
    await client(url, bob!).post(roomPath(roomId, '/join'));
    d = await deviceLists(url, alice, since);
    expect(d).toMatchObject({ changed: [bob!.userId], left: [] });

    // Carol leaves: alice shares no room with her any more.
    since = d.next;
    await client(url, carol!).post(roomPath(roomId, '/leave'));
    d = await deviceLists(url, alice, since);
    expect(d).toMatchObject({ changed: [], left: [carol!.userId] });

    // Carol's keys change while she shares no room with alice: not alice's concern.
    since = d.next;
    await uploadKeys(url, carol!);
    d = await deviceLists(url, alice, since);
    expect(d).toMatchObject({ changed: [], left: [] });
  });

  it("follow the requester's own joins and leaves: their members become changed, then left", async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const dave = await seedUser(url, 'dave');
    const roomId = await seedRoom(url, { creator: dave.userId, invite: [alice.userId] });
    let since = await firstToken(url, alice);
    await client(url, alice).post(roomPath(roomId, '/join'));
    let d = await deviceLists(url, alice, since);
    expect(d).toMatchObject({ changed: [dave.userId], left: [] });
    since = d.next;
    await client(url, alice).post(roomPath(roomId, '/leave'));
    d = await deviceLists(url, alice, since);
    expect(d).toMatchObject({ changed: [], left: [dave.userId] });
  });

  it('never report an invited user who declines as left: they never shared a room', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const bob = await seedUser(url, 'bob');
    const roomId = await seedRoom(url, { creator: alice.userId, invite: [bob.userId] });
    const since = await firstToken(url, alice);
    await client(url, bob).post(roomPath(roomId, '/leave'));
    expect(await deviceLists(url, alice, since)).toMatchObject({ changed: [], left: [] });
  });

  it('report a new device, new device keys, new cross-signing keys and a removed device', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const bob = await seedUser(url, 'bob', { password: PASSWORD });
    await seedRoom(url, { creator: alice.userId, members: [bob.userId] });
    let since = await firstToken(url, alice);
    const expectBobChanged = async (what: string) => {
      const d = await deviceLists(url, alice, since);
      expect({ what, ...d }).toMatchObject({ what, changed: [bob.userId], left: [] });
      since = d.next;
    };

    const phone = await login(url, bob);
    await expectBobChanged('a new device');
    await uploadKeys(url, phone);
    await expectBobChanged('new device keys');
    await client(url, bob).post(
      `${CS}/keys/device_signing/upload`,
      crossSigningKeys(bob.userId).body,
    );
    await expectBobChanged('new cross-signing keys');
    await client(url, phone).post(`${CS}/logout`);
    await expectBobChanged('a removed device');
  });

  it("tell only the signer's devices of a signature on another user's master key", async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const carol = await seedUser(url, 'carol');
    const dave = await seedUser(url, 'dave', { password: PASSWORD });
    await seedRoom(url, { creator: alice.userId, members: [carol.userId] });
    const aliceKeys = crossSigningKeys(alice.userId);
    const daveKeys = crossSigningKeys(dave.userId);
    await client(url, alice).post(`${CS}/keys/device_signing/upload`, aliceKeys.body);
    await client(url, dave).post(`${CS}/keys/device_signing/upload`, daveKeys.body);
    const dave2 = await login(url, dave);
    const sinceDave2 = await firstToken(url, dave2);
    const sinceCarol = await firstToken(url, carol);

    // Dave verifies alice (they share no room): his user-signing key signs her master key.
    const byDave = signed(
      aliceKeys.body.master_key,
      dave.userId,
      `ed25519:${daveKeys.usk.pub}`,
      daveKeys.usk,
    );
    const res = await client(url, dave).post(`${CS}/keys/signatures/upload`, {
      [alice.userId]: { [aliceKeys.master.pub]: byDave },
    });
    expect(res.failures).toEqual({});

    // Dave's other device must refetch alice's keys to see the signature; carol sees nothing new.
    expect(await deviceLists(url, dave2, sinceDave2)).toMatchObject({
      changed: [alice.userId],
      left: [],
    });
    expect(await deviceLists(url, carol, sinceCarol)).toMatchObject({ changed: [], left: [] });
  });

  it('every sync response carries the one-time key counts and unused fallback key types', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const dev = deviceKeys(alice);
    const fallback = { 'signed_curve25519:FB': otk(alice, dev.signer, true) };
    await client(url, alice).post(`${CS}/keys/upload`, {
      device_keys: dev.keys,
      one_time_keys: { 'signed_curve25519:K1': otk(alice, dev.signer) },
      fallback_keys: fallback,
    });
    const get = async (q: string) =>
      ok(await api(url, 'GET', `${CS}/sync?${q}`, undefined, alice.token)).body;
    const initial = await get('timeout=0');
    const responses = [
      initial,
      await get(`timeout=0&since=${initial.next_batch}`),
      await get(`timeout=0&full_state=true&since=${initial.next_batch}`),
      await get(`timeout=10&since=${initial.next_batch}`),
      await get(`timeout=0&filter=${encodeURIComponent(JSON.stringify({ room: { rooms: [] } }))}`),
    ];
    for (const s of responses) {
      expect(s.device_one_time_keys_count).toEqual({ signed_curve25519: 1 });
      expect(s.device_unused_fallback_key_types).toEqual(['signed_curve25519']);
    }
  });
});
