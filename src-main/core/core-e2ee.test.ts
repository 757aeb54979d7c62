/**
 * End-to-end encryption through two real cores on the test homeserver: an encrypted DM both
 * ways, edits and reactions, history read back from the cache, and undecryptable events that
 * decrypt once their key arrives.
 */
import { describe, expect, it } from 'vitest';
import { api, register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import { wasm } from '../crypto/wasm';
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
  const bobDir = tempDir();
  const bob = await startCore(bobDir);
  cleanup(() => bob.close());
  await signIn(alice, hs.url, 'alice');
  await signIn(bob, hs.url, 'bob');
  return { hs, alice, bob, bobDir };
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

/** Alice and Bob in an encrypted DM, both joined. */
async function encryptedDm() {
  const cores = await twoCores();
  const { alice, bob } = cores;
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
  return { ...cores, roomId };
}

describe('core: undecryptable messages', () => {
  it('shows a message as undecryptable, then decrypted in place when its key arrives later', async () => {
    const { hs, alice, bob, bobDir, roomId } = await encryptedDm();
    await call(alice, 'message.send', { roomId, kind: 'text', body: 'warm up' });
    await waitForItem(bob, roomId, body('warm up'));
    const bobDevice = bob.accounts.session('@bob:test.local').deviceId;
    await bob.close();

    // While Bob is away, a flood of to-device messages queues up ahead of the next room key:
    // the server hands out 100 per sync, so the key comes a response after the message.
    const carol = await register(hs.url, 'carol');
    for (let i = 0; i < 150; i++) {
      const r = await api(
        hs.url,
        'PUT',
        `/_matrix/client/v3/sendToDevice/m.test.flood/flood${i}`,
        { messages: { '@bob:test.local': { [bobDevice]: { i } } } },
        carol.token,
      );
      expect(r.status).toBe(200);
    }
    // Alice's session rotates (as after its message or time limit), so a new room key travels,
    // behind the flood.
    await alice.session.crypto!.machine.olm.invalidateGroupSession(new wasm.RoomId(roomId));
    const { localId } = await call(alice, 'message.send', {
      roomId,
      kind: 'text',
      body: 'behind the flood',
    });
    await next(
      alice,
      'queue.changed',
      (e) => e.data.item.localId === localId && e.data.removed === true,
    );

    const bob2 = await startCore(bobDir);
    cleanup(() => bob2.close());
    const from = bob2.events.lastSeq;
    await call(bob2, 'timeline.open', { roomId, limit: 20 }); // watched before the first sync lands
    const utd = await next(
      bob2,
      'timeline.appended',
      (e) => e.data.items.some((i) => i.e2ee?.state === 'undecryptable'),
      { afterSeq: from },
    );
    const item = utd.data.items.find((i) => i.e2ee?.state === 'undecryptable')!;
    expect(item.e2ee).toEqual({ state: 'undecryptable', reason: 'missing_key' });
    const fixed = await next(
      bob2,
      'timeline.updated',
      (e) => e.data.items.some((i) => i.eventId === item.eventId && i.e2ee?.state === 'decrypted'),
      { afterSeq: from },
    );
    expect(fixed.data.items.find((i) => i.eventId === item.eventId)?.content.body).toBe(
      'behind the flood',
    );
  });

  it('a session that signs in later cannot read older messages until it imports the keys', async () => {
    const { hs, alice, bob, roomId } = await encryptedDm();
    await call(alice, 'message.send', { roomId, kind: 'text', body: 'before you came' });
    await waitForItem(bob, roomId, body('before you came'));

    const bob2 = await startCore(tempDir());
    cleanup(() => bob2.close());
    await signIn(bob2, hs.url, 'bob');
    const page = await call(bob2, 'timeline.open', { roomId, limit: 50 });
    const utd = page.items.find((i) => i.type === 'm.room.encrypted');
    expect(utd?.e2ee).toEqual({ state: 'undecryptable', reason: 'before_device' });

    const { data } = await call(bob, 'keys.export', { passphrase: 'export pass' });
    expect(data).toMatch(/^-----BEGIN MEGOLM SESSION DATA-----/);
    const wrong = await bob2.handle('keys.import', { data, passphrase: 'nope' });
    expect(wrong.ok).toBe(false);

    const updated = next(bob2, 'timeline.updated', (e) =>
      e.data.items.some((i) => i.eventId === utd!.eventId && i.content.body === 'before you came'),
    );
    const r = await call(bob2, 'keys.import', { data, passphrase: 'export pass' });
    expect(r.imported).toBeGreaterThanOrEqual(1);
    const item = (await updated).data.items.find((i) => i.eventId === utd!.eventId)!;
    expect(item.type).toBe('m.room.message');
    expect(item.e2ee).toMatchObject({ state: 'decrypted' });

    // Stored decrypted: it reads back from the cache.
    const again = await call(bob2, 'timeline.open', { roomId, limit: 50 });
    expect(again.items.find((i) => i.eventId === utd!.eventId)?.content.body).toBe(
      'before you came',
    );
  });
});

describe('core: relations in encrypted rooms', () => {
  it('replies, edits, reactions and redactions travel encrypted and apply on the other side', async () => {
    const { alice, bob, roomId } = await encryptedDm();
    await call(alice, 'message.send', { roomId, kind: 'text', body: 'first draft' });
    const original = await waitForItem(bob, roomId, body('first draft'));

    const edited = next(bob, 'timeline.updated', (e) =>
      e.data.items.some((i) => i.eventId === original.eventId && i.edited),
    );
    await call(alice, 'message.edit', { roomId, eventId: original.eventId, body: 'final text' });
    const item = (await edited).data.items.find((i) => i.eventId === original.eventId)!;
    expect(item.content.body).toBe('final text');

    await call(alice, 'timeline.open', { roomId, limit: 20 }); // watched: live deltas
    const reacted = next(alice, 'timeline.updated', (e) =>
      e.data.items.some((i) => i.reactions.some((r) => r.key === '👍')),
    );
    await call(bob, 'message.react', { roomId, eventId: original.eventId, key: '👍' });
    await reacted;

    await call(bob, 'message.send', {
      roomId,
      kind: 'text',
      body: 'agreed',
      replyTo: original.eventId,
    });
    const reply = await waitForItem(alice, roomId, body('agreed'));
    expect(reply.replyTo).toBe(original.eventId);

    const redacted = next(bob, 'timeline.updated', (e) =>
      e.data.items.some((i) => i.eventId === original.eventId && i.redacted),
    );
    await call(alice, 'message.redact', { roomId, eventId: original.eventId, reason: 'oops' });
    await redacted;

    // On the wire: reactions and edits encrypted, the redaction without its reason. (A
    // relation stays readable by the server, as the spec says: so does a reaction's key.)
    const wire = await alice.session.api.messages(roomId, { dir: 'b', limit: 50 });
    const text = JSON.stringify(wire.chunk);
    for (const secret of ['final text', 'agreed', 'oops']) expect(text).not.toContain(secret);
    expect(text).not.toContain('"m.reaction"');
  });
});

describe('core: hostile ciphertext', () => {
  it('a replayed or corrupted ciphertext is an undecryptable message with a reason, not a crash', async () => {
    const { alice, bob, roomId } = await encryptedDm();
    await call(alice, 'message.send', { roomId, kind: 'text', body: 'genuine' });
    const genuine = await waitForItem(bob, roomId, body('genuine'));
    const wire = await alice.session.api.messages(roomId, { dir: 'b', limit: 20 });
    const original = wire.chunk.find(
      (e) => (e as { event_id: string }).event_id === genuine.eventId,
    ) as { content: Record<string, unknown> };

    // The same ciphertext again (a replay), and one with its ciphertext damaged.
    const replay = await alice.session.api.sendEvent(
      roomId,
      'm.room.encrypted',
      'replay1',
      original.content,
    );
    const text = original.content.ciphertext as string;
    const damaged = {
      ...original.content,
      ciphertext: text.slice(0, 20) + 'AAAA' + text.slice(24),
    };
    const broken = await alice.session.api.sendEvent(roomId, 'm.room.encrypted', 'bad1', damaged);
    await call(alice, 'message.send', { roomId, kind: 'text', body: 'after the noise' });

    await waitForItem(bob, roomId, body('after the noise'));
    const page = await call(bob, 'timeline.open', { roomId, limit: 50 });
    const byId = new Map(page.items.map((i) => [i.eventId, i]));
    expect(byId.get(replay.event_id)?.e2ee).toEqual({
      state: 'undecryptable',
      reason: 'malformed',
    });
    expect(byId.get(broken.event_id)?.e2ee).toEqual({
      state: 'undecryptable',
      reason: 'malformed',
    });
    expect(byId.get(genuine.eventId)?.content.body).toBe('genuine');
    expect(await call(bob, 'sync.status', {})).toEqual({ state: 'ok' });
  });
});
