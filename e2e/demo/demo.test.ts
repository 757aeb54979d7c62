/**
 * The demo's seed, against an in-process test homeserver: what the demo user finds after
 * signing in. The peer bot has tests of its own (`peer-bot.test.ts`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { api, startTestServer, type ApiReply } from '../homeserver/testing/helpers';
import { DEMO_USER, ROOMS } from './cast';
import { seedDemo } from './seed';

const CS = '/_matrix/client/v3';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

type Timeline = {
  event_id: string;
  type: string;
  sender: string;
  origin_server_ts: number;
  content: any;
}[];

/** A seeded homeserver, the demo user signed in over HTTP, and its first sync. */
async function seeded() {
  const server = await startTestServer({ serverName: 'demo.local' });
  cleanups.push(() => server.close());
  const report = seedDemo(server.hs);
  const login = await api(server.url, 'POST', `${CS}/login`, {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: DEMO_USER.localpart },
    password: DEMO_USER.password,
  });
  expect(login.status).toBe(200);
  const token: string = login.body.access_token;
  const call = (method: string, path: string, body?: unknown): Promise<ApiReply> =>
    api(server.url, method, path, body, token);
  const first = await call('GET', `${CS}/sync?timeout=0`);
  return { server, report, call, first: first.body, demo: report.demoUserId };
}

function directRoomWith(sync: any, userId: string): string {
  const direct = sync.account_data.events.find((e: any) => e.type === 'm.direct');
  return direct.content[userId][0];
}

describe('demo seed', () => {
  it('gives the demo user named rooms, DMs, invites, tags and weeks of history', async () => {
    const { report, first, demo, call } = await seeded();
    expect(report).toMatchObject({ rooms: 12, invites: 2 });
    expect(report.messages).toBeGreaterThan(650);

    const joined = first.rooms.join as Record<string, any>;
    expect(Object.keys(joined)).toHaveLength(12);
    expect(Object.keys(first.rooms.invite)).toHaveLength(2);
    const direct = first.account_data.events.find((e: any) => e.type === 'm.direct').content;
    expect(Object.keys(direct)).toHaveLength(4);

    const names = new Map<string, string>();
    for (const [roomId, room] of Object.entries(joined)) {
      const name = room.state.events.find((e: any) => e.type === 'm.room.name');
      if (name) names.set(name.content.name, roomId);
    }
    const groups = ROOMS.filter((r) => r.name && !r.invite).map((r) => r.name);
    expect([...names.keys()].sort()).toEqual(groups.sort());

    // Tags, and the unread messages left in Engineering.
    const engineering = joined[names.get('Engineering')!];
    expect(engineering.account_data.events).toContainEqual({
      type: 'm.tag',
      content: { tags: { 'm.favourite': { order: 0.1 } } },
    });
    expect(engineering.unread_notifications.notification_count).toBe(3);

    // The Watercooler's history reaches back weeks, in order, with replies and reactions.
    const room = names.get('Watercooler')!;
    const page = await call('GET', `${CS}/rooms/${room}/messages?dir=f&limit=1000`);
    const events = page.body.chunk as Timeline;
    const messages = events.filter((e) => e.type === 'm.room.message');
    expect(messages.length).toBeGreaterThan(550);
    const times = events.map((e) => e.origin_server_ts);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Date.now() - times[0]!).toBeGreaterThan(30 * 24 * 3600_000);
    expect(messages.some((e) => e.content['m.relates_to']?.['m.in_reply_to'])).toBe(true);
    expect(events.some((e) => e.type === 'm.reaction')).toBe(true);
    expect(joined[room].state.events.some((e: any) => e.state_key === demo)).toBe(true);
  });

  it('has markdown with code blocks, an edit and a deleted message', async () => {
    const { first, call } = await seeded();
    const all: Timeline = [];
    for (const roomId of Object.keys(first.rooms.join)) {
      const page = await call('GET', `${CS}/rooms/${roomId}/messages?dir=b&limit=200`);
      all.push(...page.body.chunk);
    }
    const html = all.map((e) => String(e.content.formatted_body ?? '')).join('\n');
    expect(html).toContain('<pre><code class="language-ts">');
    expect(html).toContain('<strong>');
    expect(all.some((e) => e.content['m.relates_to']?.rel_type === 'm.replace')).toBe(true);
    expect(all.some((e) => e.type === 'm.room.redaction')).toBe(true);
  });

  it('creates Ada’s DM encrypted, with nothing in it written in plain text', async () => {
    const { report, first, call } = await seeded();
    const dm = directRoomWith(first, report.botUserId);
    expect(dm).toBe(report.botDirectRoomId);
    const encryption = (roomId: string) =>
      call('GET', `${CS}/rooms/${roomId}/state/m.room.encryption/`);
    expect((await encryption(dm)).body).toEqual({ algorithm: 'm.megolm.v1.aes-sha2' });
    const page = await call('GET', `${CS}/rooms/${dm}/messages?dir=b&limit=100`);
    const types = (page.body.chunk as Timeline).map((e) => e.type);
    expect(types).toContain('m.room.encryption');
    expect(types).not.toContain('m.room.message');
    // Every other room is plain: its history could be seeded.
    const encrypted: string[] = [];
    for (const roomId of Object.keys(first.rooms.join)) {
      if ((await encryption(roomId)).status === 200) encrypted.push(roomId);
    }
    expect(encrypted).toEqual([dm]);
  });
});
