import { describe, expect, it } from 'vitest';
import { buildRows, firstUnread, readersByEvent, type Row } from './rows';
import { item, member, nameOf } from '../testing/timeline-fixtures';

const at = (d: number, h: number, m = 0) => new Date(2025, 2, d, h, m).getTime();
const kinds = (rows: Row[]) => rows.map((r) => r.kind);

describe('buildRows', () => {
  it('starts with the head row and puts a day separator before each new day', () => {
    const rows = buildRows({
      items: [item({ ts: at(10, 9) }), item({ ts: at(10, 18) }), item({ ts: at(11, 8) })],
      nameOf,
    });
    expect(kinds(rows)).toEqual(['head', 'day', 'message', 'message', 'day', 'message']);
  });

  it('groups messages of one sender within five minutes, not across people, gaps or days', () => {
    const rows = buildRows({
      items: [
        item({ sender: '@bob:x', ts: at(10, 9, 0) }),
        item({ sender: '@bob:x', ts: at(10, 9, 4) }),
        item({ sender: '@carol:x', ts: at(10, 9, 5) }),
        item({ sender: '@carol:x', ts: at(10, 9, 20) }),
        item({
          sender: '@carol:x',
          ts: at(10, 9, 21),
          content: { msgtype: 'm.emote', body: 'waves' },
        }),
      ],
      nameOf,
    });
    const grouped = rows.flatMap((r) => (r.kind === 'message' ? [r.continuation] : []));
    expect(grouped).toEqual([false, true, false, false, false]);
    const renamed = buildRows({
      items: [
        item({ sender: '@bob:x', senderName: 'Bob', ts: at(10, 9, 0) }),
        item({ sender: '@bob:x', senderName: 'Robert', ts: at(10, 9, 1) }),
      ],
      nameOf,
    });
    expect(renamed.flatMap((r) => (r.kind === 'message' ? [r.continuation] : []))).toEqual([
      false,
      false,
    ]);
  });

  it('places the new-messages marker above the first unread and breaks the group there', () => {
    const a = item({ ts: at(10, 9, 0) });
    const b = item({ ts: at(10, 9, 1) });
    const rows = buildRows({ items: [a, b], nameOf, unreadFrom: b.eventId });
    expect(kinds(rows)).toEqual(['head', 'day', 'message', 'unread', 'message']);
    expect(rows[4]).toMatchObject({ kind: 'message', continuation: false });
  });

  it('describes state events in words and hides the ones it does not show', () => {
    const rows = buildRows({
      items: [
        item({ type: 'm.room.name', stateKey: '', content: { name: 'Lobby' }, sender: '@alice:x' }),
        item({ type: 'org.example.unknown', stateKey: '', content: {} }),
        item({ type: 'm.room.power_levels', stateKey: '', content: {} }),
        item({ type: 'm.call.invite', content: {} }),
      ],
      nameOf,
    });
    const lines = rows.flatMap((r) => (r.kind === 'state' ? [r.line.text] : []));
    expect(lines).toEqual(['Alice changed the room name to Lobby', 'Bob changed the power levels']);
    expect(rows.some((r) => r.kind === 'message')).toBe(false);
  });

  it('collapses three or more membership changes in a row into an expandable summary', () => {
    const items = [
      member('@dave:x', '@dave:x', 'join'),
      member('@erin:x', '@erin:x', 'join'),
      member('@frank:x', '@frank:x', 'join'),
      member('@frank:x', '@frank:x', 'leave'),
      item(),
    ];
    const collapsed = buildRows({ items, nameOf });
    expect(kinds(collapsed)).toEqual(['head', 'day', 'members', 'message']);
    const summary = collapsed[2]!;
    expect(summary).toMatchObject({
      summary: '3 people joined, 1 left',
      count: 4,
      expanded: false,
    });
    const open = buildRows({ items, nameOf, expanded: new Set([summary.key]) });
    expect(kinds(open)).toEqual([
      'head',
      'day',
      'members',
      'state',
      'state',
      'state',
      'state',
      'message',
    ]);
    expect(open[2]).toMatchObject({ expanded: true });
  });

  it('shows short runs of membership changes one by one', () => {
    const rows = buildRows({
      items: [member('@dave:x', '@dave:x', 'join'), member('@erin:x', '@erin:x', 'join')],
      nameOf,
    });
    expect(kinds(rows)).toEqual(['head', 'day', 'state', 'state']);
  });

  it('tells a rename from a join using the earlier membership in the loaded items', () => {
    const rows = buildRows({
      items: [
        member('@bob:x', '@bob:x', 'join', { displayname: 'Bob' }),
        item(),
        member('@bob:x', '@bob:x', 'join', { displayname: 'Robert' }),
      ],
      nameOf,
      showProfileChanges: true,
    });
    const lines = rows.flatMap((r) => (r.kind === 'state' ? [r.line.text] : []));
    expect(lines).toEqual(['Bob joined', 'Bob changed their name to Robert']);
  });

  it('hides profile changes (name, avatar) by default, not joins or leaves', () => {
    const items = [
      member('@bob:x', '@bob:x', 'join', { displayname: 'Bob' }),
      member('@bob:x', '@bob:x', 'join', { displayname: 'Robert' }),
      member('@bob:x', '@bob:x', 'join', { displayname: 'Robert', avatar_url: 'mxc://x/y' }),
      member('@carol:x', '@carol:x', 'join', {}, { prevContent: { membership: 'join' } }),
      member('@bob:x', '@bob:x', 'leave'),
    ];
    const lines = buildRows({ items, nameOf }).flatMap((r) =>
      r.kind === 'state' ? [r.line.text] : [],
    );
    expect(lines).toEqual(['Bob joined', 'Bob left']);
  });

  it("collapses a new room's setup into one expandable line", () => {
    const setup = [
      item({ type: 'm.room.create', stateKey: '', sender: '@alice:x', content: {} }),
      member('@alice:x', '@alice:x', 'join', { displayname: 'Alice' }),
      item({ type: 'm.room.power_levels', stateKey: '', sender: '@alice:x', content: {} }),
      item({ type: 'm.room.join_rules', stateKey: '', sender: '@alice:x', content: {} }),
      item({ type: 'm.room.name', stateKey: '', sender: '@alice:x', content: { name: 'Lobby' } }),
      member('@alice:x', '@bob:x', 'invite'),
    ];
    const after = [member('@bob:x', '@bob:x', 'join'), item({ sender: '@bob:x' })];
    const rows = buildRows({ items: [...setup, ...after], nameOf });
    expect(kinds(rows)).toEqual(['head', 'day', 'members', 'state', 'message']);
    const line = rows[2]!;
    expect(line).toMatchObject({
      summary: 'Alice created and configured the room',
      count: 6,
      expanded: false,
    });
    const open = buildRows({ items: [...setup, ...after], nameOf, expanded: new Set([line.key]) });
    const texts = open.flatMap((r) => (r.kind === 'state' ? [r.line.text] : []));
    expect(texts).toEqual([
      'Alice created the room',
      'Alice joined',
      'Alice changed the power levels',
      'Alice changed who can join',
      'Alice changed the room name to Lobby',
      'Alice invited Bob',
      'Bob joined',
    ]);
    // A lone creation (history cut right after it) stays one line of its own.
    const lone = buildRows({ items: [setup[0]!, item({ sender: '@bob:x' })], nameOf });
    expect(kinds(lone)).toEqual(['head', 'day', 'state', 'message']);
  });

  it('keeps row keys stable when older items are prepended', () => {
    const newer = [item({ ts: at(10, 9, 0) }), item({ ts: at(10, 9, 30) })];
    const before = buildRows({ items: newer, nameOf }).map((r) => r.key);
    const after = buildRows({ items: [item({ ts: at(10, 8) }), ...newer], nameOf }).map(
      (r) => r.key,
    );
    expect(after.slice(-2)).toEqual(before.slice(-2));
    expect(after[0]).toBe('head');
  });

  it('keeps keys unique when days come back out of order or an event repeats', () => {
    const a = item({ ts: at(12, 9) });
    const rows = buildRows({
      items: [a, item({ ts: at(10, 9) }), item({ ts: at(12, 10) }), a],
      nameOf,
    });
    const keys = rows.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(kinds(rows)).toEqual(['head', 'day', 'message', 'day', 'message', 'day', 'message']);
  });

  it('survives items whose content is not what the spec says', () => {
    const rows = buildRows({
      items: [
        item({ content: { body: 42, msgtype: ['x'] } }),
        member('@x:x', '@x:x', 7 as unknown as string),
        item({ type: 'm.room.topic', stateKey: '', content: { topic: { evil: true } } }),
      ],
      nameOf,
    });
    expect(rows.length).toBe(5);
  });
});

