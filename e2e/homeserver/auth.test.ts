/**
 * Discovery, registration, login/logout, tokens, devices and filters, checked against the
 * client-server spec (versions.yaml, wellknown.yaml, capabilities.yaml, registration.yaml,
 * login.yaml, logout.yaml, whoami.yaml, device_management.yaml, filter.yaml).
 */
import { describe, expect, it } from 'vitest';
import { CS, ok, seedUser, serverPool } from './testing/fixtures';
import { api, register } from './testing/helpers';

const start = serverPool();

async function login(base: string, user: string, password: string, extra = {}) {
  return api(base, 'POST', `${CS}/login`, {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user },
    password,
    ...extra,
  });
}

describe('discovery', () => {
  it('GET /versions lists spec versions without auth', async () => {
    const { url } = await start();
    const r = ok(await api(url, 'GET', '/_matrix/client/versions'));
    expect(Array.isArray(r.body.versions)).toBe(true);
    expect(r.body.versions.length).toBeGreaterThan(0);
    for (const v of r.body.versions) expect(v).toMatch(/^(r0\.\d+\.\d+|v1\.\d+)$/);
    expect(r.body.versions).toContain('v1.1');
    if (r.body.unstable_features !== undefined) {
      for (const flag of Object.values(r.body.unstable_features))
        expect(typeof flag).toBe('boolean');
    }
  });

  it('GET /.well-known/matrix/client points at this server', async () => {
    const { url } = await start();
    const r = ok(await api(url, 'GET', '/.well-known/matrix/client'));
    expect(r.body['m.homeserver']).toEqual({ base_url: url });
  });

  it('GET /capabilities gives m.room_versions with a default that is available', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    expect((await api(url, 'GET', `${CS}/capabilities`)).body.errcode).toBe('M_MISSING_TOKEN');
    const r = ok(await api(url, 'GET', `${CS}/capabilities`, undefined, alice.token));
    const rv = r.body.capabilities['m.room_versions'];
    expect(typeof rv.default).toBe('string');
    expect(Object.keys(rv.available)).toContain(rv.default);
    expect(rv.available[rv.default]).toBe('stable');
    expect(rv.available['11']).toBe('stable');
    for (const s of Object.values(rv.available)) expect(['stable', 'unstable']).toContain(s);
  });
});

