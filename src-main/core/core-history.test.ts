/**
 * History in the cache, driven through the real core against the test homeserver: a gappy sync
 * filled by back-pagination, redactions applied to stored events, edits and reactions aggregated.
 */
import { describe, expect, it } from 'vitest';
import { register, startTestServer, type TestUser } from '../../e2e/homeserver/testing/helpers';
import type { TimelineItem, TimelinePage } from '../model/timeline';
import type { Core } from './core';
import {
  bodies,
  call,
  clearFaults,
  fault,
  next,
  redactAs,
  roomPrefix,
  seedMessages,
  seedRoom,
  sendAs,
  serverHistory,
  signIn,
  startCore,
  tempDir,
  useCleanups,
} from '../testing/core-harness';

const cleanup = useCleanups();

/** A server with bob, carol and alice (the core's user) in one room. */
async function setup() {
  const hs = await startTestServer();
  cleanup(() => hs.close());
  const bob = await register(hs.url, 'bob');
  const carol = await register(hs.url, 'carol');
  const alice = await register(hs.url, 'alice');
  const roomId = await seedRoom(hs.url, bob.userId, [alice.userId, carol.userId], 'History');
  const dataDir = tempDir();
  const open = async () => {
    const core = await startCore(dataDir);
    cleanup(() => core.close());
    return core;
  };
  return { url: hs.url, bob, carol, alice, roomId, dataDir, open };
}

/** Resolves with the item `eventId` once a pushed update shows it matching `pred`. */
async function itemUpdate(
  core: Core,
  roomId: string,
  eventId: string,
  pred: (i: TimelineItem) => boolean,
): Promise<TimelineItem> {
  const e = await next(core, 'timeline.updated', (u) =>
    u.data.items.some((i) => i.eventId === eventId && pred(i)),
  );
  return e.data.items.find((i) => i.eventId === eventId)!;
}

/** Resolves once a message from someone else with `body` reached the live end of `roomId`. */
async function arrives(core: Core, roomId: string, body: string, send: () => Promise<string>) {
  const seen = next(core, 'timeline.appended', (e) =>
    e.data.items.some((i) => i.content.body === body && e.data.roomId === roomId),
  );
  const eventId = await send();
  await seen;
  return eventId;
}

