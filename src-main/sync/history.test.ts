import { describe, expect, it } from 'vitest';
import { ingestContext, ingestMessagesBefore } from './history';
import { ingestSync } from './ingest';
import { ME, memStores, msg, reaction, redaction, member, sync } from '../testing/storage-fixtures';
import { toTimelineItems } from './timeline-items';

const R = '!r:example.org';
const quiet = { log: () => {} };

describe('history pages', () => {
  it('stores a /messages page with lazy members, and applies a redaction found in history', () => {
    const s = memStores();
    ingestSync(
      s,
      sync('s1', { join: { [R]: { timeline: [msg('$5', 'five')], prevBatch: 'p5' } } }),
      ME,
      quiet,
    );
    ingestSync(
      s,
      sync('s2', {
        join: { [R]: { timeline: [msg('$9', 'nine')], limited: true, prevBatch: 'p9' } },
      }),
      ME,
      quiet,
    );
    // The older chunk holds $5 unredacted; the gap before $9 holds its redaction.
    const live = s.timeline.liveChunk(R)!.chunkId;
    const res = ingestMessagesBefore(s, R, live, {
      chunk: [
        reaction('$r', '$5', '👍', '@bob:x'),
        redaction('$x', '$5', '@alice:example.org'),
        msg('$6', 'six'),
        msg('$5', 'five'),
      ],
      end: 'p4',
      state: [member('@alice:example.org', 'join', 'Alice')],
      skipped: [],
    });
    expect(res).toMatchObject({ added: ['$6', '$x', '$r'], merged: true, updated: ['$5'] });
    expect(s.events.get('$5')).toMatchObject({ content: {}, redactedBy: '$x' });
    expect(
      s.state.membersOf(R, ['@alice:example.org']).get('@alice:example.org')?.displayName,
    ).toBe('Alice');
    const ctx = ingestContext(s, R, {
      event: msg('$6', 'six'),
      eventsBefore: [],
      eventsAfter: [],
      state: [],
      skipped: [],
    });
    expect(ctx).toMatchObject({ cached: true, added: [] });
  });

  it('keeps the name each message was sent under, live and in history', () => {
    const s = memStores();
    const BOB = '@bob:x';
    const renamed = (id: string, from: string, to: string) =>
      member(BOB, 'join', to, {
        id,
        unsigned: { prev_content: { membership: 'join', displayname: from } },
      });
    ingestSync(
      s,
      sync('s1', {
        join: {
          [R]: {
            state: [member(BOB, 'join', 'Bob')],
            timeline: [
              msg('$10', 'as Bob', { sender: BOB }),
              renamed('$11', 'Bob', 'Robert'),
              msg('$12', 'as Robert', { sender: BOB }),
            ],
            limited: true,
            prevBatch: 'p10',
          },
        },
      }),
      ME,
      quiet,
    );
    ingestSync(
      s,
      sync('s2', {
        join: {
          [R]: {
            timeline: [renamed('$13', 'Robert', 'Rob'), msg('$14', 'as Rob', { sender: BOB })],
          },
        },
      }),
      ME,
      quiet,
    );
    // An older page: the server's state is as of its newest event, when he was still "Bobby".
    ingestMessagesBefore(s, R, s.timeline.liveChunk(R)!.chunkId, {
      chunk: [
        msg('$9', 'as Bobby', { sender: BOB }),
        renamed('$8', 'Bert', 'Bobby'),
        msg('$7', 'as Bert', { sender: BOB }),
      ],
      end: 'p6',
      state: [member(BOB, 'join', 'Bobby')],
      skipped: [],
    });
    const page = s.timeline.pageBefore(R, undefined, 50)!;
    const names = toTimelineItems(s, ME, page.events)
      .filter((i) => i.type === 'm.room.message')
      .map((i) => [i.content.body, i.senderName]);
    expect(names).toEqual([
      ['as Bert', 'Bert'],
      ['as Bobby', 'Bobby'],
      ['as Bob', 'Bob'],
      ['as Robert', 'Robert'],
      ['as Rob', 'Rob'],
    ]);
  });
});
