import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RawEvent } from '../protocol/events';
import { ingestSync } from './ingest';
import { newRoomRow } from '../storage/room-store';
import { openAccountStores, type Stores } from '../storage/stores';
import {
  ME,
  edit,
  ev,
  member,
  memStores,
  msg,
  reaction,
  redaction,
  stateEv,
  sync,
} from '../testing/storage-fixtures';
import { isHiddenInTimeline, roomSummaries, toTimelineItems } from './timeline-items';

const R = '!r:example.org';
const ALICE = '@alice:example.org';
const BOB = '@bob:example.org';
const quiet = { log: () => {} };

let s: Stores;
const items = () => toTimelineItems(s, ME, s.timeline.pageBefore(R, undefined, 100)!.events);
const item = (id: string) => items().find((i) => i.eventId === id)!;

function feed(timeline: RawEvent[], state: RawEvent[] = []) {
  ingestSync(s, sync(`s${Math.random()}`, { join: { [R]: { timeline, state } } }), ME, quiet);
}

beforeEach(() => {
  s = memStores();
  feed(
    [msg('$1', 'original', { sender: ALICE }), msg('$2', 'second', { sender: BOB })],
    [
      stateEv('m.room.create', { room_version: '10' }),
      member(ALICE, 'join', 'Alice'),
      member(BOB, 'join'),
    ],
  );
});

describe('toTimelineItems', () => {
  it('applies the latest edit by the same sender only, keeping the original relation', () => {
    feed([
      edit('$e1', '$1', 'first edit', ALICE),
      edit('$e2', '$1', 'second edit', ALICE),
      edit('$e3', '$1', 'hijack', BOB),
    ]);
    expect(item('$1')).toMatchObject({
      edited: true,
      content: { body: 'second edit' },
      senderName: 'Alice',
    });
    feed([redaction('$x', '$e2', ALICE)]);
    expect(item('$1').content.body).toBe('first edit');
    expect(items().map((i) => i.eventId)).toEqual(['$1', '$2']);
  });

  it('shows replies and threads, but a thread fallback is no reply', () => {
    const reply = ev(
      'm.room.message',
      { body: 're', 'm.relates_to': { 'm.in_reply_to': { event_id: '$1' } } },
      { id: '$reply', sender: BOB },
    );
    const inThread = ev(
      'm.room.message',
      {
        body: 't',
        'm.relates_to': {
          rel_type: 'm.thread',
          event_id: '$1',
          is_falling_back: true,
          'm.in_reply_to': { event_id: '$1' },
        },
      },
      { id: '$thread', sender: BOB },
    );
    feed([reply, inThread, edit('$e', '$reply', 'reply edited', BOB)]);
    expect(item('$reply')).toMatchObject({ replyTo: '$1', content: { body: 'reply edited' } });
    expect(item('$reply').content['m.relates_to']).toEqual({ 'm.in_reply_to': { event_id: '$1' } });
    expect(item('$thread')).toMatchObject({ threadRoot: '$1' });
    expect(item('$thread').replyTo).toBeUndefined();
    expect(s.relations.threadRoots(R)).toEqual([
      { rootId: '$1', count: 1, latestTs: inThread.origin_server_ts },
    ]);
  });

  it('carries plain text for formatted messages and replies, and previews it', () => {
    const bold = ev(
      'm.room.message',
      {
        msgtype: 'm.text',
        body: '**bold** move',
        format: 'org.matrix.custom.html',
        formatted_body: '<strong>bold</strong> move',
      },
      { id: '$bold', sender: ALICE },
    );
    const reply = ev(
      'm.room.message',
      {
        msgtype: 'm.text',
        body: '> <@alice:example.org> **bold** move\n\nindeed',
        'm.relates_to': { 'm.in_reply_to': { event_id: '$bold' } },
      },
      { id: '$answer', sender: BOB },
    );
    feed([bold]);
    expect(item('$bold').plainText).toBe('bold move');
    expect(roomSummaries(s, [R])[0]!.lastMessage).toEqual({ sender: ALICE, body: 'bold move' });
    feed([reply]);
    expect(item('$answer').plainText).toBe('indeed');
    expect(item('$2').plainText).toBeUndefined();
    expect(roomSummaries(s, [R])[0]!.lastMessage).toEqual({ sender: BOB, body: 'indeed' });
  });

  it('counts each sender once per reaction key', () => {
    feed([
      reaction('$r1', '$1', '👍', BOB),
      reaction('$r2', '$1', '👍', BOB),
      reaction('$r3', '$1', '👍', ME),
    ]);
    expect(item('$1').reactions).toEqual([
      { key: '👍', count: 2, senders: [BOB, ME], mine: '$r3' },
    ]);
  });

  it('shows a redacted message as redacted with empty content and no reactions', () => {
    feed([reaction('$r', '$2', '👍', ME), redaction('$x', '$2', BOB)]);
    expect(item('$2')).toMatchObject({ redacted: true, content: {}, reactions: [], edited: false });
    expect(item('$2').senderName).toBeUndefined();
  });

  it('hides reactions, edits and redactions, also once redacted', () => {
    feed([reaction('$r', '$1', '👍', ME), edit('$e', '$1', 'x', ALICE)]);
    feed([redaction('$x1', '$r', ME), redaction('$x2', '$e', ALICE)]);
    const page = s.timeline.pageBefore(R, undefined, 100)!.events;
    expect(page.filter(isHiddenInTimeline).map((e) => e.eventId)).toEqual([
      '$r',
      '$e',
      '$x1',
      '$x2',
    ]);
    expect(item('$1')).toMatchObject({
      edited: false,
      reactions: [],
      content: { body: 'original' },
    });
  });
});