/** Within `ms`, or a rejection naming what hung. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} hung`)), ms)),
  ]);
}

describe('core: history', () => {
  it('fills the gap of a limited sync by back-pagination, each message once and in order', async () => {
    const { url, bob, roomId, open } = await setup();
    await seedMessages(url, roomId, bob.userId, 10, 'Before');
    let core = await open();
    await signIn(core, url, 'alice');
    expect(bodies((await call(core, 'timeline.open', { roomId, limit: 50 })).items)).toEqual(
      Array.from({ length: 10 }, (_, i) => `Before ${i + 1}`),
    );
    await core.close();

    await seedMessages(url, roomId, bob.userId, 100, 'Gap');
    core = await open();
    // The room is shown at once from the cache; the sync's delta follows.
    await call(core, 'timeline.open', { roomId, limit: 20 });
    const appended = await next(core, 'timeline.appended', (e) => e.data.roomId === roomId, {
      afterSeq: 0,
    });
    expect(appended.data.limited).toBe(true);
    // The filter's timeline limit: the 20 latest messages, behind a gap.
    expect(bodies(appended.data.items)).toEqual(
      Array.from({ length: 20 }, (_, i) => `Gap ${i + 81}`),
    );

    const anchors: string[] = [];
    const pages: TimelinePage[] = [];
    let oldest = appended.data.items[0]!.eventId;
    for (let more = true; more;) {
      anchors.push(oldest);
      const page = await call(core, 'timeline.paginate', { roomId, before: oldest, limit: 30 });
      pages.push(page);
      oldest = page.items[0]!.eventId;
      more = page.hasMoreBefore;
    }
    // Each page is oldest first; the pages themselves came newest first.
    const ordered = [...[...pages].reverse().flatMap((p) => p.items), ...appended.data.items];
    expect(new Set(ordered.map((i) => i.eventId)).size).toBe(ordered.length);
    expect(bodies(ordered)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `Before ${i + 1}`),
      ...Array.from({ length: 100 }, (_, i) => `Gap ${i + 1}`),
    ]);
    const server = await serverHistory(url, bob, roomId);
    expect(ordered.map((i) => i.eventId)).toEqual(server.map((e) => e.event_id));

    // The same range again comes from the cache alone: /messages would never answer now.
    await fault(url, { kind: 'hang', path_prefix: `${roomPrefix(roomId)}/messages`, times: -1 });
    const again: TimelineItem[] = [];
    for (const before of anchors) {
      const page = await within(
        call(core, 'timeline.paginate', { roomId, before, limit: 30 }),
        3_000,
        'a cached page',
      );
      again.unshift(...page.items);
    }
    expect(again.map((i) => i.eventId)).toEqual(
      ordered.slice(0, -appended.data.items.length).map((i) => i.eventId),
    );
    await clearFaults(url);
  });

  it('strips a redacted message in the cache, also after a restart', async () => {
    const { url, bob, roomId, open } = await setup();
    let core = await open();
    await signIn(core, url, 'alice');
    await call(core, 'timeline.open', { roomId, limit: 20 });
    const eventId = await arrives(core, roomId, 'my password is hunter2', () =>
      sendAs(url, bob, roomId, 'm.room.message', {
        msgtype: 'm.text',
        body: 'my password is hunter2',
      }),
    );

    const redacted = itemUpdate(core, roomId, eventId, (i) => i.redacted);
    await redactAs(url, bob, roomId, eventId);
    expect(await redacted).toMatchObject({ eventId, redacted: true, content: {} });
    await core.close();

    core = await open();
    const page = await call(core, 'timeline.open', { roomId, limit: 20 });
    const item = page.items.find((i) => i.eventId === eventId);
    expect(item).toMatchObject({ redacted: true, content: {} });
    // The stored event itself lost its content (not just hidden when shown).
    const stored = core.session.stores.events.get(eventId);
    expect(stored?.content).toEqual({});
    expect(JSON.stringify(stored)).not.toContain('hunter2');
  });

  it('aggregates edits and reactions, and toggles our own reaction off', async () => {
    const { url, bob, carol, alice, roomId, open } = await setup();
    const core = await open();
    await signIn(core, url, 'alice');
    await call(core, 'timeline.open', { roomId, limit: 20 });
    const eventId = await arrives(core, roomId, 'Lunch at noon?', () =>
      sendAs(url, bob, roomId, 'm.room.message', { msgtype: 'm.text', body: 'Lunch at noon?' }),
    );

    const edited = itemUpdate(core, roomId, eventId, (i) => i.edited);
    await sendAs(url, bob, roomId, 'm.room.message', {
      msgtype: 'm.text',
      body: '* Lunch at one?',
      'm.new_content': { msgtype: 'm.text', body: 'Lunch at one?' },
      'm.relates_to': { rel_type: 'm.replace', event_id: eventId },
    });
    expect(await edited).toMatchObject({
      content: { msgtype: 'm.text', body: 'Lunch at one?' },
      edited: true,
    });

    const react = (u: TestUser, key: string) =>
      sendAs(url, u, roomId, 'm.reaction', {
        'm.relates_to': { rel_type: 'm.annotation', event_id: eventId, key },
      });
    const reacted = itemUpdate(core, roomId, eventId, (i) => i.reactions.length === 2);
    await react(bob, '👍');
    await react(carol, '🎉');
    await reacted;
    const ours = itemUpdate(core, roomId, eventId, (i) => i.reactions[0]?.mine !== undefined);
    await call(core, 'message.react', { roomId, eventId, key: '👍' });
    const mine = (await ours).reactions[0]!.mine!;
    expect((await ours).reactions).toEqual([
      { key: '👍', count: 2, senders: [bob.userId, alice.userId], mine },
      { key: '🎉', count: 1, senders: [carol.userId] },
    ]);

    const page = await call(core, 'timeline.open', { roomId, limit: 20 });
    const shown = page.items.filter((i) => i.type === 'm.room.message');
    expect(shown.at(-1)).toMatchObject({
      eventId,
      content: { body: 'Lunch at one?' },
      edited: true,
      reactions: [
        { key: '👍', count: 2, mine },
        { key: '🎉', count: 1 },
      ],
    });
    expect(page.items.some((i) => i.type === 'm.reaction')).toBe(false);
    expect(bodies(page.items)).not.toContain('* Lunch at one?');

    // Reacting with the same key again takes ours back (a redaction of our reaction).
    const off = itemUpdate(core, roomId, eventId, (i) => i.reactions[0]?.count === 1);
    await call(core, 'message.react', { roomId, eventId, key: '👍' });
    expect((await off).reactions).toEqual([
      { key: '👍', count: 1, senders: [bob.userId] },
      { key: '🎉', count: 1, senders: [carol.userId] },
    ]);
    const server = await serverHistory(url, bob, roomId);
    const redaction = server.find((e) => e.type === 'm.room.redaction');
    expect(redaction).toBeDefined();
  });
});
