/**
 * The demo's seed and its peer bot, against an in-process test homeserver: what the demo user
 * finds after signing in, and the bot answering a DM, a mention and a fresh invite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { api, startTestServer, type ApiReply } from '../homeserver/testing/helpers';
import { BOT_USER, DEMO_USER, ROOMS } from './cast';
import { PeerBot } from './peer-bot';
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

/** Long-polls `/sync` from `since` until `found` returns something (10 s at most). */
async function syncUntil<T>(
  call: (method: string, path: string) => Promise<ApiReply>,
  since: string,
  found: (body: any) => T | undefined,
): Promise<T> {
  const deadline = Date.now() + 10_000;
  let from = since;
  while (Date.now() < deadline) {
    const { body } = await call('GET', `${CS}/sync?timeout=1000&since=${from}`);
    const hit = found(body);
    if (hit !== undefined) return hit;
    from = body.next_batch;
  }
  throw new Error('not seen within 10 s');
}

async function startBot(url: string, typingMs = 300): Promise<PeerBot> {
  const bot = await PeerBot.start({
    homeserver: url,
    username: BOT_USER.localpart,
    password: BOT_USER.password,
    typingMs,
    pollTimeoutMs: 1_000,
  });
  cleanups.push(() => bot.stop());
  return bot;
}

function directRoomWith(sync: any, userId: string): string {
  const direct = sync.account_data.events.find((e: any) => e.type === 'm.direct');
  return direct.content[userId][0];
}

describe('demo seed', () => {
  it('gives the demo user named rooms, DMs, invites, tags and weeks of history', async () => {
    const { report, first, demo, call } = await seeded();
    expect(report).toMatchObject({ rooms: 12, invites: 2 });
    expect(report.messages).toBeGreaterThan(700);

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
});

describe('demo peer bot', () => {
  it('answers a DM with a typing notification first', async () => {
    const { server, first, call, demo } = await seeded();
    const bot = await startBot(server.url);
    const dm = directRoomWith(first, bot.userId);
    const sent = await call('PUT', `${CS}/rooms/${dm}/send/m.room.message/t1`, {
      msgtype: 'm.text',
      body: 'Hello Ada, are you there?',
    });
    expect(sent.status).toBe(200);

    let sawTyping = false;
    let sawReceipt = false;
    const answer = await syncUntil(call, first.next_batch, (body) => {
      const room = body.rooms?.join?.[dm];
      const typing = room?.ephemeral?.events.find((e: any) => e.type === 'm.typing');
      if (typing?.content.user_ids.includes(bot.userId)) sawTyping = true;
      const receipt = room?.ephemeral?.events.find((e: any) => e.type === 'm.receipt');
      if (receipt?.content[sent.body.event_id]?.['m.read']?.[bot.userId]) sawReceipt = true;
      return (room?.timeline.events as Timeline | undefined)?.find(
        (e) => e.sender === bot.userId && e.type === 'm.room.message',
      );
    });
    expect(sawTyping).toBe(true);
    expect(answer.content.body).toMatch(/^Hi Demo! 👋/);
    expect(answer.content['m.relates_to']).toBeUndefined();
    expect(bot.answered).toBe(1);
    // It read the message it answered.
    expect(sawReceipt).toBe(true);
    expect(demo).toBe('@demo:demo.local');
  });

  it('answers a mention in a group room as a reply, and nothing else there', async () => {
    const { server, first, call } = await seeded();
    const bot = await startBot(server.url, 20);
    const room = Object.entries(first.rooms.join as Record<string, any>).find(([, r]) =>
      r.state.events.some((e: any) => e.content.name === 'Watercooler'),
    )![0];
    const send = (txn: string, content: object) =>
      call('PUT', `${CS}/rooms/${room}/send/m.room.message/${txn}`, content);
    await send('plain', { msgtype: 'm.text', body: 'Lunch at noon, anyone?' });
    const asked = await send('ask', {
      msgtype: 'm.text',
      body: 'What do you think?',
      'm.mentions': { user_ids: [bot.userId] },
    });

    const replies = await syncUntil(call, first.next_batch, (body) => {
      const events = (body.rooms?.join?.[room]?.timeline.events ?? []) as Timeline;
      const fromBot = events.filter((e) => e.sender === bot.userId);
      return fromBot.length ? fromBot : undefined;
    });
    expect(replies).toHaveLength(1);
    expect(replies[0]!.content['m.relates_to']).toEqual({
      'm.in_reply_to': { event_id: asked.body.event_id },
    });
    expect(bot.answered).toBe(1);
  });

  it('joins a new DM it is invited to and answers there', async () => {
    const { server, first, call } = await seeded();
    const bot = await startBot(server.url, 20);
    const created = await call('POST', `${CS}/createRoom`, {
      preset: 'trusted_private_chat',
      is_direct: true,
      invite: [bot.userId],
    });
    const roomId: string = created.body.room_id;
    await syncUntil(call, first.next_batch, (body) =>
      (body.rooms?.join?.[roomId]?.timeline.events as Timeline | undefined)?.find(
        (e) => e.type === 'm.room.member' && e.sender === bot.userId,
      ),
    );
    const since = (await call('GET', `${CS}/sync?timeout=0&since=${first.next_batch}`)).body;
    await call('PUT', `${CS}/rooms/${roomId}/send/m.room.message/x`, {
      msgtype: 'm.text',
      body: 'Thanks for joining',
    });
    const answer = await syncUntil(call, since.next_batch, (body) =>
      (body.rooms?.join?.[roomId]?.timeline.events as Timeline | undefined)?.find(
        (e) => e.sender === bot.userId && e.type === 'm.room.message',
      ),
    );
    expect(answer.content.body).toBe('You’re welcome! 😊');
  });
});