describe('state events', () => {
  it('carry the content they replaced, so a rename reads as a rename', () => {
    feed([
      member(BOB, 'join', 'Robert', {
        id: '$rename',
        unsigned: { prev_content: { membership: 'join' }, replaces_state: '$old' },
      }),
    ]);
    expect(item('$rename')).toMatchObject({
      stateKey: BOB,
      content: { membership: 'join', displayname: 'Robert' },
      prevContent: { membership: 'join' },
    });
    expect(item('$2').prevContent).toBeUndefined();
  });
});

describe('large data', () => {
  it('turns a page of a busy room into items with every reaction and edit aggregated', () => {
    const members = Array.from({ length: 300 }, (_, i) => member(`@u${i}:x`, 'join', `User ${i}`));
    feed([], members);
    for (let batch = 0; batch < 20; batch++) {
      const events: RawEvent[] = [];
      for (let i = 0; i < 100; i++) {
        const id = `$m${batch}-${i}`;
        const sender = `@u${(batch * 100 + i) % 300}:x`;
        events.push(msg(id, `message ${batch}-${i}`, { sender }));
        events.push(reaction(`${id}-r1`, id, '👍', `@u${i % 300}:x`));
        events.push(reaction(`${id}-r2`, id, '❤️', ME));
        if (i % 10 === 0) events.push(edit(`${id}-e`, id, 'edited', sender));
      }
      feed(events);
    }
    // Speed is measured by `npm run bench` (a 50-event page to the IPC boundary), not here.
    const page = s.timeline.pageBefore(R, undefined, 50)!;
    const shown = toTimelineItems(s, ME, page.events);
    expect(shown.length).toBeGreaterThan(10);
    const last = shown.at(-1)!;
    expect(last.content.body).toBe('message 19-99');
    expect(last.reactions).toEqual([
      expect.objectContaining({ key: '👍', count: 1 }),
      expect.objectContaining({ key: '❤️', count: 1, mine: '$m19-99-r2' }),
    ]);
  });

  it('lists 1,000 rooms from a freshly opened database, newest activity first', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rooms-')), 'a.sqlite');
    const warm = openAccountStores(path);
    warm.db.transaction(() => {
      for (let i = 0; i < 1000; i++) {
        const row = newRoomRow(`!room${i}:x`, 'join');
        row.name = `Room ${i}`;
        row.lastActivityTs = i;
        row.tags = { 'm.favourite': { order: i / 1000 } };
        row.lastMessage = { sender: '@a:x', body: `last ${i}`, eventId: `$l${i}` };
        warm.rooms.save(row);
      }
    })();
    warm.close();
    const cold = openAccountStores(path);
    const rooms = roomSummaries(cold);
    expect(rooms).toHaveLength(1000);
    expect(rooms[0]).toMatchObject({ roomId: '!room999:x', lastMessage: { body: 'last 999' } });
    cold.close();
  });
});
