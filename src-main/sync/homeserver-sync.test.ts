/**
 * Real `/sync`, `/messages` and `/context` responses from the test homeserver, fed through
 * parseSync + ingestSync (and the history ingest), then read back as the renderer would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningHomeserver } from '../../e2e/homeserver';
import {
  api,
  register,
  startTestServer,
  type TestUser,
} from '../../e2e/homeserver/testing/helpers';
import { parseContext, parseMessages } from '../protocol/pagination';
import { parseSync } from '../protocol/sync';
import { ingestContext, ingestMessagesBefore } from './history';
import { ingestSync } from './ingest';
import { openAccountStores, type Stores } from '../storage/stores';
import { roomSummaries, toTimelineItems } from './timeline-items';

const CS = '/_matrix/client/v3';
let server: RunningHomeserver;
let alice: TestUser;
let bob: TestUser;
let stores: Stores;
let txn = 0;

async function call(user: TestUser, method: string, path: string, body?: unknown) {
  const r = await api(server.url, method, CS + path, body, user.token);
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const room = (id: string) => `/rooms/${encodeURIComponent(id)}`;
async function send(user: TestUser, roomId: string, content: object, type = 'm.room.message') {
  const body = await call(user, 'PUT', `${room(roomId)}/send/${type}/t${++txn}`, content);
  return body.event_id as string;
}
const text = (user: TestUser, roomId: string, body: string) =>
  send(user, roomId, { msgtype: 'm.text', body });

/** One /sync as alice, parsed and ingested like the sync service does. */
async function syncOnce(filter?: object) {
  const since = stores.session.get()?.syncToken;
  const q = new URLSearchParams();
  if (since) q.set('since', since);
  if (filter) q.set('filter', JSON.stringify(filter));
  const json = await call(alice, 'GET', `/sync?${q}`);
  return ingestSync(stores, parseSync(json), alice.userId, { log: () => {} });
}

const itemsOf = (roomId: string, limit = 100) =>
  toTimelineItems(
    stores,
    alice.userId,
    stores.timeline.pageBefore(roomId, undefined, limit)!.events,
  );

beforeEach(async () => {
  server = await startTestServer();
  alice = await register(server.url, 'alice');
  bob = await register(server.url, 'bob');
  await call(bob, 'PUT', `/profile/${encodeURIComponent(bob.userId)}/displayname`, {
    displayname: 'Bob',
  });
  stores = openAccountStores(':memory:');
  stores.session.create({
    userId: alice.userId,
    deviceId: alice.deviceId,
    homeserver: server.url,
  });
});

afterEach(async () => {
  stores.close();
  await server.close();
});

