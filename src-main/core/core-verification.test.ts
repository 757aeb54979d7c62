/**
 * Interactive verification through real cores on the test homeserver: another session of the
 * same user (to-device), another user in a direct chat (in-room, encrypted), emoji that do not
 * match, a request declined, one that times out, and verification events that make no sense.
 */
import { describe, expect, it, vi } from 'vitest';
import { api, register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import type { Core } from './core';
import {
  call,
  next,
  seedRoom,
  sendAs,
  serverHistory,
  signIn,
  startCore,
  tempDir,
  useCleanups,
} from '../testing/core-harness';
import { bootstrapCrossSigning } from '../testing/cross-signing';
import { knowsDevice, phase, SAS_EMOJI, until } from '../testing/verification';

const cleanup = useCleanups();
const T = 90_000;

async function server() {
  const hs = await startTestServer();
  cleanup(() => hs.close());
  return hs;
}

async function core(url: string, username: string): Promise<Core> {
  const c = await startCore(tempDir());
  cleanup(() => c.close());
  await signIn(c, url, username);
  return c;
}

const deviceOf = async (c: Core) => (await call(c, 'crypto.status', {})).deviceId;

/** Both sides see the same seven emoji, with the spec's names. */
async function sameEmoji(a: Core, b: Core, flowId: string) {
  const [ea, eb] = await Promise.all([phase(a, flowId, 'emoji'), phase(b, flowId, 'emoji')]);
  expect(ea.emoji).toHaveLength(7);
  expect(eb.emoji).toEqual(ea.emoji);
  for (const e of ea.emoji!) expect(SAS_EMOJI[e.symbol]).toBe(e.name);
  return ea.emoji!;
}

/**
 * Waits for `crypto.devicesChanged` pushes about `userId` until `crypto.userDevices` shows their
 * identity verified (the renderer re-reads on each push, so it must end up right).
 */
async function verifiedAfterPush(c: Core, userId: string): Promise<void> {
  let seq = 0;
  for (;;) {
    const e = await next(c, 'crypto.devicesChanged', (ev) => ev.data.userIds.includes(userId), {
      afterSeq: seq,
    });
    seq = e.seq;
    if ((await call(c, 'crypto.userDevices', { userId })).identityVerified) return;
  }
}

/** Alice and Bob in a direct chat both joined (created by Alice); its room id. */
async function directChat(alice: Core, bob: Core): Promise<string> {
  const { roomId } = await call(alice, 'rooms.create', {
    invite: ['@bob:test.local'],
    isDirect: true,
  });
  await next(bob, 'rooms.changed', (e) =>
    e.data.rooms.some((r) => r.roomId === roomId && r.membership === 'invite'),
  );
  await call(bob, 'rooms.join', { roomIdOrAlias: roomId });
  await next(alice, 'rooms.changed', (e) =>
    e.data.rooms.some((r) => r.roomId === roomId && r.joinedMembers === 2),
  );
  return roomId;
}

describe('core: verification', () => {
  it(
    'verifies another session of the same user with emoji: same seven on both, then verified',
    async () => {
      const { url } = await server();
      await register(url, 'alice');
      const a = await core(url, 'alice');
      const b = await core(url, 'alice');
      const [devA, devB] = await Promise.all([deviceOf(a), deviceOf(b)]);
      await knowsDevice(b, '@alice:test.local', devA);

      const { flowId } = await call(a, 'verification.request', {
        userId: '@alice:test.local',
        deviceId: devB,
      });
      expect(await phase(a, flowId, 'requested')).toMatchObject({ incoming: false });
      const asked = await phase(b, flowId, 'requested');
      expect(asked).toMatchObject({ incoming: true, userId: '@alice:test.local', deviceId: devA });
      expect(asked.roomId).toBeUndefined();

      await call(b, 'verification.accept', { flowId });
      await phase(a, flowId, 'ready');
      await call(a, 'verification.startSas', { flowId });
      await sameEmoji(a, b, flowId);

      const changedA = next(a, 'crypto.devicesChanged', (e) =>
        e.data.userIds.includes('@alice:test.local'),
      );
      await call(a, 'verification.confirm', { flowId, match: true });
      expect(await phase(a, flowId, 'confirmed')).toMatchObject({ method: 'm.sas.v1' });
      await call(b, 'verification.confirm', { flowId, match: true });
      await Promise.all([phase(a, flowId, 'done'), phase(b, flowId, 'done'), changedA]);

      const seenByA = await call(a, 'crypto.userDevices', { userId: '@alice:test.local' });
      expect(seenByA.devices.find((d) => d.deviceId === devB)?.verified).toBe(true);
      const seenByB = await call(b, 'crypto.userDevices', { userId: '@alice:test.local' });
      expect(seenByB.devices.find((d) => d.deviceId === devA)?.verified).toBe(true);
    },
    T,
  );

  it(
    'verifies another user in their direct chat; the verification events travel encrypted',
    async () => {
      const { url } = await server();
      const bobUser = await register(url, 'bob');
      await register(url, 'alice');
      const alice = await core(url, 'alice');
      const bob = await core(url, 'bob');
      await Promise.all([bootstrapCrossSigning(alice), bootstrapCrossSigning(bob)]);
      const roomId = await directChat(alice, bob);

      const { flowId } = await call(alice, 'verification.request', { userId: '@bob:test.local' });
      expect(await phase(alice, flowId, 'requested')).toMatchObject({ roomId, incoming: false });
      const asked = await phase(bob, flowId, 'requested');
      expect(asked).toMatchObject({ roomId, incoming: true, userId: '@alice:test.local' });

      await call(bob, 'verification.accept', { flowId });
      await phase(alice, flowId, 'ready');
      await call(alice, 'verification.startSas', { flowId });
      await sameEmoji(alice, bob, flowId);
      await call(bob, 'verification.confirm', { flowId, match: true });
      await call(alice, 'verification.confirm', { flowId, match: true });
      await Promise.all([phase(alice, flowId, 'done'), phase(bob, flowId, 'done')]);

      // Each identity shows verified once our signature is back, and a push says so.
      await Promise.all([
        verifiedAfterPush(alice, '@bob:test.local'),
        verifiedAfterPush(bob, '@alice:test.local'),
      ]);

      // No new room, and the server saw no verification event in the clear.
      const rooms = await call(alice, 'rooms.list', {});
      expect(rooms.rooms.filter((r) => r.membership === 'join')).toHaveLength(1);
      const wire = await serverHistory(url, bobUser, roomId);
      const clear = wire.filter(
        (e) => e.type.startsWith('m.key.verification.') || e.type === 'm.room.message',
      );
      expect(clear).toEqual([]);
      expect(wire.filter((e) => e.type === 'm.room.encrypted').length).toBeGreaterThanOrEqual(6);
    },
    T,
  );

  it(
    'creates the direct chat when there is none; emoji that do not match cancel both sides',
    async () => {
      const { url } = await server();
      await register(url, 'alice');
      await register(url, 'bob');
      const alice = await core(url, 'alice');
      const bob = await core(url, 'bob');
      await Promise.all([bootstrapCrossSigning(alice), bootstrapCrossSigning(bob)]);

      const { flowId } = await call(alice, 'verification.request', { userId: '@bob:test.local' });
      const invite = await next(
        bob,
        'rooms.changed',
        (e) => e.data.rooms.some((r) => r.membership === 'invite' && r.isDirect),
        { afterSeq: 0 },
      );
      const roomId = invite.data.rooms.find((r) => r.membership === 'invite')!.roomId;
      expect(await call(alice, 'rooms.list', {})).toMatchObject({
        rooms: [{ roomId, isEncrypted: true }],
      });
      await call(bob, 'rooms.join', { roomIdOrAlias: roomId });
      expect(await phase(bob, flowId, 'requested')).toMatchObject({ roomId, incoming: true });

      await call(bob, 'verification.accept', { flowId });
      await phase(alice, flowId, 'ready');
      await call(bob, 'verification.startSas', { flowId }); // the other side starts this time
      await sameEmoji(alice, bob, flowId);
      await call(bob, 'verification.confirm', { flowId, match: false });

      const [atAlice, atBob] = await Promise.all([
        phase(alice, flowId, 'cancelled'),
        phase(bob, flowId, 'cancelled'),
      ]);
      expect(atAlice.cancelReason).toBe('The emoji did not match');
      expect(atBob.cancelReason).toBe('The emoji did not match');
      const bobAtAlice = await call(alice, 'crypto.userDevices', { userId: '@bob:test.local' });
      expect(bobAtAlice.identityVerified).toBe(false);
    },
    T,
  );

  it(
    'a cancel by either side reaches the other: declined when asked, cancelled during the emoji',
    async () => {
      const { url } = await server();
      await register(url, 'alice');
      const a = await core(url, 'alice');
      const b = await core(url, 'alice');
      const [devA, devB] = await Promise.all([deviceOf(a), deviceOf(b)]);
      await knowsDevice(b, '@alice:test.local', devA);

      const { flowId } = await call(a, 'verification.request', {
        userId: '@alice:test.local',
        deviceId: devB,
      });
      await phase(b, flowId, 'requested');
      await call(b, 'verification.cancel', { flowId });

      expect((await phase(b, flowId, 'cancelled')).cancelReason).toBe('You cancelled');
      expect((await phase(a, flowId, 'cancelled')).cancelReason).toBe('The other side cancelled');
      const err = await a.handle('verification.startSas', { flowId });
      expect(err).toMatchObject({ ok: false, error: { code: 'bad_state' } });

      // Again, cancelled by the side that asked while the emoji are shown.
      const again = await call(a, 'verification.request', {
        userId: '@alice:test.local',
        deviceId: devB,
      });
      await phase(b, again.flowId, 'requested');
      await call(b, 'verification.accept', again);
      await phase(a, again.flowId, 'ready');
      await call(a, 'verification.startSas', again);
      await sameEmoji(a, b, again.flowId);
      await call(a, 'verification.cancel', again);
      const theirs = await phase(b, again.flowId, 'cancelled');
      expect(theirs.cancelReason).toBe('The other side cancelled');
      expect(theirs.emoji).toBeUndefined();
      expect((await phase(a, again.flowId, 'cancelled')).cancelReason).toBe('You cancelled');

      const seen = await call(a, 'crypto.userDevices', { userId: '@alice:test.local' });
      expect(seen.devices.find((d) => d.deviceId === devB)?.verified).toBe(false);
    },
    T,
  );

  it(
    'a request nobody answers times out on both sides',
    async () => {
      const { url } = await server();
      await register(url, 'alice');
      const a = await core(url, 'alice');
      const b = await core(url, 'alice');
      const [devA, devB] = await Promise.all([deviceOf(a), deviceOf(b)]);
      await knowsDevice(b, '@alice:test.local', devA);
      const { flowId } = await call(a, 'verification.request', {
        userId: '@alice:test.local',
        deviceId: devB,
      });
      await phase(b, flowId, 'requested');

      // The wasm measures its timeouts with performance.now(): eleven minutes pass at once.
      const now = performance.now.bind(performance);
      const later = vi.spyOn(performance, 'now').mockImplementation(() => now() + 11 * 60_000);
      cleanup(() => later.mockRestore());
      const [atA, atB] = await Promise.all([
        phase(a, flowId, 'cancelled'),
        phase(b, flowId, 'cancelled'),
      ]);
      expect(atA.cancelReason).toBe('Timed out');
      expect(atB.cancelReason).toBe('Timed out');
    },
    T,
  );

  it(
    'commands with bad input or in the wrong phase answer with clear errors and change nothing',
    async () => {
      const { url } = await server();
      await register(url, 'alice');
      await register(url, 'bob');
      const a = await core(url, 'alice');
      const b = await core(url, 'alice');
      const devA = await deviceOf(a);
      const devB = await deviceOf(b);
      const error = async (command: string, data: unknown) => {
        const r = await a.handle(command, data);
        if (r.ok) throw new Error(`${command} succeeded`);
        return r.error.code;
      };
      const me = '@alice:test.local';
      expect(await error('verification.request', { userId: 'nonsense' })).toBe('bad_request');
      expect(await error('verification.request', { userId: me, deviceId: devA })).toBe(
        'bad_request',
      );
      expect(await error('verification.request', { userId: me, deviceId: 'NOSUCH' })).toBe(
        'unknown_device',
      );
      // Bob never set up cross-signing: no direct chat is made for nothing.
      expect(await error('verification.request', { userId: '@bob:test.local' })).toBe(
        'no_identity',
      );
      expect((await call(a, 'rooms.list', {})).rooms).toEqual([]);
      expect(await error('verification.accept', { flowId: 'nope' })).toBe('unknown_flow');

      await knowsDevice(b, me, devA);
      const { flowId } = await call(a, 'verification.request', { userId: me, deviceId: devB });
      expect(await error('verification.accept', { flowId })).toBe('bad_state'); // ours
      expect(await error('verification.confirm', { flowId, match: true })).toBe('bad_state');
      expect(await error('verification.startSas', { flowId })).toBe('bad_state');
      await phase(b, flowId, 'requested');
      await call(b, 'verification.accept', { flowId });
      await phase(a, flowId, 'ready'); // still going after all that
    },
    T,
  );

  it(
    'ignores verification events with garbage content or for unknown flows, with a log line',
    async () => {
      const { url } = await server();
      const mallory = await register(url, 'mallory');
      await register(url, 'alice');
      const lines: string[] = [];
      const spy = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
      cleanup(() => spy.mockRestore());
      const alice = await core(url, 'alice');
      const from = alice.events.lastSeq;
      const roomId = await seedRoom(url, mallory.userId, ['@alice:test.local'], 'Odd');

      const devA = await deviceOf(alice);
      let txn = 0;
      const toDevice = async (type: string, content: Record<string, unknown>) => {
        const path = `/_matrix/client/v3/sendToDevice/${type}/bad${++txn}`;
        const body = { messages: { '@alice:test.local': { [devA]: content } } };
        expect((await api(url, 'PUT', path, body, mallory.token)).status).toBe(200);
      };
      await toDevice('m.key.verification.request', { garbage: true });
      await toDevice('m.key.verification.start', {
        transaction_id: 'no-such-flow',
        method: 'm.sas.v1',
        from_device: 'NOPE',
      });
      await toDevice('m.key.verification.cancel', { transaction_id: 42, code: 'm.user' });
      const cancel = { transaction_id: 'no-such-flow', code: 'm.user', reason: 'x' };
      await toDevice('m.key.verification.cancel', cancel);
      const request = { msgtype: 'm.key.verification.request', body: 'not a request' };
      const odd = await sendAs(url, mallory, roomId, 'm.room.message', request);
      await sendAs(url, mallory, roomId, 'm.key.verification.ready', {
        'm.relates_to': { rel_type: 'm.reference', event_id: '$no-such-request' },
        from_device: 'NOPE',
        methods: ['m.sas.v1'],
      });
      await sendAs(url, mallory, roomId, 'm.key.verification.cancel', { code: 5 });

      const expected = [
        // Malformed to-device ones the machine drops; in-room ones it cannot parse; and ones
        // that belong to no verification.
        /crypto: ignored an invalid to-device m\.key\.verification\.request from @mallory/,
        /crypto: ignored an invalid to-device m\.key\.verification\.start from @mallory/,
        /crypto: ignored an invalid to-device m\.key\.verification\.cancel from @mallory/,
        /verification: ignored m\.key\.verification\.cancel from @mallory\S+: no verification no-such-flow/,
        new RegExp(
          `verification: ignored m\\.room\\.message from @mallory\\S+ \\(\\${odd}\\): missing`,
        ),
        /verification: ignored m\.key\.verification\.ready from @mallory\S+: no verification \$no-such-request/,
        /verification: ignored m\.key\.verification\.cancel from @mallory\S+: it names no verification/,
      ];
      await until('the log lines', () =>
        expected.every((re) => lines.some((l) => re.test(l))),
      ).catch(() => {
        throw new Error(`log lines:\n${lines.join('\n')}`);
      });
      expect(
        alice.events.since(from).events.filter((e) => e.type === 'verification.changed'),
      ).toEqual([]);

      // Still syncing: the next message arrives.
      await call(alice, 'timeline.open', { roomId, limit: 20 });
      const after = next(alice, 'timeline.appended', (e) =>
        e.data.items.some((i) => i.content.body === 'still here'),
      );
      await sendAs(url, mallory, roomId, 'm.room.message', {
        msgtype: 'm.text',
        body: 'still here',
      });
      await after;
      expect(alice.syncStatus.state).toBe('ok');
    },
    T,
  );
});
