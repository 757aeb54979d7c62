/**
 * The demo's peer bot on a seeded homeserver: Ada answers in her encrypted DM (what the demo
 * user's core decrypts), a mention in a plain group room, and a new encrypted DM she is invited
 * to. The demo user is our own core here, as in the app.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Core } from '../../src-main/core/core';
import type { AppEvent, TimelineItem } from '../../src-main/ipc/contract';
import { api, startTestServer, type ApiReply } from '../homeserver/testing/helpers';
import { BOT_USER, DEMO_USER } from './cast';
import { call, signIn, synced, until } from './core-calls';
import { PeerBot } from './peer-bot';
import { seedDemo } from './seed';

const CS = '/_matrix/client/v3';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lm-demo-bot-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A seeded homeserver. */
async function seeded() {
  const server = await startTestServer({ serverName: 'demo.local' });
  cleanups.push(() => server.close());
  return { server, report: seedDemo(server.hs) };
}

/** Ada, started on `url` with a fresh folder. */
async function startAda(url: string, typingMs: number): Promise<PeerBot> {
  const bot = await PeerBot.start({
    homeserver: url,
    userId: `@${BOT_USER.localpart}:demo.local`,
    username: BOT_USER.localpart,
    password: BOT_USER.password,
    name: BOT_USER.displayName,
    dataDir: tempDir(),
    appVersion: '0.0.0',
    typingMs,
  });
  cleanups.push(() => bot.stop());
  return bot;
}

/** The demo user on a core of its own, signed in (a new session) and synced. */
async function startDemoUser(url: string) {
  const core = new Core(tempDir(), '0.0.0');
  cleanups.push(() => core.close());
  const events: AppEvent[] = [];
  core.onEvent((e) => events.push(e));
  await core.start();
  await signIn(core, {
    homeserver: url,
    userId: `@${DEMO_USER.localpart}:demo.local`,
    username: DEMO_USER.localpart,
    password: DEMO_USER.password,
    deviceName: 'test',
  });
  await synced(core);
  return { core, events };
}

/** A seeded homeserver, the demo user on a core of its own, then Ada. */
async function world(typingMs = 300) {
  const { server, report } = await seeded();
  const { core: demo, events } = await startDemoUser(server.url);
  const bot = await startAda(server.url, typingMs);
  return { server, report, demo, bot, events };
}

/** The first item of the room's latest page matching `pred`, once there is one. */
function itemIn(core: Core, roomId: string, pred: (i: TimelineItem) => boolean, what: string) {
  return until(
    core,
    ['timeline.appended', 'timeline.updated', 'rooms.changed'],
    async () => (await call(core, 'timeline.open', { roomId, limit: 30 })).items.find(pred),
    what,
    20_000,
  );
}

const fromAda = (i: TimelineItem) =>
  i.sender === `@${BOT_USER.localpart}:demo.local` && i.type === 'm.room.message';

/** The room's events as the server holds them, read as the demo user over HTTP. */
async function onServer(url: string, roomId: string): Promise<ApiReply['body'][]> {
  const login = await api(url, 'POST', `${CS}/login`, {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: DEMO_USER.localpart },
    password: DEMO_USER.password,
  });
  const path = `${CS}/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`;
  return (await api(url, 'GET', path, undefined, login.body.access_token)).body.chunk;
}

