import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ingestSync } from './ingest';
import type { Stores } from '../storage/stores';
import {
  A,
  ALICE,
  B,
  BOB,
  ME,
  initialRoom,
  edit,
  member,
  memStores,
  msg,
  reaction,
  redaction,
  stateEv,
  sync,
} from '../testing/storage-fixtures';
import { roomSummaries, toTimelineItems } from './timeline-items';

let s: Stores;
const quiet = { log: vi.fn() };
const summary = (roomId: string) => roomSummaries(s, [roomId])[0]!;
const latestItems = (roomId: string, limit = 50) =>
  toTimelineItems(s, ME, s.timeline.pageBefore(roomId, undefined, limit)!.events);

beforeEach(() => {
  s = memStores();
  quiet.log.mockClear();
});

describe('initial and incremental sync', () => {
  it('stores an initial sync: summary, members, timeline, receipts, token', () => {
    const r = ingestSync(s, sync('s1', { join: { [A]: initialRoom() } }), ME, quiet);
    expect(r.changedRooms).toEqual([A]);
    expect(r.appended.get(A)).toEqual({ eventIds: ['$1', '$2'], limited: false });
    expect(r.typing.get(A)).toEqual([ALICE]);
    expect(r.receipts.get(A)).toEqual([{ userId: ALICE, eventId: '$1', ts: 10 }]);
    expect(s.receipts.get(A, BOB, 'm.read', '$root')?.eventId).toBe('$2');
    expect(s.session.get()?.syncToken).toBe('s1');
    expect(summary(A)).toEqual({
      roomId: A,
      name: 'Alice',
      topic: 'Plans',
      membership: 'join',
      isDirect: false,
      isEncrypted: true,
      tags: { 'm.favourite': { order: 0.5 }, 'u.work': {} },
      lastActivityTs: s.events.get('$2')!.ts,
      unread: { notifications: 3, highlights: 1 },
      markedUnread: true,
      joinedMembers: 2,
      invitedMembers: 0,
      lastMessage: { sender: ME, body: 'hi Alice' },
    });
    expect(s.state.listMembers(A).map((m) => [m.userId, m.displayName, m.membership])).toEqual([
      [ALICE, 'Alice', 'join'],
      [ME, 'Me', 'join'],
    ]);
    expect(latestItems(A).map((i) => [i.eventId, i.senderName])).toEqual([
      ['$1', 'Alice'],
      ['$2', 'Me'],
    ]);
  });

  it('applies incremental changes: timeline state, names, a limited gap, the stable unread marker', () => {
    ingestSync(s, sync('s1', { join: { [A]: initialRoom() } }), ME, quiet);
    const r = ingestSync(
      s,
      sync('s2', {
        join: {
          [A]: {
            timeline: [
              member(BOB, 'join', 'Bob', { id: '$m-bob' }),
              stateEv('m.room.name', { name: 'Trip' }, { id: '$name' }),
              msg('$3', 'welcome Bob', { sender: ALICE }),
            ],
            limited: true,
            prevBatch: 'p-gap',
            summary: { 'm.joined_member_count': 3 },
            accountData: [{ type: 'm.marked_unread', content: { unread: false } }],
          },
        },
      }),
      ME,
      quiet,
    );
    expect(r.appended.get(A)).toEqual({ eventIds: ['$m-bob', '$name', '$3'], limited: true });
    expect(summary(A)).toMatchObject({ name: 'Trip', joinedMembers: 3, markedUnread: false });
    expect(s.state.listMembers(A).map((m) => m.userId)).toContain(BOB);
    const page = s.timeline.pageBefore(A, undefined, 50)!;
    expect(page.events.map((e) => e.eventId)).toEqual(['$m-bob', '$name', '$3']);
    expect(page.gap?.token).toBe('p-gap');
    expect(s.timeline.chunks(A)[0]!.nextToken).toBe('s1');
    expect(s.session.get()?.syncToken).toBe('s2');
  });

  it('membership and profile changes are no activity: order and preview stay', () => {
    ingestSync(s, sync('s1', { join: { [A]: initialRoom() } }), ME, quiet);
    const before = summary(A);
    const renamed = (userId: string, from: string, to: string, id: string) =>
      member(userId, 'join', to, {
        id,
        unsigned: { prev_content: { membership: 'join', displayname: from } },
      });
    ingestSync(
      s,
      sync('s2', {
        join: {
          [A]: {
            timeline: [
              renamed(ME, 'Me', 'New me', '$me-renamed'),
              renamed(ALICE, 'Alice', 'Alicia', '$alice-renamed'),
              member(BOB, 'join', 'Bob', { id: '$bob-joined' }),
            ],
          },
        },
      }),
      ME,
      quiet,
    );
    expect(summary(A).lastActivityTs).toBe(before.lastActivityTs);
    expect(summary(A).lastMessage).toEqual(before.lastMessage);
    // Our own join is activity: the room we joined comes up.
    ingestSync(
      s,
      sync('s3', {
        join: { [B]: { timeline: [member(ME, 'join', 'Me', { id: '$me-joined-b' })] } },
      }),
      ME,
      quiet,
    );
    expect(summary(B).lastActivityTs).toBe(s.events.get('$me-joined-b')!.ts);
  });

  it('with state_after, the timeline does not change state', () => {
    ingestSync(s, sync('s1', { join: { [A]: initialRoom() } }), ME, quiet);
    ingestSync(
      s,
      sync('s2', {
        join: {
          [A]: {
            timeline: [stateEv('m.room.name', { name: 'During' }, { id: '$n1' })],
            stateAfter: [stateEv('m.room.topic', { topic: 'After' }, { id: '$t2' })],
          },
        },
      }),
      ME,
      quiet,
    );
    expect(summary(A)).toMatchObject({ name: 'Alice', topic: 'After' });
    expect(s.state.get(A, 'm.room.name')).toBeUndefined();
    expect(s.timeline.locate(A, '$n1')).toBeDefined();
  });

  it('a ban in a left room shows as ban; a rejected invite leaves the cache', () => {
    ingestSync(s, sync('s1', { join: { [A]: initialRoom() } }), ME, quiet);
    ingestSync(
      s,
      sync('s2', {
        invite: {
          [B]: [
            stateEv('m.room.name', { name: 'Secret' }, { sender: BOB }),
            { ...member(ME, 'invite'), sender: BOB },
          ],
        },
      }),
      ME,
      quiet,
    );
    expect(summary(B)).toMatchObject({ membership: 'invite', inviter: BOB, name: 'Secret' });
    expect(summary(B).inviterName).toBeUndefined(); // the invite did not carry Bob's member event
    const r = ingestSync(
      s,
      sync('s3', {
        leave: {
          [A]: { timeline: [{ ...member(ME, 'ban'), sender: ALICE }] },
          [B]: { timeline: [member(ME, 'leave')] },
        },
      }),
      ME,
      quiet,
    );
    expect(r.removedRooms).toEqual([B]);
    expect(s.rooms.get(B)).toBeUndefined();
    expect(s.events.get('$m-me')).toBeDefined();
    expect(summary(A).membership).toBe('ban');
  });

  it('stores what the crypto layer needs', () => {
    ingestSync(
      s,
      sync('s1', {
        extra: {
          to_device: { events: [{ sender: ALICE, type: 'm.room_key', content: { k: 1 } }] },
          device_lists: { changed: [ALICE], left: [BOB] },
          device_one_time_keys_count: { signed_curve25519: 7 },
          device_unused_fallback_key_types: [],
        },
      }),
      ME,
      quiet,
    );
    expect(s.cryptoInbox.toDevice()).toMatchObject([{ sender: ALICE, type: 'm.room_key' }]);
    expect(s.cryptoInbox.deviceListChanges()).toEqual({ changed: [ALICE], left: [BOB] });
    expect(s.cryptoInbox.otkCounts()).toEqual({ signed_curve25519: 7 });
    expect(s.cryptoInbox.unusedFallbackKeyTypes()).toEqual([]);
  });
});

