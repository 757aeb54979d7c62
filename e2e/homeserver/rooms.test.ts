/**
 * Room creation, membership, aliases and the published room directory, checked against the
 * client-server spec (create_room.yaml, inviting.yaml, joining.yaml, leaving.yaml,
 * kicking.yaml, banning.yaml, directory.yaml, list_public_rooms.yaml, list_joined_rooms.yaml).
 */
import { describe, expect, it } from 'vitest';
import {
  CS,
  client,
  expectError,
  ok,
  roomPath,
  seedRoom,
  seedUser,
  serverPool,
  sync,
  type Json,
} from './testing/fixtures';
import { api } from './testing/helpers';

const start = serverPool();
const e = encodeURIComponent;
type Client = ReturnType<typeof client>;

/** A server with alice, bob and carol, each with a client. */
async function setup() {
  const { url } = await start();
  const [alice, bob, carol] = await Promise.all(
    ['alice', 'bob', 'carol'].map((n) => seedUser(url, n)),
  );
  return {
    url,
    alice: alice!,
    bob: bob!,
    carol: carol!,
    A: client(url, alice!),
    B: client(url, bob!),
    C: client(url, carol!),
  };
}

const create = async (c: Client, body: Json) =>
  (await c.post(`${CS}/createRoom`, body)).room_id as string;
const state = (c: Client, roomId: string, type: string, key = '') =>
  c.get(roomPath(roomId, `/state/${e(type)}/${e(key)}`));
const membership = async (c: Client, roomId: string, userId: string) =>
  (await state(c, roomId, 'm.room.member', userId)).membership;
const aliasPath = (alias: string) => `${CS}/directory/room/${e(alias)}`;

