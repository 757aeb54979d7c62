import { describe, expect, it } from 'vitest';
import { ingestContext, ingestMessagesBefore } from './history';
import { ingestSync } from './ingest';
import { ME, memStores, msg, reaction, redaction, member, sync } from '../testing/storage-fixtures';

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
});