describe('relations and redactions', () => {
  beforeEach(() => {
    ingestSync(s, sync('s1', { join: { [A]: initialRoom() } }), ME, quiet);
  });

  it('aggregates reactions and applies edits, reporting the targets as updated', () => {
    const r = ingestSync(
      s,
      sync('s2', {
        join: {
          [A]: {
            timeline: [
              reaction('$r1', '$1', '👍', ME),
              reaction('$r2', '$1', '👍', BOB),
              reaction('$r3', '$1', '🎉', BOB),
              edit('$e1', '$1', 'hello everyone', ALICE),
            ],
          },
        },
      }),
      ME,
      quiet,
    );
    expect(r.updated.get(A)).toEqual(['$1']);
    const [first] = latestItems(A);
    expect(first).toMatchObject({
      eventId: '$1',
      edited: true,
      content: { msgtype: 'm.text', body: 'hello everyone' },
      reactions: [
        { key: '👍', count: 2, senders: [ME, BOB], mine: '$r1' },
        { key: '🎉', count: 1, senders: [BOB] },
      ],
    });
    expect(latestItems(A).map((i) => i.eventId)).toEqual(['$1', '$2']);
    expect(summary(A).lastMessage).toEqual({ sender: ME, body: 'hi Alice' });
  });

  it('a redaction rewrites the cached event, drops its relation and updates the preview', () => {
    ingestSync(
      s,
      sync('s2', { join: { [A]: { timeline: [reaction('$r1', '$1', '👍', ME)] } } }),
      ME,
      quiet,
    );
    const r = ingestSync(
      s,
      sync('s3', {
        join: { [A]: { timeline: [redaction('$x1', '$2', ME), redaction('$x2', '$r1', ME)] } },
      }),
      ME,
      quiet,
    );
    expect(new Set(r.updated.get(A))).toEqual(new Set(['$2', '$r1', '$1']));
    const stored = s.events.get('$2')!;
    expect(stored.content).toEqual({});
    expect(stored.redactedBy).toBe('$x1');
    expect(stored.unsigned?.redacted_because).toMatchObject({ event_id: '$x1' });
    const items = latestItems(A);
    expect(items.map((i) => [i.eventId, i.redacted, i.reactions.length])).toEqual([
      ['$1', false, 0],
      ['$2', true, 0],
    ]);
    expect(summary(A).lastMessage).toEqual({ sender: ALICE, body: 'hello' });
    expect(r.changedRooms).toEqual([A]);
  });

  it('a redacted current state event changes the summary', () => {
    ingestSync(
      s,
      sync('s2', {
        join: { [A]: { timeline: [stateEv('m.room.name', { name: 'N' }, { id: '$nm' })] } },
      }),
      ME,
      quiet,
    );
    expect(summary(A).name).toBe('N');
    ingestSync(
      s,
      sync('s3', { join: { [A]: { timeline: [redaction('$x', '$nm', ALICE)] } } }),
      ME,
      quiet,
    );
    expect(summary(A).name).toBe('Alice');
  });
});

