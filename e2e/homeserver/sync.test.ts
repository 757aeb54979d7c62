/**
 * `/sync`, checked against sync.yaml (and the TimelineBatch, StrippedStateEvent, RoomSummary
 * definitions), plus filter.yaml for stored filters.
 */
import { describe, expect, it } from 'vitest';
import {
  CS,
  ok,
  roomPath,
  seedEvents,
  seedRoom,
  seedUser,
  send,
  sendText,
  serverPool,
  sync,
  type Json,
} from './testing/fixtures';
import { api, type TestUser } from './testing/helpers';

const start = serverPool();

async function setup() {
  const { url } = await start();
  const alice = await seedUser(url, 'alice');
  const bob = await seedUser(url, 'bob');
  const roomId = await seedRoom(url, {
    creator: alice.userId,
    members: [bob.userId],
    preset: 'public_chat',
    name: 'Sync room',
  });
  return { url, alice, bob, roomId };
}

const ids = (events: Json[]) => events.map((e) => e.event_id as string);
const bodies = (events: Json[]) => events.map((e) => (e.content as Json).body);
const memberKeys = (events: Json[]) =>
  events.filter((e) => e.type === 'm.room.member').map((e) => e.state_key as string);

async function nextBatch(url: string, user: TestUser): Promise<string> {
  return ok(await sync(url, user)).body.next_batch as string;
}

describe('initial and incremental sync', () => {
  it('initial sync has next_batch and the full joined-room shape', async () => {
    const { url, alice, bob, roomId } = await setup();
    const msg = await sendText(url, bob, roomId, 'hi');
    const s = ok(await sync(url, alice)).body;
    expect(typeof s.next_batch).toBe('string');
    const room = s.rooms.join[roomId];
    expect(room).toBeDefined();
    expect(Array.isArray(room.timeline.events)).toBe(true);
    expect(typeof room.timeline.limited).toBe('boolean');
    expect(typeof room.timeline.prev_batch).toBe('string');
    expect(Array.isArray(room.state.events)).toBe(true);
    expect(room.ephemeral).toEqual({ events: expect.any(Array) });
    expect(room.account_data).toEqual({ events: expect.any(Array) });
    expect(room.unread_notifications).toEqual({ notification_count: 1, highlight_count: 0 });
    expect(room.summary['m.heroes'] ?? [bob.userId]).toEqual([bob.userId]);
    expect(room.summary).toMatchObject({
      'm.joined_member_count': 2,
      'm.invited_member_count': 0,
    });
    const last = room.timeline.events[room.timeline.events.length - 1];
    expect(last).toMatchObject({
      event_id: msg,
      sender: bob.userId,
      type: 'm.room.message',
      content: { body: 'hi' },
    });
    expect(typeof last.origin_server_ts).toBe('number');
    const everything = [...room.state.events, ...room.timeline.events] as Json[];
    const types = new Set(everything.map((e) => e.type));
    for (const t of ['m.room.create', 'm.room.power_levels', 'm.room.join_rules', 'm.room.name']) {
      expect(types).toContain(t);
    }
    expect(new Set(memberKeys(everything))).toEqual(new Set([alice.userId, bob.userId]));
  });

  it('an incremental sync returns only events after `since`', async () => {
    const { url, alice, bob, roomId } = await setup();
    await sendText(url, bob, roomId, 'old');
    const since = await nextBatch(url, alice);
    const a = await sendText(url, bob, roomId, 'new 1');
    const b = await sendText(url, alice, roomId, 'new 2');
    const s = ok(await sync(url, alice, { since })).body;
    expect(s.next_batch).not.toBe(since);
    const room = s.rooms.join[roomId];
    expect(ids(room.timeline.events)).toEqual([a, b]);
    expect(room.timeline.limited).toBe(false);
    expect(room.state.events).toEqual([]);
    const again = ok(await sync(url, alice, { since: s.next_batch })).body;
    expect(again.rooms?.join?.[roomId]).toBeUndefined();
  });

  it('unsigned.transaction_id is given only to the device that sent the event', async () => {
    const { url, alice, bob, roomId } = await setup();
    const [aSince, bSince] = [await nextBatch(url, alice), await nextBatch(url, bob)];
    const path = roomPath(roomId, '/send/m.room.message/local-echo-1');
    ok(await api(url, 'PUT', path, { msgtype: 'm.text', body: 'echo' }, alice.token));
    const mine = ok(await sync(url, alice, { since: aSince })).body.rooms.join[roomId];
    expect(mine.timeline.events[0].unsigned.transaction_id).toBe('local-echo-1');
    const theirs = ok(await sync(url, bob, { since: bSince })).body.rooms.join[roomId];
    expect(theirs.timeline.events[0].unsigned?.transaction_id).toBeUndefined();
  });

  it('a long-poll returns as soon as an event arrives', async () => {
    const { url, alice, bob, roomId } = await setup();
    const since = await nextBatch(url, alice);
    const t0 = Date.now();
    const pending = sync(url, alice, { since, timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 150));
    const ev = await sendText(url, bob, roomId, 'wake up');
    const s = ok(await pending).body;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(ids(s.rooms.join[roomId].timeline.events)).toEqual([ev]);
  });

  it('a long-poll with nothing new returns an empty response after the timeout', async () => {
    const { url, alice, roomId } = await setup();
    const since = await nextBatch(url, alice);
    const t0 = Date.now();
    const s = ok(await sync(url, alice, { since, timeout: 300 })).body;
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);
    expect(typeof s.next_batch).toBe('string');
    expect(s.rooms?.join?.[roomId]).toBeUndefined();
    expect(s.account_data?.events ?? []).toEqual([]);
  });
});

