import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHomeserver } from './server';
import { as, register, startTestServer } from './testing/helpers';

const V3 = '/_matrix/client/v3';

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
const newUser = (name: string) => register(url, `${name}${++n}`);

const ALG = 'm.megolm_backup.v1.curve25519-aes-sha2';
const ROOM = '!etag:test.local';
const ROOM_PATH = encodeURIComponent(ROOM);

/** KeyBackupData with the given metadata; `tag` tells copies apart. */
const key = (idx: number, fwd: number, verified: boolean, tag: string) => ({
  first_message_index: idx,
  forwarded_count: fwd,
  is_verified: verified,
  session_data: { ciphertext: tag },
});

async function newVersion(call: ReturnType<typeof as>): Promise<string> {
  const res = await call('POST', `${V3}/room_keys/version`, { algorithm: ALG, auth_data: {} });
  return res.body.version as string;
}

/** One write through each PUT variant (one session, one room, all rooms), new keys each. */
function writes(v: string): [string, string, unknown][] {
  return [
    ['PUT', `/room_keys/keys/${ROOM_PATH}/s1?version=${v}`, key(3, 0, false, 'a')],
    [
      'PUT',
      `/room_keys/keys/${ROOM_PATH}?version=${v}`,
      { sessions: { s2: key(0, 0, false, 'b') } },
    ],
    [
      'PUT',
      `/room_keys/keys?version=${v}`,
      { rooms: { '!other:test.local': { sessions: { s3: key(0, 0, true, 'c') } } } },
    ],
  ];
}

