/**
 * End-to-end encryption through two real cores on the test homeserver: an encrypted DM both
 * ways, edits and reactions, history read back from the cache, and undecryptable events that
 * decrypt once their key arrives.
 */
import { describe, expect, it } from 'vitest';
import { register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import type { TimelineItem } from '../model/timeline';
import type { Core } from './core';
import { call, next, signIn, startCore, tempDir, useCleanups } from '../testing/core-harness';

const cleanup = useCleanups();

async function twoCores() {
  const hs = await startTestServer();
  cleanup(() => hs.close());
  await register(hs.url, 'alice');
  await register(hs.url, 'bob');
  const alice = await startCore(tempDir());
  cleanup(() => alice.close());
  const bob = await startCore(tempDir());
  cleanup(() => bob.close());
  await signIn(alice, hs.url, 'alice');
  await signIn(bob, hs.url, 'bob');
  return { hs, alice, bob };
}

/** Waits until the room's cached timeline has an item matching `pred` (via pushed deltas). */
async function waitForItem(
  core: Core,
  roomId: string,
  pred: (i: TimelineItem) => boolean,
): Promise<TimelineItem> {
  const page = await call(core, 'timeline.open', { roomId, limit: 50 });
  const found = page.items.find(pred);
  if (found) return found;
  const e = await next(
    core,
    'timeline.appended',
    (ev) => ev.data.roomId === roomId && ev.data.items.some(pred),
  ).catch(async () => {
    const again = await call(core, 'timeline.open', { roomId, limit: 50 });
    const item = again.items.find(pred);
    if (item) return { data: { items: [item] } };
    throw new Error(`no item: ${JSON.stringify(again.items.map((i) => [i.type, i.content]))}`);
  });
  return e.data.items.find(pred)!;
}

const body = (text: string) => (i: TimelineItem) => i.content.body === text;

describe('core: end-to-end encryption', () => {
  it('exchanges messages both ways in an encrypted DM; the server sees only ciphertext', async () => {
    const { alice, bob } = await twoCores();
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

    await call(alice, 'message.send', { roomId, kind: 'text', body: 'hello bob, secretly' });
    const got = await waitForItem(bob, roomId, body('hello bob, secretly'));
    expect(got.type).toBe('m.room.message');
    expect(got.e2ee).toMatchObject({ state: 'decrypted' });

    await call(bob, 'message.send', { roomId, kind: 'text', body: 'hi alice' });
    const back = await waitForItem(alice, roomId, body('hi alice'));
    expect(back.e2ee?.state).toBe('decrypted');

    // What went over the wire was encrypted.
    const wire = await alice.session.api.messages(roomId, { dir: 'b', limit: 50 });
    const types = wire.chunk.map((e) => (e as { type: string }).type);
    expect(types).toContain('m.room.encrypted');
    expect(JSON.stringify(wire.chunk)).not.toContain('hello bob, secretly');
  });
});