describe('registration', () => {
  it('takes two steps: 401 with flows and session, then m.login.dummy succeeds', async () => {
    const { url } = await start();
    const body = { username: 'alice', password: 'pw-1', initial_device_display_name: 'Laptop' };
    const first = await api(url, 'POST', `${CS}/register`, body);
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual(
      expect.arrayContaining([expect.objectContaining({ stages: ['m.login.dummy'] })]),
    );
    expect(typeof first.body.session).toBe('string');
    expect(first.body.session.length).toBeGreaterThan(0);

    const second = ok(
      await api(url, 'POST', `${CS}/register`, {
        ...body,
        auth: { type: 'm.login.dummy', session: first.body.session },
      }),
    );
    expect(second.body.user_id).toBe('@alice:test.local');
    expect(typeof second.body.access_token).toBe('string');
    expect(typeof second.body.device_id).toBe('string');

    const who = ok(
      await api(url, 'GET', `${CS}/account/whoami`, undefined, second.body.access_token),
    );
    expect(who.body).toMatchObject({
      user_id: '@alice:test.local',
      device_id: second.body.device_id,
    });
    const dev = ok(
      await api(
        url,
        'GET',
        `${CS}/devices/${second.body.device_id}`,
        undefined,
        second.body.access_token,
      ),
    );
    expect(dev.body.display_name).toBe('Laptop');
  });

  it('rejects a taken username with M_USER_IN_USE before interactive auth', async () => {
    const { url } = await start();
    await register(url, 'alice');
    const r = await api(url, 'POST', `${CS}/register`, { username: 'alice', password: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.errcode).toBe('M_USER_IN_USE');
  });

  it('rejects an invalid username with M_INVALID_USERNAME', async () => {
    const { url } = await start();
    const r = await api(url, 'POST', `${CS}/register`, { username: 'not valid!', password: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.errcode).toBe('M_INVALID_USERNAME');
  });

  it('GET /register/available: true for free names, errors for taken and invalid ones', async () => {
    const { url } = await start();
    await register(url, 'alice');
    const avail = (u: string) =>
      api(url, 'GET', `${CS}/register/available?username=${encodeURIComponent(u)}`);
    expect(ok(await avail('bob')).body).toEqual({ available: true });
    const taken = await avail('alice');
    expect([taken.status, taken.body.errcode]).toEqual([400, 'M_USER_IN_USE']);
    const bad = await avail('no spaces');
    expect([bad.status, bad.body.errcode]).toEqual([400, 'M_INVALID_USERNAME']);
  });
});

describe('login and tokens', () => {
  it('GET /login offers m.login.password', async () => {
    const { url } = await start();
    const r = ok(await api(url, 'GET', `${CS}/login`));
    expect(r.body.flows).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'm.login.password' })]),
    );
  });

  it('POST /login with an m.id.user identifier (localpart or full id); wrong password is 403', async () => {
    const { url } = await start();
    await register(url, 'alice', 'right-pw');
    const a = ok(await login(url, 'alice', 'right-pw'));
    expect(a.body.user_id).toBe('@alice:test.local');
    expect(typeof a.body.access_token).toBe('string');
    expect(typeof a.body.device_id).toBe('string');
    const b = ok(await login(url, '@alice:test.local', 'right-pw', { device_id: 'MYDEVICE' }));
    expect(b.body.device_id).toBe('MYDEVICE');
    expect(b.body.access_token).not.toBe(a.body.access_token);

    const wrong = await login(url, 'alice', 'wrong-pw');
    expect(wrong.status).toBe(403);
    expect(wrong.body.errcode).toBe('M_FORBIDDEN');
    const nobody = await login(url, 'nobody', 'right-pw');
    expect([nobody.status, nobody.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
  });

  it('whoami names the user and device behind the token', async () => {
    const { url } = await start();
    const alice = await register(url, 'alice');
    const r = ok(await api(url, 'GET', `${CS}/account/whoami`, undefined, alice.token));
    expect(r.body.user_id).toBe(alice.userId);
    expect(r.body.device_id).toBe(alice.deviceId);
    expect(r.body.is_guest ?? false).toBe(false);
  });

  it('a request without a token is 401 M_MISSING_TOKEN; an unknown one M_UNKNOWN_TOKEN', async () => {
    const { url } = await start();
    const r = await api(url, 'GET', `${CS}/account/whoami`);
    expect([r.status, r.body.errcode]).toEqual([401, 'M_MISSING_TOKEN']);
    const u = await api(url, 'GET', `${CS}/account/whoami`, undefined, 'not-a-token');
    expect([u.status, u.body.errcode, u.body.soft_logout]).toEqual([401, 'M_UNKNOWN_TOKEN', false]);
  });

  it('logout invalidates only that token (401 M_UNKNOWN_TOKEN, soft_logout false)', async () => {
    const { url } = await start();
    const alice = await register(url, 'alice', 'pw');
    const other = ok(await login(url, 'alice', 'pw')).body.access_token as string;
    expect(ok(await api(url, 'POST', `${CS}/logout`, {}, alice.token)).body).toEqual({});
    const r = await api(url, 'GET', `${CS}/account/whoami`, undefined, alice.token);
    expect(r.status).toBe(401);
    expect(r.body.errcode).toBe('M_UNKNOWN_TOKEN');
    expect(r.body.soft_logout).toBe(false);
    ok(await api(url, 'GET', `${CS}/account/whoami`, undefined, other));
  });

  it('logout/all invalidates every token of the user and removes the devices', async () => {
    const { url } = await start();
    const alice = await register(url, 'alice', 'pw');
    const t2 = ok(await login(url, 'alice', 'pw')).body.access_token as string;
    const bob = await register(url, 'bob');
    ok(await api(url, 'POST', `${CS}/logout/all`, {}, t2));
    for (const t of [alice.token, t2]) {
      const r = await api(url, 'GET', `${CS}/account/whoami`, undefined, t);
      expect([r.status, r.body.errcode]).toEqual([401, 'M_UNKNOWN_TOKEN']);
    }
    ok(await api(url, 'GET', `${CS}/account/whoami`, undefined, bob.token));
    const fresh = ok(await login(url, 'alice', 'pw')).body;
    const devs = ok(await api(url, 'GET', `${CS}/devices`, undefined, fresh.access_token)).body;
    expect(devs.devices.map((d: { device_id: string }) => d.device_id)).toEqual([fresh.device_id]);
  });

  it('soft logout: 401 M_UNKNOWN_TOKEN with soft_logout true; re-login keeps the device', async () => {
    const { url } = await start();
    const alice = await register(url, 'alice', 'pw');
    ok(
      await api(url, 'POST', '/_test/soft_logout', {
        user_id: alice.userId,
        device_id: alice.deviceId,
      }),
    );
    const r = await api(url, 'GET', `${CS}/account/whoami`, undefined, alice.token);
    expect(r.status).toBe(401);
    expect(r.body.errcode).toBe('M_UNKNOWN_TOKEN');
    expect(r.body.soft_logout).toBe(true);
    const again = ok(await login(url, 'alice', 'pw', { device_id: alice.deviceId })).body;
    expect(again.device_id).toBe(alice.deviceId);
    const who = ok(await api(url, 'GET', `${CS}/account/whoami`, undefined, again.access_token));
    expect(who.body.device_id).toBe(alice.deviceId);
  });
});