describe('key backup', () => {
  it('creates, reads, updates and deletes backup versions', async () => {
    const alice = await newUser('alice');
    const call = as(url, alice);
    const none = await call('GET', `${V3}/room_keys/version`);
    expect(none.status).toBe(404);
    expect(none.body.errcode).toBe('M_NOT_FOUND');

    const created = await call('POST', `${V3}/room_keys/version`, {
      algorithm: ALG,
      auth_data: { public_key: 'abc' },
    });
    expect(created.status).toBe(200);
    const v1 = created.body.version as string;
    const info = await call('GET', `${V3}/room_keys/version`);
    expect(info.body).toEqual({
      algorithm: ALG,
      auth_data: { public_key: 'abc' },
      count: 0,
      etag: expect.any(String),
      version: v1,
    });

    const put = (v: string, body: unknown) => call('PUT', `${V3}/room_keys/version/${v}`, body);
    expect((await put(v1, { algorithm: ALG, auth_data: { public_key: 'def' } })).status).toBe(200);
    expect((await call('GET', `${V3}/room_keys/version/${v1}`)).body.auth_data).toEqual({
      public_key: 'def',
    });
    const mismatch = await put(v1, { algorithm: ALG, auth_data: {}, version: 'other' });
    expect(mismatch.body.errcode).toBe('M_INVALID_PARAM');
    expect((await put(v1, { algorithm: 'other', auth_data: {} })).body.errcode).toBe(
      'M_INVALID_PARAM',
    );
    expect((await put('999', { algorithm: ALG, auth_data: {} })).status).toBe(404);

    const v2 = (await call('POST', `${V3}/room_keys/version`, { algorithm: ALG, auth_data: {} }))
      .body.version;
    expect(v2).not.toBe(v1);
    expect((await call('GET', `${V3}/room_keys/version`)).body.version).toBe(v2);
    expect((await call('DELETE', `${V3}/room_keys/version/${v2}`)).status).toBe(200);
    expect((await call('DELETE', `${V3}/room_keys/version/${v2}`)).status).toBe(200);
    expect((await call('GET', `${V3}/room_keys/version`)).body.version).toBe(v1);
    expect((await call('GET', `${V3}/room_keys/version/${v2}`)).status).toBe(404);
    expect((await call('DELETE', `${V3}/room_keys/version/999`)).status).toBe(404);

    const noAuth = await call('POST', `${V3}/room_keys/version`, { algorithm: ALG });
    expect(noAuth.body.errcode).toBe('M_MISSING_PARAM');
    const badAuth = await call('POST', `${V3}/room_keys/version`, {
      algorithm: ALG,
      auth_data: 'x',
    });
    expect(badAuth.body.errcode).toBe('M_BAD_JSON');
  });

  it('stores session keys, keeping the better copy, only in the current version', async () => {
    const alice = await newUser('alice');
    const call = as(url, alice);
    const v = (await call('POST', `${V3}/room_keys/version`, { algorithm: ALG, auth_data: {} }))
      .body.version as string;
    const room = encodeURIComponent('!room:test.local');
    const key = (idx: number, fwd: number, verified: boolean, tag: string) => ({
      first_message_index: idx,
      forwarded_count: fwd,
      is_verified: verified,
      session_data: { ciphertext: tag },
    });
    const putOne = (data: unknown, version = v) =>
      call('PUT', `${V3}/room_keys/keys/${room}/s1?version=${version}`, data);
    const stored = async () =>
      (await call('GET', `${V3}/room_keys/keys/${room}/s1?version=${v}`)).body.session_data
        .ciphertext;

    const first = await putOne(key(5, 1, false, 'a'));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ etag: expect.any(String), count: 1 });
    const worse = await putOne(key(6, 0, false, 'x'));
    expect(worse.body).toEqual(first.body);
    expect(await stored()).toBe('a');
    const lower = await putOne(key(2, 1, false, 'b'));
    expect(lower.body.etag).not.toBe(first.body.etag);
    expect(await stored()).toBe('b');
    await putOne(key(9, 3, true, 'c'));
    expect(await stored()).toBe('c');
    await putOne(key(0, 0, false, 'y'));
    expect(await stored()).toBe('c');
    await putOne(key(9, 1, true, 'd'));
    expect(await stored()).toBe('d');

    const many = await call('PUT', `${V3}/room_keys/keys?version=${v}`, {
      rooms: { '!other:test.local': { sessions: { s2: key(0, 0, true, 'e') } } },
    });
    expect(many.body.count).toBe(2);
    const all = await call('GET', `${V3}/room_keys/keys?version=${v}`);
    expect(Object.keys(all.body.rooms).sort()).toEqual(['!other:test.local', '!room:test.local']);
    expect(all.body.rooms['!other:test.local'].sessions.s2).toEqual(key(0, 0, true, 'e'));
    const empty = await call(
      'GET',
      `${V3}/room_keys/keys/${encodeURIComponent('!no:x')}?version=${v}`,
    );
    expect(empty.body).toEqual({ sessions: {} });
    expect((await call('GET', `${V3}/room_keys/keys/${room}/nope?version=${v}`)).status).toBe(404);
    expect((await call('GET', `${V3}/room_keys/keys`)).body.errcode).toBe('M_MISSING_PARAM');

    // All or nothing: one bad session rejects the whole request.
    const partial = await call('PUT', `${V3}/room_keys/keys/${room}?version=${v}`, {
      sessions: { s3: key(0, 0, false, 'f'), s4: { ...key(0, 0, false, 'g'), is_verified: 'yes' } },
    });
    expect(partial.status).toBe(400);
    expect(partial.body.errcode).toBe('M_BAD_JSON');
    const noRooms = await call('PUT', `${V3}/room_keys/keys?version=${v}`, {});
    expect(noRooms.body.errcode).toBe('M_MISSING_PARAM');
    expect((await call('GET', `${V3}/room_keys/version/${v}`)).body.count).toBe(2);

    const v2 = (await call('POST', `${V3}/room_keys/version`, { algorithm: ALG, auth_data: {} }))
      .body.version as string;
    const stale = await putOne(key(0, 0, true, 'z'));
    expect(stale.status).toBe(403);
    expect(stale.body).toMatchObject({ errcode: 'M_WRONG_ROOM_KEYS_VERSION', current_version: v2 });
    expect((await putOne(key(0, 0, true, 'z'), '999')).status).toBe(404);

    const del = await call('DELETE', `${V3}/room_keys/keys/${room}?version=${v}`);
    expect(del.body.count).toBe(1);
  });

  it('keeps etag and count in step with the stored keys, in every write path', async () => {
    const alice = await newUser('alice');
    const call = as(url, alice);
    const v = await newVersion(call);
    const info = async () => (await call('GET', `${V3}/room_keys/version/${v}`)).body;
    const start = await info();
    expect(start).toMatchObject({ count: 0, etag: expect.any(String) });
    // Reading does not change the etag.
    expect((await info()).etag).toBe(start.etag);

    // Each write path returns the etag and count that GET then shows.
    const etags = new Set([start.etag]);
    for (const [i, [method, path, body]] of writes(v).entries()) {
      const res = await call(method, `${V3}${path}`, body);
      expect(res.status).toBe(200);
      expect(res.body.count).toBe(i + 1);
      expect(await info()).toMatchObject({ count: i + 1, etag: res.body.etag });
      etags.add(res.body.etag);
    }
    expect(etags.size).toBe(4);

    // A copy that is not better changes nothing, etag included; an equal one neither.
    const before = await info();
    const s1 = `${V3}/room_keys/keys/${ROOM_PATH}/s1?version=${v}`;
    for (const worse of [key(4, 0, false, 'x'), key(3, 1, false, 'y'), key(3, 0, false, 'z')]) {
      expect((await call('PUT', s1, worse)).body).toEqual({ etag: before.etag, count: 3 });
    }
    expect((await call('GET', s1)).body).toEqual(key(3, 0, false, 'a'));
    // Verified beats a lower index.
    const verified = await call('PUT', s1, key(7, 2, true, 'v'));
    expect(verified.body.etag).not.toBe(before.etag);
    expect((await call('GET', `${V3}/room_keys/keys/${ROOM_PATH}?version=${v}`)).body).toEqual({
      sessions: { s1: key(7, 2, true, 'v'), s2: key(0, 0, false, 'b') },
    });

    // Deleting keys counts down and changes the etag; an updated auth_data changes neither.
    const del = await call('DELETE', `${V3}/room_keys/keys/${ROOM_PATH}/s2?version=${v}`);
    expect(del.body.count).toBe(2);
    expect(del.body.etag).not.toBe(verified.body.etag);
    await call('PUT', `${V3}/room_keys/version/${v}`, { algorithm: ALG, auth_data: { x: 1 } });
    expect(await info()).toMatchObject({ count: 2, etag: del.body.etag, auth_data: { x: 1 } });
  });

  it('refuses every write path to an old version, and forgets a deleted one', async () => {
    const alice = await newUser('alice');
    const call = as(url, alice);
    const v = await newVersion(call);
    const [first] = writes(v);
    expect((await call(first![0], `${V3}${first![1]}`, first![2])).status).toBe(200);
    const v2 = await newVersion(call);

    // Every write path refuses the old version, naming the current one; reading it still works.
    for (const [method, path, body] of writes(v)) {
      const res = await call(method, `${V3}${path}`, body);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ errcode: 'M_WRONG_ROOM_KEYS_VERSION', current_version: v2 });
    }
    const old = await call('GET', `${V3}/room_keys/keys?version=${v}`);
    expect(old.body).toEqual({ rooms: { [ROOM]: { sessions: { s1: key(3, 0, false, 'a') } } } });
    expect((await call('GET', `${V3}/room_keys/version/${v2}`)).body).toMatchObject({ count: 0 });

    // A deleted version is gone: its keys cannot be read and it cannot be updated.
    await call('DELETE', `${V3}/room_keys/version/${v}`);
    expect((await call('GET', `${V3}/room_keys/keys?version=${v}`)).status).toBe(404);
    const s1 = `${V3}/room_keys/keys/${ROOM_PATH}/s1?version=${v}`;
    expect((await call('GET', s1)).status).toBe(404);
    const upd = await call('PUT', `${V3}/room_keys/version/${v}`, {
      algorithm: ALG,
      auth_data: {},
    });
    expect(upd.status).toBe(404);
  });
});
