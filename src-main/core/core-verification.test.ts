/**
 * Interactive verification through real cores on the test homeserver: another session of the
 * same user (to-device), another user in a direct chat (in-room, encrypted), emoji that do not
 * match, cancels from either side, and a request that times out. Bad input:
 * `core-verification-input.test.ts`.
 */
import { describe, expect, it, vi } from 'vitest';
import { register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import type { Core } from './core';
import {
  call,
  next,
  serverHistory,
  signIn,
  startCore,
  tempDir,
  useCleanups,
} from '../testing/core-harness';
import { bootstrapCrossSigning } from '../testing/cross-signing';
import { knowsDevice, phase, SAS_EMOJI } from '../testing/verification';

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
});