describe('createRoom', () => {
  it('sets name, topic and the public_chat preset state', async () => {
    const { alice, A } = await setup();
    const roomId = await create(A, { preset: 'public_chat', name: 'Pub', topic: 'Beer talk' });
    expect(roomId).toMatch(/^!.+:test\.local$/);
    expect((await state(A, roomId, 'm.room.name')).name).toBe('Pub');
    expect((await state(A, roomId, 'm.room.topic')).topic).toBe('Beer talk');
    expect(await state(A, roomId, 'm.room.join_rules')).toMatchObject({ join_rule: 'public' });
    expect(await state(A, roomId, 'm.room.history_visibility')).toEqual({
      history_visibility: 'shared',
    });
    expect(await state(A, roomId, 'm.room.guest_access')).toEqual({ guest_access: 'forbidden' });
    expect((await state(A, roomId, 'm.room.power_levels')).users[alice.userId]).toBe(100);
    expect(await membership(A, roomId, alice.userId)).toBe('join');
  });

  it('private_chat gives invite-only join rules and guest_access can_join', async () => {
    const { A } = await setup();
    const roomId = await create(A, { preset: 'private_chat' });
    expect(await state(A, roomId, 'm.room.join_rules')).toMatchObject({ join_rule: 'invite' });
    expect(await state(A, roomId, 'm.room.history_visibility')).toEqual({
      history_visibility: 'shared',
    });
    expect(await state(A, roomId, 'm.room.guest_access')).toEqual({ guest_access: 'can_join' });
    expect((await A.call('GET', roomPath(roomId, '/state/m.room.name/'))).status).toBe(404);
  });

  it('room_alias_name creates the alias and canonical alias; reuse is 400 M_ROOM_IN_USE', async () => {
    const { url, A } = await setup();
    const roomId = await create(A, { room_alias_name: 'lobby' });
    expect(ok(await api(url, 'GET', aliasPath('#lobby:test.local'))).body.room_id).toBe(roomId);
    expect((await state(A, roomId, 'm.room.canonical_alias')).alias).toBe('#lobby:test.local');
    expectError(
      await A.call('POST', `${CS}/createRoom`, { room_alias_name: 'lobby' }),
      400,
      'M_ROOM_IN_USE',
    );
  });

  it('invite + is_direct puts is_direct on the invite member event', async () => {
    const { url, alice, bob, A } = await setup();
    const roomId = await create(A, {
      invite: [bob.userId],
      is_direct: true,
      preset: 'trusted_private_chat',
    });
    expect(await state(A, roomId, 'm.room.member', bob.userId)).toMatchObject({
      membership: 'invite',
      is_direct: true,
    });
    const events = (await sync(url, bob)).body.rooms.invite[roomId].invite_state.events as Json[];
    const own = events.find((ev) => ev.type === 'm.room.member' && ev.state_key === bob.userId);
    expect(own).toMatchObject({
      sender: alice.userId,
      content: { membership: 'invite', is_direct: true },
    });
  });

  it('sends initial_state, and creates state in the order the spec gives', async () => {
    const { bob, A } = await setup();
    const roomId = await create(A, {
      preset: 'private_chat',
      room_alias_name: 'ordered',
      name: 'Ordered',
      topic: 'T',
      invite: [bob.userId],
      initial_state: [
        {
          type: 'm.room.encryption',
          state_key: '',
          content: { algorithm: 'm.megolm.v1.aes-sha2' },
        },
        { type: 'org.example.custom', state_key: 'k', content: { answer: 42 } },
      ],
    });
    expect(await state(A, roomId, 'm.room.encryption')).toEqual({
      algorithm: 'm.megolm.v1.aes-sha2',
    });
    expect(await state(A, roomId, 'org.example.custom', 'k')).toEqual({ answer: 42 });
    const chunk = (await A.get(roomPath(roomId, '/messages?dir=f&limit=50'))).chunk as Json[];
    const order = chunk.map((ev) =>
      ev.type === 'm.room.member' ? `member:${(ev.content as Json).membership}` : ev.type,
    );
    expect(order).toEqual([
      'm.room.create',
      'member:join',
      'm.room.power_levels',
      'm.room.canonical_alias',
      'm.room.join_rules',
      'm.room.history_visibility',
      'm.room.guest_access',
      'm.room.encryption',
      'org.example.custom',
      'm.room.name',
      'm.room.topic',
      'member:invite',
    ]);
  });

  it('room_version 11 has no creator in the create event; unknown versions are refused', async () => {
    const { alice, A } = await setup();
    const v11 = await create(A, { room_version: '11' });
    const ev = await A.get(roomPath(v11, '/state/m.room.create/?format=event'));
    expect(ev.sender).toBe(alice.userId);
    expect(ev.content.room_version).toBe('11');
    expect(ev.content).not.toHaveProperty('creator');
    const v10 = await create(A, { room_version: '10' });
    expect(await state(A, v10, 'm.room.create')).toMatchObject({
      room_version: '10',
      creator: alice.userId,
    });
    expectError(
      await A.call('POST', `${CS}/createRoom`, { room_version: '999' }),
      400,
      'M_UNSUPPORTED_ROOM_VERSION',
    );
  });
});