describe('real /sync responses from the test homeserver', () => {
  it('stores rooms, edits, reactions, redactions and replies as the user sees them', async () => {
    const { room_id: roomId } = await call(alice, 'POST', '/createRoom', {
      preset: 'private_chat',
      invite: [bob.userId],
    });
    await call(bob, 'POST', `/join/${encodeURIComponent(roomId)}`, {});
    const hello = await text(bob, roomId, 'hello');
    const mine = await text(alice, roomId, 'to be deleted');
    await send(bob, roomId, {
      msgtype: 'm.text',
      body: '* hello there',
      'm.new_content': { msgtype: 'm.text', body: 'hello there' },
      'm.relates_to': { rel_type: 'm.replace', event_id: hello },
    });
    const like = { 'm.relates_to': { rel_type: 'm.annotation', event_id: hello, key: '👍' } };
    const myLike = await send(alice, roomId, like, 'm.reaction');
    await send(bob, roomId, like, 'm.reaction');
    await call(alice, 'PUT', `${room(roomId)}/redact/${encodeURIComponent(mine)}/t${++txn}`, {});
    const reply = await send(bob, roomId, {
      msgtype: 'm.text',
      body: 'a reply',
      'm.relates_to': { 'm.in_reply_to': { event_id: hello } },
    });

    const first = await syncOnce();
    expect(first.changedRooms).toEqual([roomId]);
    expect(roomSummaries(stores)).toEqual([
      expect.objectContaining({
        roomId,
        name: 'Bob',
        membership: 'join',
        joinedMembers: 2,
        invitedMembers: 0,
        lastMessage: { sender: bob.userId, body: 'a reply' },
      }),
    ]);
    const items = itemsOf(roomId).filter((i) => i.type === 'm.room.message');
    expect(items.map((i) => [i.eventId, i.content.body, i.edited, i.redacted])).toEqual([
      [hello, 'hello there', true, false],
      [mine, undefined, false, true],
      [reply, 'a reply', false, false],
    ]);
    expect(items[0]!.reactions).toEqual([
      { key: '👍', count: 2, senders: [alice.userId, bob.userId], mine: myLike },
    ]);
    expect(items[0]!.senderName).toBe('Bob');
    expect(items[2]!.replyTo).toBe(hello);

    // Incremental: bob redacts his edit, alice marks the room a DM and favourite.
    const edits = stores.relations.latestEdits([hello]);
    const editId = edits.get(hello)!.eventId;
    await call(bob, 'PUT', `${room(roomId)}/redact/${encodeURIComponent(editId)}/t${++txn}`, {});
    await call(alice, 'PUT', `/user/${encodeURIComponent(alice.userId)}/account_data/m.direct`, {
      [bob.userId]: [roomId],
    });
    await call(
      alice,
      'PUT',
      `/user/${encodeURIComponent(alice.userId)}/rooms/${encodeURIComponent(roomId)}/tags/m.favourite`,
      { order: 0.25 },
    );
    const second = await syncOnce();
    expect(second.updated.get(roomId)).toEqual(expect.arrayContaining([hello, editId]));
    expect(roomSummaries(stores)[0]).toMatchObject({
      isDirect: true,
      tags: { 'm.favourite': { order: 0.25 } },
    });
    const again = itemsOf(roomId).find((i) => i.eventId === hello)!;
    expect(again).toMatchObject({ edited: false, content: { body: 'hello' } });
    expect(stores.session.get()?.syncToken).toMatch(/\S/);
  });

  it('a limited sync leaves a gap that /messages fills until the chunks join, without duplicates', async () => {
    const { room_id: roomId } = await call(alice, 'POST', '/createRoom', {
      preset: 'public_chat',
      name: 'History',
    });
    await call(bob, 'POST', `/join/${encodeURIComponent(roomId)}`, {});
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push(await text(bob, roomId, `early ${i}`));
    const filter = { room: { timeline: { limit: 4 } } };
    await syncOnce(filter);
    for (let i = 0; i < 12; i++) sent.push(await text(bob, roomId, `late ${i}`));
    const limited = await syncOnce(filter);
    expect(limited.appended.get(roomId)?.limited).toBe(true);
    expect(stores.timeline.chunks(roomId)).toHaveLength(2);

    for (let guard = 0; guard < 20; guard++) {
      const page = stores.timeline.pageBefore(roomId, undefined, 1000)!;
      if (!page.gap) break;
      const q = new URLSearchParams({ dir: 'b', from: page.gap.token, limit: '3' });
      const json = await call(alice, 'GET', `${room(roomId)}/messages?${q}`);
      ingestMessagesBefore(stores, roomId, page.gap.chunkId, parseMessages(json));
    }
    const all = stores.timeline.pageBefore(roomId, undefined, 1000)!;
    expect(all.hasMoreBefore).toBe(false);
    const ids = all.events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => sent.includes(id))).toEqual(sent);
    expect(all.events[0]!.type).toBe('m.room.create');
    expect(roomSummaries(stores)[0]).toMatchObject({
      name: 'History',
      lastMessage: { body: 'late 11' },
    });

    // Jumping to an early event is answered from the cache; /context overlap links chunks.
    const ctxJson = await call(
      alice,
      'GET',
      `${room(roomId)}/context/${encodeURIComponent(sent[2]!)}?limit=4`,
    );
    const jump = ingestContext(stores, roomId, parseContext(ctxJson));
    expect(jump.cached).toBe(true);
    expect(stores.timeline.pageAfter(roomId, sent[2]!, 2)!.events.map((e) => e.eventId)).toEqual(
      sent.slice(3, 5),
    );
  });
});
