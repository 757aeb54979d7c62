import { beforeEach, describe, expect, it } from 'vitest';
import type { RawEvent } from '../protocol/events';
import type { Stores } from './stores';
import { memStores, msg } from '../testing/storage-fixtures';

const R = '!room:example.org';
const ids = (events: { eventId: string }[]) => events.map((e) => e.eventId);
const msgs = (prefix: string, from: number, to: number): RawEvent[] => {
  const out: RawEvent[] = [];
  for (let i = from; i <= to; i++) out.push(msg(`$${prefix}${i}`, `${prefix} ${i}`));
  return out;
};
const newestFirst = (events: RawEvent[]) => [...events].reverse();
const names = (from: number, to: number, prefix = 'e') =>
  Array.from({ length: to - from + 1 }, (_, i) => `$${prefix}${from + i}`);

let s: Stores;
let all: RawEvent[];
beforeEach(() => {
  s = memStores();
  all = msgs('e', 1, 30);
});

describe('appending from /sync', () => {
  it('appends to the live chunk, skipping events already held', () => {
    s.timeline.appendSync(R, all.slice(0, 5), { limited: false, prevBatch: 'p0' });
    const w = s.timeline.appendSync(R, all.slice(3, 8), { limited: false });
    expect(w.added.map((e) => e.event_id)).toEqual(names(6, 8));
    expect(s.timeline.chunks(R)).toHaveLength(1);
    const page = s.timeline.pageBefore(R, undefined, 50)!;
    expect(ids(page.events)).toEqual(names(1, 8));
    expect(page.gap).toEqual({ chunkId: w.chunkId, token: 'p0' });
  });

  it('a limited timeline opens a new live chunk behind a gap; the old one keeps its events', () => {
    const first = s.timeline.appendSync(R, all.slice(0, 5), { limited: false, prevBatch: 'p0' });
    const second = s.timeline.appendSync(R, all.slice(20, 25), {
      limited: true,
      prevBatch: 'p20',
      sinceToken: 'since1',
    });
    expect(second.chunkId).not.toBe(first.chunkId);
    const chunks = s.timeline.chunks(R);
    expect(chunks.map((c) => [c.isLive, c.prevToken, c.nextToken])).toEqual([
      [false, 'p0', 'since1'],
      [true, 'p20', undefined],
    ]);
    const page = s.timeline.pageBefore(R, undefined, 50)!;
    expect(ids(page.events)).toEqual(names(21, 25));
    expect(page).toMatchObject({
      hasMoreBefore: true,
      gap: { chunkId: second.chunkId, token: 'p20' },
    });
  });

  it('a limited timeline that starts with an event we hold continues the live chunk', () => {
    s.timeline.appendSync(R, all.slice(0, 5), { limited: false });
    const w = s.timeline.appendSync(R, all.slice(4, 9), { limited: true, prevBatch: 'x' });
    expect(s.timeline.chunks(R)).toHaveLength(1);
    expect(w.added).toHaveLength(4);
  });
});