describe('direct chats', () => {
  it('m.direct marks rooms direct, also rooms not in the response; an invite says is_direct', () => {
    ingestSync(s, sync('s1', { join: { [A]: initialRoom(), [B]: {} } }), ME, quiet);
    expect(summary(A).isDirect).toBe(false);
    const r = ingestSync(
      s,
      sync('s2', { accountData: [{ type: 'm.direct', content: { [ALICE]: [A] } }] }),
      ME,
      quiet,
    );
    expect(r.changedRooms).toEqual([A]);
    // A direct chat with one other person carries them: its avatar shows them, in their colour.
    expect(summary(A)).toMatchObject({ isDirect: true, directUserId: ALICE });
    expect(summary(B).isDirect).toBe(false);
    expect(summary(B).directUserId).toBeUndefined();
    ingestSync(
      s,
      sync('s3', {
        invite: {
          '!dm:example.org': [
            {
              ...member(ME, 'invite'),
              sender: BOB,
              content: { membership: 'invite', is_direct: true },
            },
            { ...member(BOB, 'join', ' Bob Builder '), sender: BOB },
          ],
        },
      }),
      ME,
      quiet,
    );
    expect(summary('!dm:example.org')).toMatchObject({
      isDirect: true,
      inviter: BOB,
      inviterName: 'Bob Builder',
      name: 'Bob Builder',
    });
    ingestSync(s, sync('s4', { accountData: [{ type: 'm.direct', content: {} }] }), ME, quiet);
    expect(summary(A).isDirect).toBe(false);
    expect(summary('!dm:example.org').isDirect).toBe(true);
  });
});