describe('devices', () => {
  it('lists, gets and renames devices; unknown device is 404', async () => {
    const { url } = await start();
    await register(url, 'alice', 'pw');
    const a = ok(await login(url, 'alice', 'pw', { initial_device_display_name: 'Phone' })).body;
    const list = ok(await api(url, 'GET', `${CS}/devices`, undefined, a.access_token)).body;
    expect(list.devices).toHaveLength(2);
    const mine = list.devices.find((d: { device_id: string }) => d.device_id === a.device_id);
    expect(mine).toMatchObject({ device_id: a.device_id, display_name: 'Phone' });
    expect(typeof mine.last_seen_ts).toBe('number');

    const path = `${CS}/devices/${encodeURIComponent(a.device_id)}`;
    expect(ok(await api(url, 'GET', path, undefined, a.access_token)).body).toMatchObject({
      device_id: a.device_id,
      display_name: 'Phone',
    });
    expect(
      ok(await api(url, 'PUT', path, { display_name: 'Work phone' }, a.access_token)).body,
    ).toEqual({});
    expect(ok(await api(url, 'GET', path, undefined, a.access_token)).body.display_name).toBe(
      'Work phone',
    );

    const missing = await api(url, 'GET', `${CS}/devices/NOPE`, undefined, a.access_token);
    expect(missing.status).toBe(404);
    const renameMissing = await api(
      url,
      'PUT',
      `${CS}/devices/NOPE`,
      { display_name: 'x' },
      a.access_token,
    );
    expect(renameMissing.status).toBe(404);
  });

  it('DELETE /devices/{id} needs m.login.password UIA; after it, that token stops working', async () => {
    const { url } = await start();
    const alice = await register(url, 'alice', 'pw');
    const other = ok(await login(url, 'alice', 'pw')).body;
    const path = `${CS}/devices/${encodeURIComponent(other.device_id)}`;

    const challenge = await api(url, 'DELETE', path, {}, alice.token);
    expect(challenge.status).toBe(401);
    expect(challenge.body.flows).toEqual(
      expect.arrayContaining([expect.objectContaining({ stages: ['m.login.password'] })]),
    );
    const session = challenge.body.session;
    expect(typeof session).toBe('string');
    ok(await api(url, 'GET', `${CS}/account/whoami`, undefined, other.access_token));

    const auth = (password: string) => ({
      auth: {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: 'alice' },
        password,
        session,
      },
    });
    const wrong = await api(url, 'DELETE', path, auth('wrong'), alice.token);
    expect(wrong.status).toBe(401);
    expect(wrong.body.errcode).toBe('M_FORBIDDEN');
    expect(wrong.body.flows).toBeDefined();
    ok(await api(url, 'GET', `${CS}/account/whoami`, undefined, other.access_token));

    expect(ok(await api(url, 'DELETE', path, auth('pw'), alice.token)).body).toEqual({});
    const gone = await api(url, 'GET', `${CS}/account/whoami`, undefined, other.access_token);
    expect([gone.status, gone.body.errcode]).toEqual([401, 'M_UNKNOWN_TOKEN']);
    const list = ok(await api(url, 'GET', `${CS}/devices`, undefined, alice.token)).body.devices;
    expect(list.map((d: { device_id: string }) => d.device_id)).toEqual([alice.deviceId]);
    expect((await api(url, 'GET', path, undefined, alice.token)).status).toBe(404);
  });
});

describe('filters', () => {
  it('POST stores a filter, GET returns it; an unknown id is 404', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const base = `${CS}/user/${encodeURIComponent(alice.userId)}/filter`;
    const filter = {
      room: {
        timeline: { limit: 5, types: ['m.room.message'] },
        state: { lazy_load_members: true },
      },
      presence: { types: [] },
    };
    const created = ok(await api(url, 'POST', base, filter, alice.token)).body;
    expect(typeof created.filter_id).toBe('string');
    expect(created.filter_id.startsWith('{')).toBe(false);
    const got = ok(
      await api(
        url,
        'GET',
        `${base}/${encodeURIComponent(created.filter_id)}`,
        undefined,
        alice.token,
      ),
    );
    expect(got.body).toEqual(filter);
    const missing = await api(url, 'GET', `${base}/does-not-exist`, undefined, alice.token);
    expect(missing.status).toBe(404);
    expect(typeof missing.body.errcode).toBe('string');
  });

  it('a filter with wrong field types is 400 M_BAD_JSON', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const base = `${CS}/user/${encodeURIComponent(alice.userId)}/filter`;
    const r = await api(
      url,
      'POST',
      base,
      { room: { timeline: { types: 'm.room.message' } } },
      alice.token,
    );
    expect([r.status, r.body.errcode]).toEqual([400, 'M_BAD_JSON']);
  });
});
