/**
 * Sending and reading events, state, redactions, history, relations, receipts, typing,
 * account data, profile and presence, checked against the client-server spec (room_send.yaml,
 * room_state.yaml, rooms.yaml, redaction.yaml, message_pagination.yaml, event_context.yaml,
 * relations.yaml, receipts.yaml, read_markers.yaml, typing.yaml, account-data.yaml, tags.yaml,
 * profile.yaml, presence.yaml).
 */
import { describe, expect, it } from 'vitest';
import {
  CS,
  client,
  expectError,
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
import type { TestUser } from './testing/helpers';

const start = serverPool();

/** A server with alice (room creator, PL 100) and bob (PL 0) joined to a public room. */
async function setup() {
  const { url } = await start();
  const alice = await seedUser(url, 'alice');
  const bob = await seedUser(url, 'bob');
  const roomId = await seedRoom(url, {
    creator: alice.userId,
    members: [bob.userId],
    preset: 'public_chat',
  });
  const R = (rest: string) => roomPath(roomId, rest);
  return { url, alice, bob, roomId, A: client(url, alice), B: client(url, bob), R };
}

const e = encodeURIComponent;
const ids = (chunk: Json[]) => chunk.map((ev) => ev.event_id as string);
const bodies = (chunk: Json[]) => chunk.map((ev) => (ev.content as Json).body);

describe('sending and state', () => {
  it('PUT /send with the same txn id is idempotent', async () => {
    const { A, B, R } = await setup();
    const content = { msgtype: 'm.text', body: 'once only' };
    const a = (await A.put(R('/send/m.room.message/txn-42'), content)).event_id;
    const b = (await A.put(R('/send/m.room.message/txn-42'), content)).event_id;
    expect(a).toMatch(/^\$/);
    expect(b).toBe(a);
    const msgs = (await A.get(R('/messages?dir=b&limit=50'))).chunk as Json[];
    expect(msgs.filter((ev) => (ev.content as Json).body === 'once only')).toHaveLength(1);
    expect((await A.put(R('/send/m.room.message/txn-43'), content)).event_id).not.toBe(a);
    // The scope is the device: the same txn id from bob is a new event.
    expect((await B.put(R('/send/m.room.message/txn-42'), content)).event_id).not.toBe(a);
  });

  it('PUT/GET state with empty and non-empty state keys; missing state is 404', async () => {
    const { alice, roomId, A, R } = await setup();
    expect((await A.put(R('/state/m.room.topic'), { topic: 'no slash' })).event_id).toMatch(/^\$/);
    expect(await A.get(R('/state/m.room.topic'))).toEqual({ topic: 'no slash' });
    await A.put(R('/state/m.room.topic/'), { topic: 'with slash' });
    expect(await A.get(R('/state/m.room.topic/'))).toEqual({ topic: 'with slash' });
    await A.put(R('/state/org.example.widget/w1'), { url: 'https://example.org' });
    expect(await A.get(R('/state/org.example.widget/w1'))).toEqual({ url: 'https://example.org' });
    expect(await A.get(R('/state/org.example.widget/w1?format=event'))).toMatchObject({
      type: 'org.example.widget',
      state_key: 'w1',
      sender: alice.userId,
      room_id: roomId,
    });
    expect((await A.call('GET', R('/state/org.example.widget/w2'))).status).toBe(404);
    expect((await A.call('GET', R('/state/m.room.avatar'))).status).toBe(404);
    const all = (await A.get(R('/state'))) as unknown as Json[];
    expect(all.find((ev) => ev.type === 'm.room.topic')?.content).toEqual({ topic: 'with slash' });
  });
});

describe('redactions', () => {
  it('strips content per the redaction algorithm and adds unsigned.redacted_because', async () => {
    const { url, alice, bob, roomId, A, B, R } = await setup();
    const msg = await send(url, alice, roomId, { msgtype: 'm.text', body: 'oops', format: 'x' });
    const red = (await A.put(R(`/redact/${e(msg)}/r1`), { reason: 'typo' })).event_id;
    expect(red).toMatch(/^\$/);
    const ev = await B.get(R(`/event/${e(msg)}`));
    expect(ev).toMatchObject({ event_id: msg, type: 'm.room.message', sender: alice.userId });
    expect(ev.content).toEqual({});
    const because = ev.unsigned.redacted_because;
    expect(because).toMatchObject({
      type: 'm.room.redaction',
      sender: alice.userId,
      event_id: red,
    });
    expect(because.redacts ?? because.content.redacts).toBe(msg);
    expect(because.content.reason).toBe('typo');

    const member = { membership: 'join', displayname: 'Bobby', avatar_url: 'mxc://x/y' };
    const setName = (await B.put(R(`/state/m.room.member/${e(bob.userId)}`), member)).event_id;
    await A.put(R(`/redact/${e(setName)}/r2`));
    const redacted = await B.get(R(`/event/${e(setName)}`));
    expect(redacted.content).toEqual({ membership: 'join' });
    expect(redacted.state_key).toBe(bob.userId);
  });

  it('a user without the redact power level cannot redact others (403) but can redact own', async () => {
    const { url, alice, bob, roomId, A, B, R } = await setup();
    const msg = await sendText(url, alice, roomId, 'mine');
    expectError(await B.call('PUT', R(`/redact/${e(msg)}/x1`), {}), 403, 'M_FORBIDDEN');
    expect((await B.get(R(`/event/${e(msg)}`))).content.body).toBe('mine');
    const own = await sendText(url, bob, roomId, 'bobs');
    await B.put(R(`/redact/${e(own)}/x2`));
    expect((await A.get(R(`/event/${e(own)}`))).content).toEqual({});
  });
});

describe('history', () => {
  it('/messages pages back to the start (end omitted there) and forwards from a token', async () => {
    const { url, alice, roomId, A, R } = await setup();
    await seedEvents(url, roomId, { sender: alice.userId, count: 12 });
    const all: Json[] = [];
    let from: string | undefined;
    for (let pages = 0; ; pages++) {
      const page = await A.get(R(`/messages?dir=b&limit=5${from ? `&from=${e(from)}` : ''}`));
      expect(typeof page.start).toBe('string');
      if (from) expect(page.start).toBe(from);
      all.push(...page.chunk);
      if (page.end === undefined) break;
      expect(page.chunk).toHaveLength(5);
      from = page.end;
      if (pages > 10) throw new Error('pagination never ends');
    }
    expect(new Set(ids(all)).size).toBe(all.length);
    expect(all[all.length - 1]!.type).toBe('m.room.create');
    const texts = bodies(all.filter((ev) => ev.type === 'm.room.message'));
    expect(texts.slice(0, 3)).toEqual(['Message 12', 'Message 11', 'Message 10']);
    const ts = all.map((ev) => ev.origin_server_ts as number);
    expect(ts).toEqual([...ts].sort((x, y) => y - x));

    const first = await A.get(R('/messages?dir=b&limit=4'));
    const fwd = await A.get(R(`/messages?dir=f&limit=4&from=${e(first.end)}`));
    expect(ids(fwd.chunk)).toEqual(ids(first.chunk).reverse());
    const head = await A.get(R('/messages?dir=f&limit=3'));
    expect(head.chunk.map((ev: Json) => ev.type)).toEqual([
      'm.room.create',
      'm.room.member',
      'm.room.power_levels',
    ]);
  });

  it('/messages honours `to` and a types filter', async () => {
    const { url, alice, bob, roomId, A, R } = await setup();
    await seedEvents(url, roomId, { sender: bob.userId, count: 6 });
    const newest = await A.get(R('/messages?dir=b&limit=3'));
    await A.put(R('/state/m.room.name'), { name: 'N' });
    await sendText(url, alice, roomId, 'later');
    const bounded = await A.get(R(`/messages?dir=b&limit=50&to=${e(newest.start)}`));
    expect(bounded.chunk.map((ev: Json) => ev.type)).toEqual(['m.room.message', 'm.room.name']);

    const filter = e(JSON.stringify({ types: ['m.room.message'] }));
    const msgs = await A.get(R(`/messages?dir=b&limit=4&filter=${filter}`));
    expect(bodies(msgs.chunk)).toEqual(['later', 'Message 6', 'Message 5', 'Message 4']);
    const rest = await A.get(R(`/messages?dir=b&limit=4&filter=${filter}&from=${e(msgs.end)}`));
    expect(bodies(rest.chunk)).toEqual(['Message 3', 'Message 2', 'Message 1']);
    expect(rest.end).toBeUndefined();
  });

  it('/context gives events around an event plus state; /event 404s for unknown ids', async () => {
    const { url, alice, roomId, A, R } = await setup();
    const evs = await seedEvents(url, roomId, { sender: alice.userId, count: 9 });
    const mid = evs[4]!;
    const c = await A.get(R(`/context/${e(mid)}?limit=4`));
    expect(c.event.event_id).toBe(mid);
    expect(ids(c.events_before)).toEqual([evs[3], evs[2]]);
    expect(ids(c.events_after)).toEqual([evs[5], evs[6]]);
    expect(typeof c.start).toBe('string');
    expect(c.state.map((ev: Json) => ev.type)).toEqual(
      expect.arrayContaining(['m.room.create', 'm.room.power_levels', 'm.room.member']),
    );
    const after = await A.get(R(`/messages?dir=f&limit=2&from=${e(c.end)}`));
    expect(ids(after.chunk)).toEqual([evs[7], evs[8]]);

    expect(await A.get(R(`/event/${e(mid)}`))).toMatchObject({
      event_id: mid,
      room_id: roomId,
      sender: alice.userId,
      type: 'm.room.message',
      content: { body: 'Message 5' },
      origin_server_ts: expect.any(Number),
    });
    expectError(await A.call('GET', R('/event/%24nope')), 404, 'M_NOT_FOUND');
    expect((await A.call('GET', R('/context/%24nope'))).status).toBe(404);
  });

  it('/members (with membership filters) and /joined_members', async () => {
    const { url, alice, bob, A, R } = await setup();
    const carol = await seedUser(url, 'carol', { displayname: 'Carol C' });
    const dave = await seedUser(url, 'dave');
    await client(url, carol).post(R('/join'));
    await A.post(R('/invite'), { user_id: dave.userId });
    await client(url, bob).post(R('/leave'));
    const members = async (q = '') => {
      const chunk = (await A.get(R(`/members${q}`))).chunk as Json[];
      for (const ev of chunk) expect(ev.type).toBe('m.room.member');
      return Object.fromEntries(chunk.map((ev) => [ev.state_key, (ev.content as Json).membership]));
    };
    expect(await members()).toEqual({
      [alice.userId]: 'join',
      [bob.userId]: 'leave',
      [carol.userId]: 'join',
      [dave.userId]: 'invite',
    });
    const joinedOnly = Object.keys(await members('?membership=join'));
    expect(joinedOnly.sort()).toEqual([alice.userId, carol.userId]);
    const notLeft = Object.keys(await members('?not_membership=leave'));
    expect(notLeft.sort()).toEqual([alice.userId, carol.userId, dave.userId]);
    const jm = (await A.get(R('/joined_members'))).joined;
    expect(Object.keys(jm).sort()).toEqual([alice.userId, carol.userId]);
    expect(jm[carol.userId].display_name).toBe('Carol C');
    expect((await client(url, dave).call('GET', R('/joined_members'))).status).toBe(403);
  });

  it('/members: membership and not_membership together are an OR condition', async () => {
    const { url, bob, A, R } = await setup();
    const dave = await seedUser(url, 'dave');
    await A.post(R('/invite'), { user_id: dave.userId });
    await client(url, bob).post(R('/leave'));
    const chunk = (await A.get(R('/members?membership=leave&not_membership=join'))).chunk as Json[];
    expect(chunk.map((ev) => ev.state_key).sort()).toEqual([bob.userId, dave.userId].sort());
  });

  it('/joined_members omits an unset avatar_url rather than returning null', async () => {
    const { A, R } = await setup();
    const jm = (await A.get(R('/joined_members'))).joined as Record<string, Json>;
    for (const m of Object.values(jm)) {
      expect(typeof m.display_name).toBe('string');
      // RoomMember.avatar_url is `type: string, format: mx-mxc-uri` (rooms.yaml): never null.
      if ('avatar_url' in m) expect(typeof m.avatar_url, JSON.stringify(m)).toBe('string');
    }
  });
});

describe('relations', () => {
  it('lists children, filters by rel type and event type, paginates with next_batch', async () => {
    const { url, alice, bob, roomId, A } = await setup();
    const parent = await sendText(url, alice, roomId, 'vote!');
    const react = (u: TestUser, key: string) =>
      send(
        url,
        u,
        roomId,
        { 'm.relates_to': { rel_type: 'm.annotation', event_id: parent, key } },
        'm.reaction',
      );
    const r1 = await react(bob, '👍');
    const ref = await send(url, bob, roomId, {
      msgtype: 'm.text',
      body: 'see above',
      'm.relates_to': { rel_type: 'm.reference', event_id: parent },
    });
    const r2 = await react(alice, '🎉');
    const r3 = await react(bob, '🎉');
    await sendText(url, alice, roomId, 'unrelated');
    const base = `/_matrix/client/v1/rooms/${e(roomId)}/relations/`;
    const rel = async (rest: string) => (await A.get(base + e(parent) + rest)).chunk as Json[];

    expect(ids(await rel(''))).toEqual([r3, r2, ref, r1]);
    expect(ids(await rel('/m.annotation'))).toEqual([r3, r2, r1]);
    expect(ids(await rel('/m.annotation/m.reaction'))).toEqual([r3, r2, r1]);
    expect(await rel('/m.annotation/m.room.message')).toEqual([]);
    expect(ids(await rel('/m.reference'))).toEqual([ref]);
    expect(ids(await rel('/m.annotation?dir=f'))).toEqual([r1, r2, r3]);

    const p1 = await A.get(`${base}${e(parent)}/m.annotation?limit=2`);
    expect(ids(p1.chunk)).toEqual([r3, r2]);
    expect(typeof p1.next_batch).toBe('string');
    const p2 = await A.get(`${base}${e(parent)}/m.annotation?limit=2&from=${e(p1.next_batch)}`);
    expect(ids(p2.chunk)).toEqual([r1]);
    expect(p2.next_batch).toBeUndefined();
    expect((await A.call('GET', `${base}%24nope`)).status).toBe(404);
  });

  it('an edit is bundled as unsigned.m.relations.m.replace on the original', async () => {
    const { url, alice, roomId, B, R } = await setup();
    const orig = await sendText(url, alice, roomId, 'helo');
    const edit = await send(url, alice, roomId, {
      msgtype: 'm.text',
      body: '* hello',
      'm.new_content': { msgtype: 'm.text', body: 'hello' },
      'm.relates_to': { rel_type: 'm.replace', event_id: orig },
    });
    const ev = await B.get(R(`/event/${e(orig)}`));
    expect(ev.content.body).toBe('helo');
    const replace = ev.unsigned['m.relations']['m.replace'];
    expect(replace.event_id).toBe(edit);
    expect(replace.content['m.new_content'].body).toBe('hello');
    const page = (await B.get(R('/messages?dir=b&limit=5'))).chunk as Json[];
    const inHistory = page.find((x) => x.event_id === orig)!.unsigned as Json;
    expect((inHistory['m.relations'] as Json)['m.replace']).toMatchObject({ event_id: edit });
  });
});

describe('receipts, markers and typing', () => {
  it('m.read reaches the other user in sync; m.read.private only the sender', async () => {
    const { url, alice, bob, roomId, B, R } = await setup();
    const first = await sendText(url, alice, roomId, 'one');
    const second = await sendText(url, alice, roomId, 'two');
    const aSince = (await sync(url, alice)).body.next_batch;
    const bSince = (await sync(url, bob)).body.next_batch;
    await B.post(R(`/receipt/m.read/${e(first)}`));
    await B.post(R(`/receipt/m.read.private/${e(second)}`));
    const receiptOf = async (u: TestUser, since: string) => {
      const s = (await sync(url, u, { since })).body;
      const eph = (s.rooms.join[roomId]?.ephemeral.events ?? []) as Json[];
      return eph.find((ev) => ev.type === 'm.receipt')?.content as Record<string, Json>;
    };
    const seenByAlice = await receiptOf(alice, aSince);
    expect(seenByAlice).toEqual({
      [first]: { 'm.read': { [bob.userId]: { ts: expect.any(Number) } } },
    });
    const seenByBob = await receiptOf(bob, bSince);
    expect(Object.keys(seenByBob[second]!['m.read.private'] as Json)).toEqual([bob.userId]);
  });

  it('read_markers sets m.fully_read room account data (and the read receipt)', async () => {
    const { url, alice, bob, roomId, B, R } = await setup();
    const ev = await sendText(url, alice, roomId, 'read me');
    await B.post(R('/read_markers'), { 'm.fully_read': ev, 'm.read': ev });
    const ad = `${CS}/user/${e(bob.userId)}/rooms/${e(roomId)}/account_data/m.fully_read`;
    expect(await B.get(ad)).toEqual({ event_id: ev });
    const s = (await sync(url, bob)).body.rooms.join[roomId];
    expect(s.account_data.events).toContainEqual({
      type: 'm.fully_read',
      content: { event_id: ev },
    });
    const eph = (await sync(url, alice)).body.rooms.join[roomId].ephemeral.events as Json[];
    const receipt = eph.find((x) => x.type === 'm.receipt')!.content as Json;
    expect(receipt[ev]).toMatchObject({ 'm.read': { [bob.userId]: {} } });
    expectError(await B.call('PUT', ad, { event_id: ev }), 405, 'M_BAD_JSON');
  });

  it('typing shows in the other user sync and stops', async () => {
    const { url, alice, bob, roomId, B, R } = await setup();
    const typingPath = R(`/typing/${e(bob.userId)}`);
    const typingIn = async (since: string) => {
      const s = (await sync(url, alice, { since, timeout: 1000 })).body;
      return { next: s.next_batch as string, eph: s.rooms.join[roomId].ephemeral.events };
    };
    const since = (await sync(url, alice)).body.next_batch;
    await B.put(typingPath, { typing: true, timeout: 30000 });
    const on = await typingIn(since);
    expect(on.eph).toContainEqual({ type: 'm.typing', content: { user_ids: [bob.userId] } });
    await B.put(typingPath, { typing: false });
    const off = await typingIn(on.next);
    expect(off.eph).toContainEqual({ type: 'm.typing', content: { user_ids: [] } });
  });
});

describe('account data, profile and presence', () => {
  it('global and per-room account data, and tags', async () => {
    const { url, alice, roomId, A, B } = await setup();
    const me = `${CS}/user/${e(alice.userId)}`;
    await A.put(`${me}/account_data/org.example.prefs`, { theme: 'dark' });
    expect(await A.get(`${me}/account_data/org.example.prefs`)).toEqual({ theme: 'dark' });
    expectError(await A.call('GET', `${me}/account_data/org.example.none`), 404, 'M_NOT_FOUND');
    expect((await B.call('GET', `${me}/account_data/org.example.prefs`)).status).toBe(403);
    const room = `${me}/rooms/${e(roomId)}`;
    await A.put(`${room}/account_data/org.example.draft`, { text: 'hi' });
    expect(await A.get(`${room}/account_data/org.example.draft`)).toEqual({ text: 'hi' });
    expect(await A.put(`${room}/tags/m.favourite`, { order: 0.25 })).toEqual({});
    await A.put(`${room}/tags/u.work`, {});
    expect(await A.get(`${room}/tags`)).toEqual({
      tags: { 'm.favourite': { order: 0.25 }, 'u.work': {} },
    });
    await A.del(`${room}/tags/u.work`);
    expect(await A.get(`${room}/tags`)).toEqual({ tags: { 'm.favourite': { order: 0.25 } } });

    const s = (await sync(url, alice)).body;
    expect(s.account_data.events).toContainEqual({
      type: 'org.example.prefs',
      content: { theme: 'dark' },
    });
    const roomAd = s.rooms.join[roomId].account_data.events as Json[];
    expect(roomAd).toContainEqual({ type: 'org.example.draft', content: { text: 'hi' } });
    expect(roomAd).toContainEqual({
      type: 'm.tag',
      content: { tags: { 'm.favourite': { order: 0.25 } } },
    });
  });

  it('a displayname change sends a new m.room.member event into joined rooms', async () => {
    const { url, alice, bob, roomId, A, B, R } = await setup();
    const since = (await sync(url, bob)).body.next_batch;
    const p = `${CS}/profile/${e(alice.userId)}`;
    await A.put(`${p}/displayname`, { displayname: 'Alice Liddell' });
    expect(await B.get(`${p}/displayname`)).toEqual({ displayname: 'Alice Liddell' });
    expect((await B.get(p)).displayname).toBe('Alice Liddell');
    const member = await B.get(R(`/state/m.room.member/${e(alice.userId)}?format=event`));
    expect(member.content).toMatchObject({ membership: 'join', displayname: 'Alice Liddell' });
    expect(member.unsigned.prev_content).toMatchObject({
      membership: 'join',
      displayname: 'alice',
    });
    const tl = (await sync(url, bob, { since })).body.rooms.join[roomId].timeline.events as Json[];
    expect(ids(tl)).toContain(member.event_id);
  });

  it('presence PUT then GET', async () => {
    const { alice, A, B } = await setup();
    const p = `${CS}/presence/${e(alice.userId)}/status`;
    await A.put(p, { presence: 'unavailable', status_msg: 'lunch' });
    expect(await B.get(p)).toMatchObject({
      presence: 'unavailable',
      status_msg: 'lunch',
      last_active_ago: expect.any(Number),
    });
    expect((await B.call('PUT', p, { presence: 'online' })).status).toBe(403);
  });
});