describe('firstUnread', () => {
  const me = '@alice:x';
  const items = [
    item({ sender: '@bob:x' }),
    item({ sender: '@carol:x' }),
    item({ sender: me }),
    member('@dave:x', '@dave:x', 'join'),
    item({ sender: '@bob:x' }),
  ];

  it('counts back the unread messages of others', () => {
    expect(firstUnread(items, 1, me)).toBe(items[4]!.eventId);
    expect(firstUnread(items, 2, me)).toBe(items[1]!.eventId);
  });

  it('is the oldest loaded message when more are unread than loaded, none when nothing is', () => {
    expect(firstUnread(items, 10, me)).toBe(items[0]!.eventId);
    expect(firstUnread(items, 0, me)).toBeUndefined();
  });
});

describe('readersByEvent', () => {
  it('lists readers under the event they read, latest first, without us or the sender', () => {
    const a = item({ sender: '@bob:x' });
    const b = item({ sender: '@carol:x' });
    const readers = readersByEvent(
      {
        '@alice:x': { eventId: b.eventId, ts: 5 },
        '@bob:x': { eventId: b.eventId, ts: 3 },
        '@dave:x': { eventId: b.eventId, ts: 4 },
        '@carol:x': { eventId: b.eventId, ts: 9 },
        '@erin:x': { eventId: a.eventId, ts: 1 },
        '@frank:x': { eventId: '$not-loaded', ts: 1 },
      },
      [a, b],
      '@alice:x',
    );
    expect(readers.get(b.eventId)).toEqual(['@dave:x', '@bob:x']);
    expect(readers.get(a.eventId)).toEqual(['@erin:x']);
    expect(readers.has('$not-loaded')).toBe(false);
  });
});