describe('demo peer bot', () => {
  it('answers in her encrypted DM: a read receipt, typing, then a reply the demo user decrypts', async () => {
    const { server, report, demo, bot, events } = await world();
    const dm = report.botDirectRoomId;
    expect((await call(demo, 'rooms.list', {})).rooms.find((r) => r.roomId === dm)).toMatchObject({
      isEncrypted: true,
      isDirect: true,
    });
    await call(demo, 'message.send', {
      roomId: dm,
      kind: 'text',
      body: 'Hello Ada, are you there?',
    });
    const answer = await itemIn(demo, dm, fromAda, 'Ada’s answer');
    expect(answer.content.body).toMatch(/^Hi Demo! 👋/);
    expect(answer.e2ee).toMatchObject({ state: 'decrypted' });
    expect(answer.replyTo).toBeUndefined();
    expect(bot.answered).toBe(1);

    // She read the message she answered, and was seen typing before her answer.
    const asked = await itemIn(
      demo,
      dm,
      (i) => i.sender === report.demoUserId && i.type === 'm.room.message',
      'our message',
    );
    const read = await until(
      demo,
      ['receipts.changed'],
      async () =>
        (await call(demo, 'receipts.list', { roomId: dm })).receipts.find(
          (r) => r.userId === bot.userId,
        ),
      'Ada’s read receipt',
    );
    expect(read.eventId).toBe(asked.eventId);
    const typing = events.findIndex(
      (e) => e.type === 'typing.changed' && e.data.userIds.includes(bot.userId),
    );
    const answered = events.findIndex(
      (e) =>
        e.type === 'rooms.changed' &&
        e.data.rooms.some((r) => r.roomId === dm && r.lastMessage?.sender === bot.userId),
    );
    expect(typing).toBeGreaterThanOrEqual(0);
    expect(typing).toBeLessThan(answered);

    // The server saw only ciphertext, both ways.
    const wire = await onServer(server.url, dm);
    const messages = wire.filter((e) => e.type === 'm.room.encrypted');
    expect(messages.map((e) => e.sender).sort()).toEqual([bot.userId, report.demoUserId].sort());
    expect(JSON.stringify(wire)).not.toMatch(/Hello Ada|Hi Demo/);
  });

  it('answers a mention in a plain group room as a reply, and nothing else there', async () => {
    const { report, demo, bot } = await world(20);
    const { rooms } = await call(demo, 'rooms.list', {});
    const room = rooms.find((r) => r.name === 'Watercooler')!;
    expect(room.isEncrypted).toBe(false);
    await call(demo, 'message.send', {
      roomId: room.roomId,
      kind: 'text',
      body: 'Lunch at noon, anyone?',
    });
    await call(demo, 'message.send', {
      roomId: room.roomId,
      kind: 'text',
      body: 'What do you think?',
      mentions: [bot.userId],
    });
    const reply = await itemIn(demo, room.roomId, fromAda, 'Ada’s reply');
    const asked = await itemIn(
      demo,
      room.roomId,
      (i) => i.content.body === 'What do you think?' && !i.local,
      'the question',
    );
    expect(reply.replyTo).toBe(asked.eventId);
    expect(reply.e2ee).toBeUndefined();
    // An answer to the first message would have come first: only the mention got one.
    const page = await call(demo, 'timeline.open', { roomId: room.roomId, limit: 10 });
    expect(page.items.filter(fromAda)).toHaveLength(1);
    expect(bot.answered).toBe(1);
    expect(report.botUserId).toBe('@ada:demo.local');
  });

  it('joins a new encrypted DM she is invited to, and answers there', async () => {
    const { demo, bot } = await world(20);
    const { roomId } = await call(demo, 'rooms.create', { invite: [bot.userId], isDirect: true });
    await until(
      demo,
      ['rooms.changed'],
      async () => {
        const room = (await call(demo, 'rooms.list', {})).rooms.find((r) => r.roomId === roomId);
        return room?.joinedMembers === 2 ? room : undefined;
      },
      'Ada to join',
    );
    await call(demo, 'message.send', { roomId, kind: 'text', body: 'Thanks for joining' });
    const answer = await itemIn(demo, roomId, fromAda, 'Ada’s answer');
    expect(answer.content.body).toBe('You’re welcome! 😊');
    expect(answer.e2ee).toMatchObject({ state: 'decrypted' });
  });

  it('answers a session of the demo user that signed in after she started', async () => {
    const { server, report } = await seeded();
    const bot = await startAda(server.url, 20);
    const { core: demo } = await startDemoUser(server.url);
    const dm = report.botDirectRoomId;
    await call(demo, 'message.send', { roomId: dm, kind: 'text', body: 'Hi, I am new here' });
    const answer = await itemIn(demo, dm, fromAda, 'Ada’s answer');
    expect(answer.content.body).toMatch(/^Hi Demo! 👋/);
    expect(answer.e2ee).toMatchObject({ state: 'decrypted' });
    expect(bot.answered).toBe(1);
  });
});