describe('back-pagination across chunks', () => {
  it('pages backwards without the network and reports the gap where the cache ends', () => {
    const w = s.timeline.appendSync(R, all.slice(10, 30), { limited: false, prevBatch: 'p10' });
    const p1 = s.timeline.pageBefore(R, undefined, 8)!;
    expect(ids(p1.events)).toEqual(names(23, 30));
    expect(p1.hasMoreBefore).toBe(true);
    expect(p1.gap).toBeUndefined();
    const p2 = s.timeline.pageBefore(R, '$e23', 8)!;
    expect(ids(p2.events)).toEqual(names(15, 22));
    const p3 = s.timeline.pageBefore(R, '$e15', 8)!;
    expect(ids(p3.events)).toEqual(names(11, 14));
    expect(p3).toEqual(
      expect.objectContaining({ hasMoreBefore: true, gap: { chunkId: w.chunkId, token: 'p10' } }),
    );
    expect(s.timeline.pageBefore(R, '$unknown', 8)).toBeUndefined();
  });

  it('fillGap prepends, and at the room start clears the token', () => {
    const w = s.timeline.appendSync(R, all.slice(10, 15), { limited: false, prevBatch: 'p10' });
    const f1 = s.timeline.fillGap(R, w.chunkId, newestFirst(all.slice(5, 10)), 'p5');
    expect(f1.added.map((e) => e.event_id)).toEqual(names(6, 10));
    expect(s.timeline.chunk(w.chunkId)!.prevToken).toBe('p5');
    s.timeline.fillGap(R, w.chunkId, newestFirst(all.slice(0, 5)), undefined);
    const page = s.timeline.pageBefore(R, undefined, 100)!;
    expect(ids(page.events)).toEqual(names(1, 15));
    expect(page.hasMoreBefore).toBe(false);
    expect(page.gap).toBeUndefined();
    expect(s.events.get('$e3')?.content.body).toBe('e 3');
  });

  it('fillGap meeting held events stops there and links the chunks; nothing is duplicated', () => {
    s.timeline.appendSync(R, all.slice(0, 10), { limited: false }); // room start: no token
    const live = s.timeline.appendSync(R, all.slice(20, 30), {
      limited: true,
      prevBatch: 'p20',
    });
    // The server returns 20..6 for the gap; 10..6 are already in the old chunk.
    const f = s.timeline.fillGap(R, live.chunkId, newestFirst(all.slice(5, 20)), 'p5');
    expect(f.merged).toBe(true);
    expect(f.added.map((e) => e.event_id)).toEqual(names(11, 20));
    const page = s.timeline.pageBefore(R, undefined, 100)!;
    expect(ids(page.events)).toEqual(names(1, 30));
    expect(page).toMatchObject({ hasMoreBefore: false });
    const count = s.db.prepare('SELECT count(*) AS n FROM timeline WHERE room_id = ?').get(R);
    expect(count).toEqual({ n: 30 });
    const [old, cur] = s.timeline.chunks(R);
    expect(old).toEqual({
      chunkId: old!.chunkId,
      roomId: R,
      nextChunk: cur!.chunkId,
      isLive: false,
    });
    expect(cur).toEqual({
      chunkId: cur!.chunkId,
      roomId: R,
      prevChunk: old!.chunkId,
      isLive: true,
    });
    // Filling an already linked chunk is a no-op.
    expect(s.timeline.fillGap(R, cur!.chunkId, newestFirst(all.slice(0, 5)), 'x').added).toEqual(
      [],
    );
  });

  it('a page that ends exactly at a gap reports it', () => {
    const w = s.timeline.appendSync(R, all.slice(0, 4), { limited: false, prevBatch: 'p' });
    const page = s.timeline.pageBefore(R, undefined, 4)!;
    expect(ids(page.events)).toEqual(names(1, 4));
    expect(page).toMatchObject({ hasMoreBefore: true, gap: { chunkId: w.chunkId, token: 'p' } });
  });

  it('refuses a chunk of another room', () => {
    const w = s.timeline.appendSync(R, all.slice(0, 2), { limited: false });
    expect(() => s.timeline.fillGap('!other:x', w.chunkId, [], undefined)).toThrow(/No timeline/);
  });
});

