/**
 * The server's clock (`now` option): every timestamp and age it hands out reads the clock it
 * was given, not the machine's. The clock here sits in 2001, so `Date.now()` leaking through
 * anywhere shows as a twenty-year error.
 */
import { describe, expect, it } from 'vitest';
import {
  client,
  roomPath,
  seedRoom,
  seedUser,
  sendText,
  serverPool,
  sync,
  type Json,
} from './testing/fixtures';

const start = serverPool();
const e = encodeURIComponent;

/** A server on a hand-wound clock, with alice and bob joined to a room. */
async function onClock() {
  const clock = { ms: Date.UTC(2001, 0, 1) };
  const { url } = await start({ now: () => clock.ms });
  const alice = await seedUser(url, 'alice');
  const bob = await seedUser(url, 'bob');
  const roomId = await seedRoom(url, { creator: alice.userId, members: [bob.userId] });
  return { clock, url, alice, bob, roomId, B: client(url, bob) };
}

describe('the clock a server is given', () => {
  it('stamps events and counts their age', async () => {
    const { clock, url, alice, roomId } = await onClock();
    const created = clock.ms;
    clock.ms += 60_000;
    const eventId = await sendText(url, alice, roomId, 'a minute later');
    clock.ms += 5_000;
    const timeline = (await sync(url, alice)).body.rooms.join[roomId].timeline.events as Json[];
    const sent = timeline.find((ev) => ev.event_id === eventId)!;
    expect(sent.origin_server_ts).toBe(created + 60_000);
    expect((sent.unsigned as Json).age).toBe(5_000);
    const create = timeline.find((ev) => ev.type === 'm.room.create');
    expect(create?.origin_server_ts).toBe(created);
  });

  it('stamps receipts and times typing out', async () => {
    const { clock, url, alice, bob, roomId, B } = await onClock();
    const eventId = await sendText(url, alice, roomId, 'read me');
    clock.ms += 1_000;
    await B.post(roomPath(roomId, `/receipt/m.read/${e(eventId)}`));
    await B.put(roomPath(roomId, `/typing/${e(bob.userId)}`), { typing: true, timeout: 30_000 });
    const ephemeral = async () =>
      (await sync(url, alice)).body.rooms.join[roomId].ephemeral.events as Json[];
    const before = await ephemeral();
    expect(before).toContainEqual({
      type: 'm.receipt',
      content: { [eventId]: { 'm.read': { [bob.userId]: { ts: clock.ms } } } },
    });
    expect(before).toContainEqual({ type: 'm.typing', content: { user_ids: [bob.userId] } });
    // Half a minute later by the server's clock (not the machine's), bob is no longer typing.
    clock.ms += 30_001;
    const after = await ephemeral();
    const typing = after.find((ev) => ev.type === 'm.typing')?.content as Json | undefined;
    expect(typing?.user_ids ?? []).toEqual([]);
  });

  it('dates presence', async () => {
    const { clock, bob, B } = await onClock();
    await B.put(`/_matrix/client/v3/presence/${e(bob.userId)}/status`, { presence: 'online' });
    clock.ms += 7_000;
    const status = await B.get(`/_matrix/client/v3/presence/${e(bob.userId)}/status`);
    expect(status.last_active_ago).toBe(7_000);
  });
});
