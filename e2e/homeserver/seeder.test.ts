/**
 * The seeding API (`Seeder`, through the public entry): what it writes is dated as told, and a
 * client reads it over HTTP as it would a history made by clients.
 */
import { describe, expect, it } from 'vitest';
import { Seeder } from '.';
import { client, ok, roomPath, serverPool, type Json } from './testing/fixtures';
import { api } from './testing/helpers';

const start = serverPool();
const DAY = 24 * 3600_000;

describe('Seeder', () => {
  it('writes rooms, members, messages, redactions and receipts at the times given', async () => {
    const server = await start();
    const seed = new Seeder(server.hs);
    const t0 = Date.now() - 30 * DAY;
    const { alice, bob, roomId, hello, gone } = seed.batch(() => {
      const alice = seed.createUser('alice', { password: 'pw-alice', displayName: 'Alice' });
      const bob = seed.createUser('bob', { password: 'pw-bob' });
      const roomId = seed.createRoom(alice, { name: 'Old times', preset: 'private_chat' }, t0);
      seed.join(roomId, bob, { invitedBy: alice, ts: t0 + 1_000 });
      const msg = { msgtype: 'm.text', body: 'hello' };
      const hello = seed.send(roomId, alice, 'm.room.message', msg, { ts: t0 + DAY });
      const oops = seed.send(roomId, bob, 'm.room.message', { ...msg, body: 'oops' });
      const gone = seed.redact(roomId, bob, oops.eventId, t0 + 2 * DAY);
      seed.markRead(roomId, bob, hello.eventId, t0 + DAY + 60_000);
      seed.setAccountData(bob, roomId, 'm.tag', { tags: { 'm.favourite': {} } });
      return { alice, bob, roomId, hello, gone };
    });
    expect(hello.ts).toBe(t0 + DAY);
    expect(gone.ts).toBe(t0 + 2 * DAY);

    const login = await api(server.url, 'POST', '/_matrix/client/v3/login', {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: 'bob' },
      password: 'pw-bob',
    });
    const { user_id, device_id, access_token } = ok(login).body;
    const B = client(server.url, { userId: user_id, deviceId: device_id, token: access_token });
    const chunk = (await B.get(roomPath(roomId, '/messages?dir=f&limit=50'))).chunk as Json[];
    const at = (pick: (ev: Json) => boolean) => chunk.find(pick)?.origin_server_ts;
    expect(at((ev) => ev.type === 'm.room.create')).toBe(t0);
    expect(at((ev) => ev.type === 'm.room.name')).toBe(t0);
    expect(at((ev) => ev.type === 'm.room.member' && ev.state_key === alice)).toBe(t0);
    const joins = chunk.filter((ev) => ev.type === 'm.room.member' && ev.state_key === bob);
    expect(joins.map((ev) => (ev.content as Json).membership)).toEqual(['invite', 'join']);
    expect(joins.map((ev) => ev.origin_server_ts)).toEqual([t0 + 1_000, t0 + 1_000]);
    expect(at((ev) => ev.event_id === hello.eventId)).toBe(t0 + DAY);
    expect(at((ev) => ev.type === 'm.room.redaction')).toBe(t0 + 2 * DAY);
    expect(chunk.filter((ev) => (ev.content as Json).body === 'oops')).toEqual([]);

    const room = (await B.get('/_matrix/client/v3/sync')).rooms.join[roomId];
    const receipt = (room.ephemeral.events as Json[]).find((ev) => ev.type === 'm.receipt');
    expect(receipt?.content).toEqual({
      [hello.eventId]: { 'm.read': { [bob]: { ts: t0 + DAY + 60_000 } } },
    });
    expect(room.account_data.events).toContainEqual({
      type: 'm.tag',
      content: { tags: { 'm.favourite': {} } },
    });
  });

  it('refuses unknown users and rooms, and a taken user name', async () => {
    const server = await start();
    const seed = new Seeder(server.hs);
    const alice = seed.createUser('alice', { password: 'pw' });
    expect(() => seed.createRoom('@nobody:test.local', {})).toThrow(/Unknown user/);
    const roomId = seed.createRoom(alice, {});
    expect(() => seed.join(roomId, '@nobody:test.local', { invitedBy: alice })).toThrow(
      /Unknown user/,
    );
    expect(() => seed.send('!nowhere:test.local', alice, 'm.room.message', {})).toThrow(
      /Unknown room/,
    );
    expect(() => seed.createUser('alice', { password: 'pw' })).toThrow(/taken/);
  });
});