describe('membership', () => {
  it('invite then join by room id; join a public room by alias', async () => {
    const { alice, bob, carol, A, B, C } = await setup();
    const priv = await create(A, { preset: 'private_chat' });
    expect(await A.post(roomPath(priv, '/invite'), { user_id: bob.userId })).toEqual({});
    expect(await membership(A, priv, bob.userId)).toBe('invite');
    expect(await B.post(roomPath(priv, '/join'))).toEqual({ room_id: priv });
    expect(await membership(A, priv, bob.userId)).toBe('join');

    const pub = await create(A, { preset: 'public_chat', room_alias_name: 'town' });
    expect(await C.post(`${CS}/join/${e('#town:test.local')}`)).toEqual({ room_id: pub });
    const jm = await C.get(roomPath(pub, '/joined_members'));
    expect(Object.keys(jm.joined).sort()).toEqual([alice.userId, carol.userId].sort());
  });

  it('joining an invite-only room without an invite is 403 M_FORBIDDEN', async () => {
    const { A, C } = await setup();
    const roomId = await create(A, { preset: 'private_chat' });
    expectError(await C.call('POST', roomPath(roomId, '/join'), {}), 403, 'M_FORBIDDEN');
    expectError(await C.call('POST', `${CS}/join/${e(roomId)}`, {}), 403, 'M_FORBIDDEN');
  });

  it('forget needs a prior leave (400 while joined); a forgotten room leaves sync', async () => {
    const { url, alice, bob, A, B } = await setup();
    const roomId = await seedRoom(url, {
      creator: alice.userId,
      members: [bob.userId],
      preset: 'public_chat',
    });
    expectError(await B.call('POST', roomPath(roomId, '/forget'), {}), 400, 'M_UNKNOWN');
    expect(await B.post(roomPath(roomId, '/leave'))).toEqual({});
    expect(await membership(A, roomId, bob.userId)).toBe('leave');
    const filter = { room: { include_leave: true } };
    expect((await sync(url, bob, { filter })).body.rooms.leave).toHaveProperty(roomId);
    expect(await B.post(roomPath(roomId, '/forget'))).toEqual({});
    expect((await sync(url, bob, { filter })).body.rooms.leave).not.toHaveProperty(roomId);
    expect((await B.get(`${CS}/joined_rooms`)).joined_rooms).not.toContain(roomId);
  });

  it('kick, ban and unban follow power levels', async () => {
    const { url, alice, bob, carol, A, B, C } = await setup();
    const roomId = await seedRoom(url, {
      creator: alice.userId,
      members: [bob.userId, carol.userId],
      preset: 'public_chat',
    });
    const op = (c: Client, what: string, target: string, reason?: string) =>
      c.call('POST', roomPath(roomId, `/${what}`), {
        user_id: target,
        ...(reason ? { reason } : {}),
      });

    expectError(await op(B, 'kick', carol.userId), 403, 'M_FORBIDDEN');
    expect(await membership(A, roomId, carol.userId)).toBe('join');
    expect(ok(await op(A, 'kick', carol.userId, 'spam')).body).toEqual({});
    expect(
      await A.get(roomPath(roomId, `/state/m.room.member/${e(carol.userId)}?format=event`)),
    ).toMatchObject({
      sender: alice.userId,
      content: { membership: 'leave', reason: 'spam' },
    });
    await C.post(roomPath(roomId, '/join'));

    expectError(await op(B, 'ban', carol.userId), 403, 'M_FORBIDDEN');
    expect(ok(await op(A, 'ban', bob.userId, 'trolling')).body).toEqual({});
    expect(await membership(A, roomId, bob.userId)).toBe('ban');
    expectError(await B.call('POST', roomPath(roomId, '/join'), {}), 403, 'M_FORBIDDEN');
    expectError(await op(C, 'unban', bob.userId), 403, 'M_FORBIDDEN');
    expect(ok(await op(A, 'unban', bob.userId)).body).toEqual({});
    expect(await membership(A, roomId, bob.userId)).toBe('leave');
    await B.post(roomPath(roomId, '/join'));
    expect(await membership(A, roomId, bob.userId)).toBe('join');
  });

  it('/joined_rooms lists joined rooms only', async () => {
    const { url, alice, bob, B } = await setup();
    const joined = await seedRoom(url, { creator: alice.userId, members: [bob.userId] });
    await seedRoom(url, { creator: alice.userId, invite: [bob.userId] });
    const left = await seedRoom(url, { creator: alice.userId, members: [bob.userId] });
    await B.post(roomPath(left, '/leave'));
    expect(await B.get(`${CS}/joined_rooms`)).toEqual({ joined_rooms: [joined] });
  });
});