describe('gaps and lazy loading', () => {
  it('a limited timeline has prev_batch, and /messages from it fills the gap exactly', async () => {
    const { url, alice, bob, roomId } = await setup();
    const since = await nextBatch(url, alice);
    const sent = await seedEvents(url, roomId, { sender: bob.userId, count: 8 });
    const s = ok(
      await sync(url, alice, { since, filter: { room: { timeline: { limit: 3 } } } }),
    ).body;
    const tl = s.rooms.join[roomId].timeline;
    expect(tl.limited).toBe(true);
    expect(ids(tl.events)).toEqual(sent.slice(5));
    expect(typeof tl.prev_batch).toBe('string');

    const gap = ok(
      await api(
        url,
        'GET',
        roomPath(
          roomId,
          `/messages?dir=b&limit=50&from=${encodeURIComponent(tl.prev_batch)}&to=${encodeURIComponent(since)}`,
        ),
        undefined,
        alice.token,
      ),
    ).body;
    expect(ids(gap.chunk)).toEqual(sent.slice(0, 5).reverse());
    const page = ok(
      await api(
        url,
        'GET',
        roomPath(roomId, `/messages?dir=b&limit=5&from=${encodeURIComponent(tl.prev_batch)}`),
        undefined,
        alice.token,
      ),
    ).body;
    expect(ids(page.chunk)).toEqual(sent.slice(0, 5).reverse());
  });

  it('lazy_load_members returns only senders, heroes and own member events', async () => {
    const { url } = await start();
    const users: TestUser[] = [];
    for (let i = 0; i < 20; i++) users.push(await seedUser(url, `m${i}`));
    const roomId = await seedRoom(url, {
      creator: users[0]!.userId,
      members: users.slice(1).map((u) => u.userId),
      preset: 'public_chat',
    });
    const [s1, s2, me] = [users[13]!, users[17]!, users[10]!];
    await sendText(url, s1, roomId, 'from 13');
    await sendText(url, s2, roomId, 'from 17');
    await sendText(url, s1, roomId, 'from 13 again');

    const full = ok(await sync(url, me, { filter: { room: { timeline: { limit: 3 } } } })).body;
    expect(memberKeys(full.rooms.join[roomId].state.events)).toHaveLength(20);

    const lazy = ok(
      await sync(url, me, {
        filter: { room: { timeline: { limit: 3 }, state: { lazy_load_members: true } } },
      }),
    ).body;
    const room = lazy.rooms.join[roomId];
    expect(bodies(room.timeline.events)).toEqual(['from 13', 'from 17', 'from 13 again']);
    // sync.yaml: senders and (initial sync) the user's own member event; RoomSummary: the
    // heroes' member events MUST be included too when lazy-loading.
    const heroes = (room.summary['m.heroes'] ?? []) as string[];
    expect(heroes.length).toBeLessThanOrEqual(5);
    expect(heroes).not.toContain(me.userId);
    expect(new Set(memberKeys(room.state.events))).toEqual(
      new Set([s1.userId, s2.userId, me.userId, ...heroes]),
    );
    expect(memberKeys(room.state.events)).not.toContain(users[15]!.userId);
    expect(room.summary['m.joined_member_count']).toBe(20);
    expect(room.state.events.map((e: Json) => e.type)).toContain('m.room.create');
  });
});

