/**
 * The demo: its seed, against an in-process test homeserver (what the demo user finds after
 * signing in), and the whole demo as `npm run demo` starts it, minus the web page: the first
 * run (the encrypted DM with Ada, the verified second session) and a second run on the same
 * data. The peer bot has tests of its own (`peer-bot.test.ts`).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CoreApi } from '../../src-main/ipc/core-api';
import { api, startTestServer, type ApiReply } from '../homeserver/testing/helpers';
import { WELCOME } from './bot-replies';
import { BOT_USER, DEMO_USER, ROOMS } from './cast';
import { call as command, until } from './core-calls';
import { startDemoBackend, type DemoBackend } from './demo';
import { PHONE_NAME } from './second-session';
import { seedDemo } from './seed';

const CS = '/_matrix/client/v3';
const cleanups: (() => Promise<void> | void)[] = [];
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

type Item = Awaited<ReturnType<typeof latest>>[number];

/** The latest items of a room, as the core's cache has them. */
async function latest(core: CoreApi, roomId: string) {
  return (await command(core, 'timeline.open', { roomId, limit: 30 })).items;
}

const fromAda = (i: Item) =>
  i.sender === `@${BOT_USER.localpart}:demo.local` && i.type === 'm.room.message';

/** The app's direct chat with Ada. */
async function adaDm(demo: DemoBackend) {
  const { rooms } = await command(demo.app, 'rooms.list', {});
  const dm = rooms.find((r) => r.isDirect && r.name === BOT_USER.displayName);
  if (!dm) throw new Error('the app has no direct chat with Ada');
  return dm;
}

/** Sends `body` from the app into Ada's DM; resolves with her answer once the app decrypted it. */
async function askAda(demo: DemoBackend, body: string): Promise<Item> {
  const { roomId } = await adaDm(demo);
  const before = new Set((await latest(demo.app, roomId)).map((i) => i.eventId));
  await command(demo.app, 'message.send', { roomId, kind: 'text', body });
  return until(
    demo.app,
    ['timeline.appended', 'timeline.updated', 'rooms.changed'],
    async () => (await latest(demo.app, roomId)).find((i) => fromAda(i) && !before.has(i.eventId)),
    'Ada’s answer, decrypted',
  );
}

/** The demo user's devices as the app sees them, once `ready` says they are complete. */
function demoDevices(demo: DemoBackend, ready: (devices: Device[]) => boolean) {
  const userId = `@${DEMO_USER.localpart}:demo.local`;
  return until(
    demo.app,
    ['crypto.devicesChanged'],
    async () => {
      const { devices } = await command(demo.app, 'crypto.userDevices', { userId });
      return ready(devices) ? devices : undefined;
    },
    'the demo user’s devices',
  );
}
type Device = Awaited<ReturnType<typeof command<'crypto.userDevices'>>>['devices'][number];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lm-demo-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(dataDir: string, lines: string[]): Promise<DemoBackend> {
  const demo = await startDemoBackend({ dataDir, log: (line) => lines.push(line) });
  cleanups.push(() => demo.stop());
  return demo;
}

describe('the demo', () => {
  it('opens with an encrypted DM Ada answers in and a verified phone, and a second run keeps them', async () => {
    const dataDir = tempDir();
    const log: string[] = [];
    const first = await start(dataDir, log);
    expect(log.join('\n')).toMatch(/seeded 12 rooms/);
    const dm = await adaDm(first);
    expect(dm).toMatchObject({ isEncrypted: true, membership: 'join' });
    // Ada's welcome, sent encrypted by her core after the seed, reads in the app.
    const welcome = await until(
      first.app,
      ['timeline.appended', 'timeline.updated', 'rooms.changed'],
      async () => {
        const items = (await latest(first.app, dm.roomId)).filter(fromAda);
        return items.length === WELCOME.length ? items : undefined;
      },
      'Ada’s welcome',
    );
    expect(welcome.map((i) => i.content.body)).toEqual(WELCOME);
    for (const item of welcome) expect(item.e2ee).toMatchObject({ state: 'decrypted' });

    const answer = await askAda(first, 'Thanks for the tour, Ada');
    expect(answer.content.body).toBe('You’re welcome! 😊');
    expect(answer.e2ee).toMatchObject({ state: 'decrypted' });

    // The app's session and the phone, both cross-signed and so verified.
    const devices = await demoDevices(first, (d) => d.some((x) => x.displayName === PHONE_NAME));
    const phone = devices.find((d) => d.displayName === PHONE_NAME)!;
    expect(phone).toMatchObject({ current: false, crossSigned: true, verified: true });
    expect(devices.find((d) => d.current)).toMatchObject({ crossSigned: true, verified: true });
    expect(devices).toHaveLength(2);
    const status = await command(first.app, 'crypto.status', {});
    expect(status).toMatchObject({ secretStorage: true, backup: { enabled: true } });
    const state = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8'));
    expect(state).toMatchObject({
      encryptedDirectRoom: dm.roomId,
      recoveryKey: expect.any(String),
    });
    const accounts = await command(first.app, 'account.list', {});
    const adaDevice = first.bot.deviceId;
    await first.stop();

    // Again on the same data: nothing seeded or signed in anew, the same devices, and Ada
    // still decrypts what the app sends and answers.
    log.length = 0;
    const second = await start(dataDir, log);
    expect(log.join('\n')).not.toMatch(/seeded|secure backup set up/);
    expect(await command(second.app, 'account.list', {})).toEqual(accounts);
    expect(second.bot.deviceId).toBe(adaDevice);
    const again = await askAda(second, 'Hello again, Ada');
    expect(again.content.body).toMatch(/^Hi Demo! 👋/);
    expect(again.e2ee).toMatchObject({ state: 'decrypted' });
    const after = await demoDevices(second, (d) => d.length === 2);
    expect(after.find((d) => d.displayName === PHONE_NAME)).toEqual(phone);
    expect(JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8'))).toEqual(state);
  }, 180_000);
});