describe('aliases and the room directory', () => {
  it('PUT/GET/DELETE an alias, 409 on a taken alias, /rooms/{id}/aliases lists it', async () => {
    const { url, A, C } = await setup();
    const roomId = await create(A, {});
    const alias = '#nice:test.local';
    expect(await A.put(aliasPath(alias), { room_id: roomId })).toEqual({});
    const got = ok(await api(url, 'GET', aliasPath(alias))).body;
    expect(got.room_id).toBe(roomId);
    expect(got.servers).toContain('test.local');
    expectError(await A.call('PUT', aliasPath(alias), { room_id: roomId }), 409, 'M_UNKNOWN');
    expectError(
      await A.call('PUT', aliasPath('#x:elsewhere.org'), { room_id: roomId }),
      400,
      'M_INVALID_PARAM',
    );

    expect(await A.get(roomPath(roomId, '/aliases'))).toEqual({ aliases: [alias] });
    expectError(await C.call('GET', roomPath(roomId, '/aliases')), 403, 'M_FORBIDDEN');

    expect(await A.del(aliasPath(alias))).toEqual({});
    expectError(await api(url, 'GET', aliasPath(alias)), 404, 'M_NOT_FOUND');
    expect((await A.get(roomPath(roomId, '/aliases'))).aliases).toEqual([]);
  });

  it('directory visibility: private by default, moderators publish, /publicRooms lists it', async () => {
    const { url, alice, bob, A, B } = await setup();
    const roomId = await seedRoom(url, {
      creator: alice.userId,
      members: [bob.userId],
      preset: 'public_chat',
      name: 'Hall',
      topic: 'Everyone',
    });
    const vis = `${CS}/directory/list/room/${e(roomId)}`;
    const publicRooms = async () => ok(await api(url, 'GET', `${CS}/publicRooms`)).body.chunk;
    expect(ok(await api(url, 'GET', vis)).body).toEqual({ visibility: 'private' });
    expect(await publicRooms()).toEqual([]);
    expectError(await B.call('PUT', vis, { visibility: 'public' }), 403, 'M_FORBIDDEN');
    expect(await A.put(vis, { visibility: 'public' })).toEqual({});
    expect(ok(await api(url, 'GET', vis)).body).toEqual({ visibility: 'public' });

    const list = await publicRooms();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      room_id: roomId,
      name: 'Hall',
      topic: 'Everyone',
      num_joined_members: 2,
      world_readable: false,
      guest_can_join: false,
      join_rule: 'public',
    });
    await A.put(vis, { visibility: 'private' });
    expect(await publicRooms()).toEqual([]);
  });

  it('/publicRooms: generic_search_term filters; limit/since paginate without overlap', async () => {
    const { url, A } = await setup();
    const names = ['Alpha cats', 'Beta dogs', 'Gamma cats', 'Delta birds', 'Epsilon fish'];
    const ids: string[] = [];
    for (const name of names)
      ids.push(await create(A, { name, preset: 'public_chat', visibility: 'public' }));

    const cats = await A.post(`${CS}/publicRooms`, { filter: { generic_search_term: 'CATS' } });
    expect(cats.chunk.map((c: Json) => c.name).sort()).toEqual(['Alpha cats', 'Gamma cats']);

    const seen: string[] = [];
    let page = ok(await api(url, 'GET', `${CS}/publicRooms?limit=2`)).body;
    expect(page.chunk).toHaveLength(2);
    expect(page.prev_batch).toBeUndefined();
    expect(page.total_room_count_estimate).toBe(5);
    seen.push(...page.chunk.map((c: Json) => c.room_id));
    page = ok(await api(url, 'GET', `${CS}/publicRooms?limit=2&since=${e(page.next_batch)}`)).body;
    expect(page.chunk).toHaveLength(2);
    expect(typeof page.prev_batch).toBe('string');
    seen.push(...page.chunk.map((c: Json) => c.room_id));
    page = await A.post(`${CS}/publicRooms`, { limit: 2, since: page.next_batch });
    expect(page.chunk).toHaveLength(1);
    expect(page.next_batch).toBeUndefined();
    seen.push(...page.chunk.map((c: Json) => c.room_id));
    expect(seen.sort()).toEqual([...ids].sort());
  });
});