describe('invite and leave sections', () => {
  it('an invite shows stripped state including the invite member event', async () => {
    const { url, alice } = await setup();
    const carol = await seedUser(url, 'carol');
    const since = await nextBatch(url, carol);
    const roomId = ok(
      await api(
        url,
        'POST',
        `${CS}/createRoom`,
        { name: 'Secret', invite: [carol.userId] },
        alice.token,
      ),
    ).body.room_id as string;
    const s = ok(await sync(url, carol, { since })).body;
    expect(s.rooms.join?.[roomId]).toBeUndefined();
    const events = s.rooms.invite[roomId].invite_state.events as Json[];
    for (const e of events) {
      expect(typeof e.type).toBe('string');
      expect(typeof e.state_key).toBe('string');
      expect(typeof e.sender).toBe('string');
      expect(typeof e.content).toBe('object');
    }
    expect(events.find((e) => e.type === 'm.room.name')?.content).toEqual({ name: 'Secret' });
    expect(events.find((e) => e.type === 'm.room.join_rules')?.content).toMatchObject({
      join_rule: 'invite',
    });
    expect(
      events.find((e) => e.type === 'm.room.member' && e.state_key === carol.userId),
    ).toMatchObject({
      sender: alice.userId,
      content: { membership: 'invite' },
    });
  });

  it('a kicked user gets the room in the leave section with the kick event', async () => {
    const { url, alice, bob, roomId } = await setup();
    const since = await nextBatch(url, bob);
    ok(
      await api(
        url,
        'POST',
        roomPath(roomId, '/kick'),
        { user_id: bob.userId, reason: 'bye' },
        alice.token,
      ),
    );
    const s = ok(await sync(url, bob, { since })).body;
    expect(s.rooms.join?.[roomId]).toBeUndefined();
    const left = s.rooms.leave[roomId];
    const kick = (left.timeline.events as Json[]).find(
      (e) => e.type === 'm.room.member' && e.state_key === bob.userId,
    );
    expect(kick).toMatchObject({
      sender: alice.userId,
      content: { membership: 'leave', reason: 'bye' },
    });
    await sendText(url, alice, roomId, 'after the kick');
    const later = ok(await sync(url, bob, { since: s.next_batch })).body;
    expect(later.rooms?.leave?.[roomId]).toBeUndefined();
    expect(later.rooms?.join?.[roomId]).toBeUndefined();
  });
});

