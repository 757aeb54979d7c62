/**
 * People and room marks through the real core: permissions from the cached power levels,
 * power level changes refused in words, kick and ban, shared rooms, notification levels as push
 * rules, tags and marked-unread, and an edited message's history (cache and `/relations`).
 */
import { describe, expect, it } from 'vitest';
import { register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import {
  call,
  callError,
  fault,
  next,
  seedRoom,
  sendAs,
  signIn,
  startCore,
  tempDir,
  useCleanups,
} from '../testing/core-harness';

const cleanup = useCleanups();
const ALICE = '@alice:test.local';

async function setup() {
  const hs = await startTestServer();
  cleanup(() => hs.close());
  const bob = await register(hs.url, 'bob');
  await register(hs.url, 'alice');
  const carol = await register(hs.url, 'carol');
  // Bob's room (Alice a member) and Alice's room (Bob a member).
  const bobs = await seedRoom(hs.url, bob.userId, [ALICE, '@carol:test.local'], 'Bob’s');
  const alices = await seedRoom(hs.url, ALICE, [bob.userId, '@carol:test.local'], 'Alice’s');
  const core = await startCore(tempDir());
  cleanup(() => core.close());
  await signIn(core, hs.url, 'alice');
  return { hs, bob, carol, core, bobs, alices };
}

const changed = (core: Awaited<ReturnType<typeof setup>>['core'], roomId: string) =>
  next(core, 'rooms.changed', (e) => e.data.rooms.some((r) => r.roomId === roomId));

describe('core: people', () => {
  it('gives the permissions of the cached power levels, and refuses in words', async () => {
    const { core, bobs, alices } = await setup();
    expect(await call(core, 'rooms.permissions', { roomId: alices })).toMatchObject({
      powerLevel: 100,
      setName: true,
      kick: true,
      changePowerLevels: true,
    });
    expect(await call(core, 'rooms.permissions', { roomId: bobs })).toMatchObject({
      powerLevel: 0,
      sendMessages: true,
      setName: false,
      kick: false,
      ban: false,
      redactOthers: false,
    });
    const err = await callError(core, 'rooms.setPowerLevel', {
      roomId: bobs,
      userId: '@carol:test.local',
      level: 50,
    });
    expect(err).toEqual({
      code: 'forbidden',
      message: 'Only admins can change power levels in this room',
    });
    expect(
      await callError(core, 'rooms.kick', { roomId: bobs, userId: '@carol:test.local' }),
    ).toMatchObject({ code: 'M_FORBIDDEN' });
  });

  it('sets levels, kicks and bans; lists shared rooms', async () => {
    const { core, alices, bobs, bob } = await setup();
    expect(await call(core, 'users.sharedRooms', { userId: bob.userId })).toEqual({
      roomIds: expect.arrayContaining([alices, bobs]),
    });
    await call(core, 'rooms.setPowerLevel', { roomId: alices, userId: bob.userId, level: 50 });
    const members = async () => (await call(core, 'rooms.members', { roomId: alices })).members;
    await expect
      .poll(async () => (await members()).find((m) => m.userId === bob.userId)?.powerLevel)
      .toBe(50);
    await call(core, 'rooms.ban', { roomId: alices, userId: bob.userId, reason: 'Spam' });
    await expect
      .poll(async () => (await members()).find((m) => m.userId === bob.userId)?.membership)
      .toBe('ban');
    await call(core, 'rooms.kick', { roomId: alices, userId: '@carol:test.local' });
    await expect
      .poll(async () => (await members()).find((m) => m.userId === '@carol:test.local')?.membership)
      .toBe('leave');
    expect(await call(core, 'users.sharedRooms', { userId: bob.userId })).toEqual({
      roomIds: [bobs],
    });
  });
});

describe('core: room marks', () => {
  it('writes notification levels as push rules and reads them back', async () => {
    const { core, alices } = await setup();
    const server = core.session.api;
    expect(await call(core, 'rooms.notifications', { roomId: alices })).toEqual({
      level: 'default',
    });
    for (const level of ['mute', 'mentions', 'all', 'default'] as const) {
      await call(core, 'rooms.setNotifications', { roomId: alices, level });
      expect(await call(core, 'rooms.notifications', { roomId: alices })).toEqual({ level });
    }
    const rules = (await server.pushRules()).global as Record<string, { rule_id: string }[]>;
    expect(rules.override!.some((r) => r.rule_id === alices)).toBe(false);
    expect(rules.room!.some((r) => r.rule_id === alices)).toBe(false);
  });

  it('tags (favourite and low priority exclude each other) and marks unread and read', async () => {
    const { core, alices } = await setup();
    const summary = async (pred: (r: { tags: object; markedUnread: boolean }) => boolean) =>
      (await next(core, 'rooms.changed', (e) =>
        e.data.rooms.some((r) => r.roomId === alices && pred(r)),
      )) && true;
    let seen = summary((r) => 'm.favourite' in r.tags);
    await call(core, 'rooms.setTag', { roomId: alices, tag: 'm.favourite', on: true });
    await seen;
    seen = summary((r) => 'm.lowpriority' in r.tags && !('m.favourite' in r.tags));
    await call(core, 'rooms.setTag', { roomId: alices, tag: 'm.lowpriority', on: true });
    await seen;
    seen = summary((r) => r.markedUnread);
    await call(core, 'rooms.markUnread', { roomId: alices, unread: true });
    await seen;
    seen = summary((r) => !r.markedUnread);
    await call(core, 'rooms.markRead', { roomId: alices });
    await seen;
    expect(
      await callError(core, 'rooms.setTag', { roomId: alices, tag: 'u.other', on: true }),
    ).toMatchObject({ code: 'bad_request' });
  });

  it('lists an edited message’s versions newest first, fetching edits not yet synced', async () => {
    const { core, hs, bob, carol, alices } = await setup();
    const synced = changed(core, alices);
    const original = await sendAs(hs.url, bob, alices, 'm.room.message', {
      msgtype: 'm.text',
      body: 'Helo',
    });
    await synced;
    const edit = (body: string) =>
      sendAs(hs.url, bob, alices, 'm.room.message', {
        msgtype: 'm.text',
        body: `* ${body}`,
        'm.new_content': { msgtype: 'm.text', body },
        'm.relates_to': { rel_type: 'm.replace', event_id: original },
      });
    await edit('Hello');
    // An edit by someone else is no version of it.
    await sendAs(hs.url, carol, alices, 'm.room.message', {
      msgtype: 'm.text',
      body: '* Hacked',
      'm.new_content': { msgtype: 'm.text', body: 'Hacked' },
      'm.relates_to': { rel_type: 'm.replace', event_id: original },
    });
    await edit('Hello there');
    const { versions } = await call(core, 'message.history', { roomId: alices, eventId: original });
    expect(versions.map((v) => [v.body, v.original])).toEqual([
      ['Hello there', false],
      ['Hello', false],
      ['Helo', true],
    ]);
    // Offline, the cache answers alone.
    await fault(hs.url, { kind: 'error', path_prefix: '/_matrix/client/v1/', times: -1 });
    const cached = await call(core, 'message.history', { roomId: alices, eventId: original });
    expect(cached.versions.at(-1)).toMatchObject({ body: 'Helo', original: true });
  });
});