describe('jumping into history (/context)', () => {
  it('creates a detached chunk, pages after it, fills forward and links to the live chunk', () => {
    const live = s.timeline.appendSync(R, all.slice(25, 30), { limited: false, prevBatch: 'p25' });
    const ctx = {
      start: 'c-start',
      end: 'c-end',
      eventsBefore: newestFirst(all.slice(7, 10)),
      event: all[10]!,
      eventsAfter: all.slice(11, 14),
      state: [],
      skipped: [],
    };
    const jump = s.timeline.openAt(R, ctx);
    expect(jump.cached).toBe(false);
    expect(jump.added.map((e) => e.event_id)).toEqual(names(8, 14));
    const before = s.timeline.pageBefore(R, '$e11', 10)!;
    expect(ids(before.events)).toEqual(names(8, 10));
    expect(before.gap).toEqual({ chunkId: jump.chunkId, token: 'c-start' });
    const after = s.timeline.pageAfter(R, '$e11', 10)!;
    expect(ids(after.events)).toEqual(names(12, 14));
    expect(after).toMatchObject({
      hasMoreAfter: true,
      gap: { chunkId: jump.chunkId, token: 'c-end' },
    });
    // Forward pagination reaches the live chunk's first event: the chunks join.
    const f = s.timeline.fillGapAfter(R, jump.chunkId, all.slice(14, 28), 'f-end');
    expect(f.merged).toBe(true);
    expect(f.added.map((e) => e.event_id)).toEqual(names(15, 25));
    const all8 = s.timeline.pageAfter(R, '$e8', 100)!;
    expect(ids(all8.events)).toEqual(names(9, 30));
    expect(all8.hasMoreAfter).toBe(false);
    const back = s.timeline.pageBefore(R, undefined, 100)!;
    expect(ids(back.events)).toEqual(names(8, 30));
    expect(back.gap).toEqual({ chunkId: jump.chunkId, token: 'c-start' });
    expect(s.timeline.chunk(live.chunkId)!.prevChunk).toBe(jump.chunkId);
  });

  it('returns the chunk of an event already held, and links a context that overlaps held events', () => {
    const first = s.timeline.appendSync(R, all.slice(0, 5), { limited: false });
    s.timeline.appendSync(R, all.slice(20, 25), { limited: true, prevBatch: 'p20' });
    const cached = s.timeline.openAt(R, {
      event: all[2]!,
      eventsBefore: [],
      eventsAfter: [],
      state: [],
      skipped: [],
    });
    expect(cached).toMatchObject({ cached: true, chunkId: first.chunkId, added: [] });
    const jump = s.timeline.openAt(R, {
      start: 's',
      end: 'e',
      event: all[6]!,
      eventsBefore: newestFirst(all.slice(2, 6)), // 6..3, of which 5..3 are held
      eventsAfter: all.slice(7, 9),
      state: [],
      skipped: [],
    });
    expect(jump.merged).toBe(true);
    expect(jump.added.map((e) => e.event_id)).toEqual(['$e6', '$e7', '$e8', '$e9']);
    expect(ids(s.timeline.pageBefore(R, '$e9', 100)!.events)).toEqual(names(1, 8));
    expect(s.timeline.pageBefore(R, '$e9', 100)!.hasMoreBefore).toBe(false);
  });

  it('an event fetched by a jump before /sync delivered it moves to the live end', () => {
    s.timeline.appendSync(R, all.slice(0, 5), { limited: false });
    const jump = s.timeline.openAt(R, {
      start: 's',
      end: 'e',
      event: all[6]!,
      eventsBefore: [all[5]!],
      eventsAfter: [],
      state: [],
      skipped: [],
    });
    const w = s.timeline.appendSync(R, all.slice(5, 8), { limited: false });
    expect(w.added.map((e) => e.event_id)).toEqual(names(6, 8));
    expect(ids(s.timeline.pageBefore(R, undefined, 100)!.events)).toEqual(names(1, 8));
    expect(s.timeline.locate(R, '$e7')?.chunkId).not.toBe(jump.chunkId);
  });

  it('an old live chunk without forward link says newer events exist', () => {
    s.timeline.appendSync(R, all.slice(0, 5), { limited: false });
    s.timeline.appendSync(R, all.slice(20, 25), { limited: true, prevBatch: 'p20' });
    const after = s.timeline.pageAfter(R, '$e3', 10)!;
    expect(ids(after.events)).toEqual(['$e4', '$e5']);
    expect(after.hasMoreAfter).toBe(true);
    expect(s.timeline.pageAfter(R, '$e24', 10)).toMatchObject({ hasMoreAfter: false });
  });
});