describe('notification counts', () => {
  it('counts messages from others and resets after a read receipt', async () => {
    const { url, alice, bob, roomId } = await setup();
    await sendText(url, bob, roomId, 'one');
    await sendText(url, bob, roomId, 'two');
    const last = await sendText(url, bob, roomId, 'three');
    await sendText(url, alice, roomId, 'my own');
    const s = ok(await sync(url, alice)).body;
    expect(s.rooms.join[roomId].unread_notifications).toEqual({
      notification_count: 3,
      highlight_count: 0,
    });
    ok(
      await api(
        url,
        'POST',
        roomPath(roomId, `/receipt/m.read/${encodeURIComponent(last)}`),
        {},
        alice.token,
      ),
    );
    const after = ok(await sync(url, alice, { since: s.next_batch })).body;
    expect(after.rooms.join[roomId].unread_notifications).toEqual({
      notification_count: 0,
      highlight_count: 0,
    });
  });

  it('a profile change (a new member event, still joined) is no read position', async () => {
    const { url, alice, bob, roomId } = await setup();
    await sendText(url, bob, roomId, 'one');
    await send(url, bob, roomId, {
      msgtype: 'm.text',
      body: 'look here',
      'm.mentions': { user_ids: [alice.userId] },
    });
    const profile = `/profile/${encodeURIComponent(alice.userId)}/displayname`;
    ok(await api(url, 'PUT', `${CS}${profile}`, { displayname: 'Alice Renamed' }, alice.token));
    const s = ok(await sync(url, alice)).body.rooms.join[roomId];
    const renamed = (s.timeline.events as Json[]).some(
      (e) => e.type === 'm.room.member' && (e.content as Json).displayname === 'Alice Renamed',
    );
    expect(renamed).toBe(true);
    expect(s.unread_notifications).toEqual({ notification_count: 2, highlight_count: 1 });
  });

  it('an m.mentions user mention raises highlight_count', async () => {
    const { url, alice, bob, roomId } = await setup();
    await sendText(url, bob, roomId, 'plain');
    await send(url, bob, roomId, {
      msgtype: 'm.text',
      body: 'look here',
      'm.mentions': { user_ids: [alice.userId] },
    });
    const counts = ok(await sync(url, alice)).body.rooms.join[roomId].unread_notifications;
    expect(counts).toEqual({ notification_count: 2, highlight_count: 1 });
    const bobs = ok(await sync(url, bob)).body.rooms.join[roomId].unread_notifications;
    expect(bobs.highlight_count).toBe(0);
  });
});

describe('state_after and filters', () => {
  it('use_state_after=true gives state_after (including timeline state) and no state', async () => {
    const { url, alice, bob, roomId } = await setup();
    const init = ok(await sync(url, alice, { use_state_after: true })).body.rooms.join[roomId];
    expect(init).not.toHaveProperty('state');
    expect(init.state_after.events.map((e: Json) => e.type)).toContain('m.room.name');
    const since = ok(await sync(url, alice)).body.next_batch;
    ok(
      await api(
        url,
        'PUT',
        roomPath(roomId, '/state/m.room.name'),
        { name: 'Renamed' },
        alice.token,
      ),
    );
    await sendText(url, bob, roomId, 'after rename');
    const s = ok(await sync(url, alice, { since, use_state_after: true })).body.rooms.join[roomId];
    expect(s).not.toHaveProperty('state');
    const name = (s.state_after.events as Json[]).find((e) => e.type === 'm.room.name');
    expect(name?.content).toEqual({ name: 'Renamed' });
    const plain = ok(await sync(url, alice, { since })).body.rooms.join[roomId];
    expect(plain).not.toHaveProperty('state_after');
    expect(plain.state.events).toEqual([]);
  });

  it('a stored filter id and an inline JSON filter both apply', async () => {
    const { url, alice, bob, roomId } = await setup();
    await sendText(url, bob, roomId, 'm1');
    await sendText(url, bob, roomId, 'm2');
    const created = ok(
      await api(
        url,
        'POST',
        `${CS}/user/${encodeURIComponent(alice.userId)}/filter`,
        { room: { timeline: { limit: 1 } } },
        alice.token,
      ),
    ).body;
    const byId = ok(await sync(url, alice, { filter: created.filter_id })).body.rooms.join[roomId]
      .timeline;
    expect(bodies(byId.events)).toEqual(['m2']);
    expect(byId.limited).toBe(true);

    const inline = ok(
      await sync(url, alice, {
        filter: { room: { timeline: { types: ['m.room.name', 'm.room.create'] } } },
      }),
    ).body.rooms.join[roomId].timeline.events as Json[];
    expect(inline.map((e) => e.type)).toEqual(['m.room.create', 'm.room.name']);

    const other = await seedRoom(url, { creator: alice.userId });
    const only = ok(await sync(url, alice, { filter: { room: { rooms: [other] } } })).body.rooms
      .join;
    expect(Object.keys(only)).toEqual([other]);
  });
});
