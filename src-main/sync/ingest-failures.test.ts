/**
 * The sync write's guarantees: our own events retire their queue entries in the same write, and
 * a failure is contained to the item or room it hit, or fails the whole response with the token
 * kept (split from ingest.test.ts, which covers what a response stores).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ingestSync } from './ingest';
import type { JsonObject } from '../protocol/events';
import type { Stores } from '../storage/stores';
import {
  A,
  ALICE,
  B,
  ME,
  initialRoom,
  memStores,
  msg,
  stateEv,
  sync,
} from '../testing/storage-fixtures';
import { roomSummaries } from './timeline-items';

let s: Stores;
const quiet = { log: vi.fn() };
const summary = (roomId: string) => roomSummaries(s, [roomId])[0]!;

beforeEach(() => {
  s = memStores();
  quiet.log.mockClear();
});

describe('the outgoing queue', () => {
  const sent = (localId: string, txnId: string) =>
    s.queue.insert({
      localId,
      roomId: A,
      txnId,
      kind: 'message',
      eventType: 'm.room.message',
      content: { body: localId },
      state: 'sent',
      attempts: 1,
      createdTs: 1,
    });
  const ours = (id: string, txnId: string) =>
    msg(id, 'mine', { sender: ME, unsigned: { transaction_id: txnId } });

  it('our events coming back retire their entries in the same write as the events', () => {
    ingestSync(s, sync('s1', { join: { [A]: initialRoom() } }), ME, quiet);
    sent('one', 't1');
    sent('two', 't2');
    const r = ingestSync(s, sync('s2', { join: { [A]: { timeline: [ours('$o1', 't1')] } } }), ME);
    expect(r.retired.map((row) => row.localId)).toEqual(['one']);
    expect(s.queue.get('one')).toBeUndefined();
    expect(s.queue.get('two')?.state).toBe('sent');
    expect(s.events.get('$o1')).toBeDefined();
  });

  it('a response that fails to commit retires nothing', () => {
    ingestSync(s, sync('s1', { join: { [A]: initialRoom() } }), ME, quiet);
    sent('one', 't1');
    vi.spyOn(s.cryptoInbox, 'setOtkCounts').mockImplementation(() => {
      throw new Error('crypto inbox failed');
    });
    const response = sync('s2', { join: { [A]: { timeline: [ours('$o1', 't1')] } } });
    expect(() => ingestSync(s, response, ME, quiet)).toThrow('crypto inbox failed');
    expect(s.queue.get('one')?.state).toBe('sent');
  });
});

describe('failures', () => {
  it('a failure inside one room is contained: logged, that room rolled back with a gap, others kept', () => {
    ingestSync(s, sync('s1', { join: { [A]: initialRoom(), [B]: {} } }), ME, quiet);
    const index = s.relations.index.bind(s.relations);
    vi.spyOn(s.relations, 'index').mockImplementation((roomId, e) => {
      if (e.event_id === '$boom') throw new Error('disk on fire');
      return index(roomId, e);
    });
    const r = ingestSync(
      s,
      sync('s2', {
        join: {
          [A]: { timeline: [msg('$4', 'before boom'), msg('$boom', 'boom')] },
          [B]: { timeline: [msg('$b1', 'fine')] },
        },
      }),
      ME,
      quiet,
    );
    expect(r.failedRooms).toEqual([A]);
    expect(quiet.log).toHaveBeenCalledWith(expect.stringContaining(A), expect.any(Error));
    expect(r.appended.has(A)).toBe(false);
    expect(r.appended.get(B)).toEqual({ eventIds: ['$b1'], limited: false });
    expect(s.events.get('$4')).toBeUndefined();
    expect(s.session.get()?.syncToken).toBe('s2');
    expect(s.timeline.pageBefore(A, undefined, 10)).toEqual({
      events: [],
      hasMoreBefore: true,
      gap: { chunkId: s.timeline.liveChunk(A)!.chunkId, token: 's2' },
    });
  });

  it('the whole response is one transaction: a failure outside the rooms leaves nothing behind', () => {
    ingestSync(s, sync('s1', { join: { [A]: initialRoom() } }), ME, quiet);
    const before = summary(A);
    vi.spyOn(s.cryptoInbox, 'setOtkCounts').mockImplementation(() => {
      throw new Error('crypto inbox failed');
    });
    expect(() =>
      ingestSync(
        s,
        sync('s2', {
          join: {
            [A]: { timeline: [msg('$new', 'lost?'), stateEv('m.room.name', { name: 'X' })] },
            [B]: { timeline: [msg('$b', 'also lost?')] },
          },
          accountData: [{ type: 'm.direct', content: { [ALICE]: [A] } }],
        }),
        ME,
        quiet,
      ),
    ).toThrow('crypto inbox failed');
    expect(s.session.get()?.syncToken).toBe('s1');
    expect(s.events.get('$new')).toBeUndefined();
    expect(s.rooms.get(B)).toBeUndefined();
    expect(summary(A)).toEqual(before);
    expect(s.accountData.get('', 'm.direct')).toBeUndefined();
  });

  it('a to-device message or account data entry that cannot be stored is dropped alone', () => {
    // Content the parser would refuse (too deep to serialise), slipped past it.
    const deep = JSON.parse(`{"x":${'['.repeat(22_000)}${']'.repeat(22_000)}}`) as JsonObject;
    const changes = sync('s1', {
      join: {
        [A]: { timeline: [msg('$1', 'kept')], accountData: [{ type: 'r.ok', content: {} }] },
      },
      accountData: [{ type: 'g.ok', content: { n: 1 } }],
      extra: {
        to_device: { events: [{ type: 'm.ok', sender: ALICE, content: { n: 2 } }] },
      },
    });
    changes.accountData.unshift({ type: 'g.bad', content: deep });
    changes.rooms[0]!.accountData.unshift({ type: 'r.bad', content: deep });
    changes.toDevice.unshift({ type: 'm.bad', sender: ALICE, content: deep });
    const r = ingestSync(s, changes, ME, quiet);
    expect(s.session.get()?.syncToken).toBe('s1');
    expect(r.failedRooms).toEqual([]);
    expect(s.events.get('$1')).toBeDefined();
    expect(s.accountData.get('', 'g.ok')).toEqual({ n: 1 });
    expect(s.accountData.get(A, 'r.ok')).toEqual({});
    expect(s.accountData.get('', 'g.bad')).toBeUndefined();
    expect(s.cryptoInbox.toDevice().map((m) => m.type)).toEqual(['m.ok']);
    for (const what of ['g.bad', 'r.bad', 'm.bad']) {
      expect(quiet.log).toHaveBeenCalledWith(expect.stringContaining(what), expect.any(Error));
    }
  });

  it('a full disk is not taken for a bad item: the whole response fails, token kept', () => {
    ingestSync(s, sync('s1', {}), ME, quiet);
    vi.spyOn(s.accountData, 'set').mockImplementation(() => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    });
    expect(() =>
      ingestSync(s, sync('s2', { accountData: [{ type: 'g', content: {} }] }), ME, quiet),
    ).toThrow(/disk is full/);
    expect(s.session.get()?.syncToken).toBe('s1');
  });

  it('caps the to-device inbox: the oldest messages go first, and that is logged', () => {
    const toDevice = (from: number, n: number, pad = '') => ({
      to_device: {
        events: Array.from({ length: n }, (_, i) => ({
          type: 'm.test',
          sender: ALICE,
          content: { n: from + i, pad },
        })),
      },
    });
    const inboxLimits = { count: 5, bytes: 1024 * 1024 };
    ingestSync(s, sync('s1', { extra: toDevice(1, 4) }), ME, { ...quiet, inboxLimits });
    expect(quiet.log).not.toHaveBeenCalled();
    ingestSync(s, sync('s2', { extra: toDevice(5, 3) }), ME, { ...quiet, inboxLimits });
    expect(s.cryptoInbox.toDevice().map((m) => m.content.n)).toEqual([3, 4, 5, 6, 7]);
    expect(quiet.log).toHaveBeenCalledWith(expect.stringMatching(/dropped the 2 oldest/));

    // By size: three messages of ~400 bytes under a 1,000-byte cap keep the two newest.
    const small = { count: 100, bytes: 1000 };
    const big = 'x'.repeat(400);
    ingestSync(s, sync('s3', { extra: toDevice(8, 3, big) }), ME, { ...quiet, inboxLimits: small });
    expect(s.cryptoInbox.toDevice().map((m) => m.content.n)).toEqual([9, 10]);
    expect(s.session.get()?.syncToken).toBe('s3');
  });

  it('refuses to run without a session (the token would be lost)', () => {
    const bare = memStores();
    bare.db.prepare('DELETE FROM session').run();
    expect(() => ingestSync(bare, sync('s1', {}), ME, quiet)).toThrow(/no session/);
  });
});
