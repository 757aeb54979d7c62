import type { RawEvent } from '../protocol/events';
import type { ContextPage } from '../protocol/pagination';
import type { Db } from './db';
import { parseEventRow, type EventDbRow, type EventRow, type EventStore } from './event-store';

/** A run of events known to be contiguous. */
export type ChunkRow = {
  chunkId: number;
  roomId: string;
  /** The chunk right before this one, with no gap between. */
  prevChunk?: number;
  nextChunk?: number;
  /** `/messages?dir=b&from=` token for what precedes; unset with no `prevChunk` = room start. */
  prevToken?: string;
  /** `/messages?dir=f&from=` token for what follows (chunks that are not live). */
  nextToken?: string;
  /** The chunk `/sync` appends to. */
  isLive: boolean;
};

/** Where history is missing: fill it with `/messages` from `token`. */
export type Gap = { chunkId: number; token: string };

/** Events before a point, oldest first. */
export type PageBefore = {
  events: EventRow[];
  /** More exists before `events[0]`, cached or behind `gap`. */
  hasMoreBefore: boolean;
  /** Set when the cached events ran out at a gap right before `events[0]`. */
  gap?: Gap;
};

/** Events after a point, oldest first. */
export type PageAfter = {
  events: EventRow[];
  /** More exists after the last event (cached, behind `gap`, or at the live end). */
  hasMoreAfter: boolean;
  /** Set when the cached events ran out at a forward gap right after the last one. */
  gap?: Gap;
};

/** What a write to the timeline added. */
export type TimelineWrite = {
  chunkId: number;
  /** Events new to the timeline, oldest first (duplicates left out). */
  added: RawEvent[];
  /** The write met a known chunk and linked to it. */
  merged: boolean;
};

type ChunkDbRow = {
  chunk_id: number;
  room_id: string;
  prev_chunk: number | null;
  next_chunk: number | null;
  prev_token: string | null;
  next_token: string | null;
  is_live: number;
};

const TOP = Number.MAX_SAFE_INTEGER;
const PAGE = `SELECT e.*, t.ord AS ord FROM timeline t JOIN events e ON e.event_id = t.event_id`;

const SQL = {
  chunk: 'SELECT * FROM chunks WHERE chunk_id = ?',
  live: 'SELECT * FROM chunks WHERE room_id = ? AND is_live = 1',
  roomChunks: 'SELECT * FROM chunks WHERE room_id = ? ORDER BY chunk_id',
  newChunk: `INSERT INTO chunks (room_id, prev_token, next_token, is_live) VALUES (?, ?, ?, ?)`,
  setLive: 'UPDATE chunks SET is_live = ? WHERE chunk_id = ?',
  setPrev: 'UPDATE chunks SET prev_chunk = ?, prev_token = ? WHERE chunk_id = ?',
  setNext: 'UPDATE chunks SET next_chunk = ?, next_token = ? WHERE chunk_id = ?',
  locate: 'SELECT chunk_id, ord FROM timeline WHERE room_id = ? AND event_id = ?',
  maxOrd: 'SELECT max(ord) AS o FROM timeline WHERE chunk_id = ?',
  minOrd: 'SELECT min(ord) AS o FROM timeline WHERE chunk_id = ?',
  place: 'INSERT INTO timeline (chunk_id, ord, room_id, event_id) VALUES (?, ?, ?, ?)',
  move: 'UPDATE timeline SET chunk_id = ?, ord = ? WHERE room_id = ? AND event_id = ?',
  before: `${PAGE} WHERE t.chunk_id = ? AND t.ord < ? ORDER BY t.ord DESC LIMIT ?`,
  after: `${PAGE} WHERE t.chunk_id = ? AND t.ord > ? ORDER BY t.ord LIMIT ?`,
  deleteTimeline: 'DELETE FROM timeline WHERE room_id = ?',
  deleteChunks: 'DELETE FROM chunks WHERE room_id = ?',
} as const;

function fromChunk(r: ChunkDbRow): ChunkRow {
  const c: ChunkRow = { chunkId: r.chunk_id, roomId: r.room_id, isLive: r.is_live === 1 };
  if (r.prev_chunk !== null) c.prevChunk = r.prev_chunk;
  if (r.next_chunk !== null) c.nextChunk = r.next_chunk;
  if (r.prev_token !== null) c.prevToken = r.prev_token;
  if (r.next_token !== null) c.nextToken = r.next_token;
  return c;
}

/**
 * The timeline as linked chunks. `/sync` appends to a room's live chunk; a `limited` response
 * opens a new live chunk with a gap before it. Back-pagination fills gaps and links chunks
 * when it meets events already held, so history never holds an event twice. Reads walk the
 * links without touching the network and report the gap where they stop.
 */
export class TimelineStore {
  readonly #events: EventStore;
  readonly #q;

  constructor(db: Db, events: EventStore) {
    this.#events = events;
    this.#q = {
      chunk: db.prepare<[number], ChunkDbRow>(SQL.chunk),
      live: db.prepare<[string], ChunkDbRow>(SQL.live),
      roomChunks: db.prepare<[string], ChunkDbRow>(SQL.roomChunks),
      newChunk: db.prepare<[string, string | null, string | null, number]>(SQL.newChunk),
      setLive: db.prepare(SQL.setLive),
      setPrev: db.prepare(SQL.setPrev),
      setNext: db.prepare(SQL.setNext),
      locate: db.prepare<[string, string], { chunk_id: number; ord: number }>(SQL.locate),
      maxOrd: db.prepare<[number], { o: number | null }>(SQL.maxOrd),
      minOrd: db.prepare<[number], { o: number | null }>(SQL.minOrd),
      place: db.prepare(SQL.place),
      move: db.prepare(SQL.move),
      before: db.prepare<[number, number, number], EventDbRow & { ord: number }>(SQL.before),
      after: db.prepare<[number, number, number], EventDbRow & { ord: number }>(SQL.after),
      deleteTimeline: db.prepare(SQL.deleteTimeline),
      deleteChunks: db.prepare(SQL.deleteChunks),
    };
  }

  /** A chunk by id. */
  chunk(chunkId: number): ChunkRow | undefined {
    const r = this.#q.chunk.get(chunkId);
    return r ? fromChunk(r) : undefined;
  }

  /** The chunk `/sync` appends to, if the room has one. */
  liveChunk(roomId: string): ChunkRow | undefined {
    const r = this.#q.live.get(roomId);
    return r ? fromChunk(r) : undefined;
  }

  /** Every chunk of a room, oldest created first. */
  chunks(roomId: string): ChunkRow[] {
    return this.#q.roomChunks.all(roomId).map(fromChunk);
  }

  /** Where an event sits, if it is in the timeline. */
  locate(roomId: string, eventId: string): { chunkId: number; ord: number } | undefined {
    const r = this.#q.locate.get(roomId, eventId);
    return r ? { chunkId: r.chunk_id, ord: r.ord } : undefined;
  }

  #newChunk(roomId: string, prev: string | undefined, next: string | undefined, live: boolean) {
    const res = this.#q.newChunk.run(roomId, prev ?? null, next ?? null, live ? 1 : 0);
    return Number(res.lastInsertRowid);
  }

  /** Stores `ev` and places it at `ord` of `chunkId`. */
  #place(roomId: string, chunkId: number, ord: number, ev: RawEvent): void {
    this.#events.insert(roomId, ev);
    this.#q.place.run(chunkId, ord, roomId, ev.event_id);
  }

  /**
   * Links `earlier` → `later` (no gap between): clears the tokens on the joined sides. A side
   * that is already linked elsewhere is left alone (walks guard against inconsistent links).
   */
  #link(earlier: number, later: number): void {
    if (earlier === later) return;
    const a = this.chunk(earlier);
    const b = this.chunk(later);
    if (!a || !b) return;
    if (a.nextChunk === undefined || a.nextChunk === later)
      this.#q.setNext.run(later, null, earlier);
    if (b.prevChunk === undefined || b.prevChunk === earlier)
      this.#q.setPrev.run(earlier, null, later);
  }

  /**
   * Appends a `/sync` timeline to the live chunk. The room's first timeline, or a `limited`
   * one, opens a new live chunk whose `prevToken` is `prevBatch` (the gap before it); the old
   * live chunk stays, no longer live, and gets `sinceToken` (the request's `since`) as its
   * forward token. Events already in the live chunk are skipped; one held in another chunk
   * (a `/context` jump that fetched it before `/sync` delivered it) moves to the live end.
   */
  appendSync(
    roomId: string,
    events: readonly RawEvent[],
    opts: { limited: boolean; prevBatch?: string; sinceToken?: string },
  ): TimelineWrite {
    let live = this.liveChunk(roomId);
    if (live && opts.limited && !this.#continues(roomId, live.chunkId, events)) {
      this.#q.setLive.run(0, live.chunkId);
      if (live.nextChunk === undefined && opts.sinceToken) {
        this.#q.setNext.run(null, opts.sinceToken, live.chunkId);
      }
      live = undefined;
    }
    const chunkId = live?.chunkId ?? this.#newChunk(roomId, opts.prevBatch, undefined, true);
    let ord = this.#q.maxOrd.get(chunkId)?.o ?? 0;
    const added: RawEvent[] = [];
    for (const ev of events) {
      const at = this.locate(roomId, ev.event_id);
      if (at?.chunkId === chunkId) continue;
      if (at) {
        // Held in a jumped-to chunk that reached the present first: it belongs at the live end.
        this.#q.move.run(chunkId, ++ord, roomId, ev.event_id);
      } else this.#place(roomId, chunkId, ++ord, ev);
      added.push(ev);
    }
    return { chunkId, added, merged: false };
  }

  /** A limited timeline whose first event we already hold in the live chunk has no gap. */
  #continues(roomId: string, liveId: number, events: readonly RawEvent[]): boolean {
    const first = events[0];
    return first !== undefined && this.locate(roomId, first.event_id)?.chunkId === liveId;
  }

  /**
   * Closes the live chunk and opens an empty one behind a gap at `token` (a `next_batch`), so
   * events that could not be stored can be fetched again by back-pagination.
   */
  openGapAtLiveEnd(roomId: string, token: string): number {
    const live = this.liveChunk(roomId);
    if (live) this.#q.setLive.run(0, live.chunkId);
    return this.#newChunk(roomId, token, undefined, true);
  }

  #requireChunk(roomId: string, chunkId: number): ChunkRow {
    const chunk = this.chunk(chunkId);
    if (!chunk || chunk.roomId !== roomId) {
      throw new Error(`No timeline chunk ${chunkId} in ${roomId}`);
    }
    return chunk;
  }

  /**
   * Fills the gap before a chunk with a `/messages?dir=b` chunk (newest first): the events go
   * before the chunk's first. At an event already held in another chunk it stops and links the
   * two chunks. Otherwise the chunk's `prevToken` becomes `endToken` (undefined: the room's start).
   */
  fillGap(
    roomId: string,
    chunkId: number,
    newestFirst: readonly RawEvent[],
    endToken: string | undefined,
  ): TimelineWrite {
    const chunk = this.#requireChunk(roomId, chunkId);
    if (chunk.prevChunk !== undefined) return { chunkId, added: [], merged: true };
    let ord = this.#q.minOrd.get(chunkId)?.o ?? 1;
    const added: RawEvent[] = [];
    for (const ev of newestFirst) {
      const at = this.locate(roomId, ev.event_id);
      if (at && at.chunkId !== chunkId) {
        this.#link(at.chunkId, chunkId);
        return { chunkId, added: added.reverse(), merged: true };
      }
      if (at) continue;
      this.#place(roomId, chunkId, --ord, ev);
      added.push(ev);
    }
    this.#q.setPrev.run(null, endToken ?? null, chunkId);
    return { chunkId, added: added.reverse(), merged: false };
  }

  /**
   * Fills the gap after a chunk (jumped-to history) with a `/messages?dir=f` chunk (oldest
   * first); stops and links at an event already held. Otherwise `nextToken` becomes `endToken`.
   */
  fillGapAfter(
    roomId: string,
    chunkId: number,
    oldestFirst: readonly RawEvent[],
    endToken: string | undefined,
  ): TimelineWrite {
    const chunk = this.#requireChunk(roomId, chunkId);
    if (chunk.nextChunk !== undefined) return { chunkId, added: [], merged: true };
    let ord = this.#q.maxOrd.get(chunkId)?.o ?? 0;
    const added: RawEvent[] = [];
    for (const ev of oldestFirst) {
      const at = this.locate(roomId, ev.event_id);
      if (at && at.chunkId !== chunkId) {
        this.#link(chunkId, at.chunkId);
        return { chunkId, added, merged: true };
      }
      if (at) continue;
      this.#place(roomId, chunkId, ++ord, ev);
      added.push(ev);
    }
    if (!chunk.isLive) this.#q.setNext.run(null, endToken ?? null, chunkId);
    return { chunkId, added, merged: false };
  }

  /**
   * Places a `/context` response. If the event is already held, returns its chunk. Otherwise
   * creates a detached chunk (before + event + after, tokens `start`/`end`) and links it to the
   * chunks its surrounding events overlap, stopping at the first known event on each side.
   */
  openAt(roomId: string, ctx: ContextPage): TimelineWrite & { cached: boolean } {
    const known = this.locate(roomId, ctx.event.event_id);
    if (known) return { chunkId: known.chunkId, added: [], merged: false, cached: true };
    const chunkId = this.#newChunk(roomId, ctx.start, ctx.end, false);
    this.#place(roomId, chunkId, 0, ctx.event);
    const before: RawEvent[] = [];
    const after: RawEvent[] = [];
    let merged = false;
    let ord = 0;
    for (const ev of ctx.eventsBefore) {
      const at = this.locate(roomId, ev.event_id);
      if (at) {
        this.#link(at.chunkId, chunkId);
        merged = true;
        break;
      }
      this.#place(roomId, chunkId, --ord, ev);
      before.push(ev);
    }
    ord = 0;
    for (const ev of ctx.eventsAfter) {
      const at = this.locate(roomId, ev.event_id);
      if (at) {
        this.#link(chunkId, at.chunkId);
        merged = true;
        break;
      }
      this.#place(roomId, chunkId, ++ord, ev);
      after.push(ev);
    }
    return { chunkId, added: [...before.reverse(), ctx.event, ...after], merged, cached: false };
  }

  /**
   * Reads up to `want` events from `ord` of `chunk` on, backwards or forwards, following the
   * chunk links (each chunk once). `stop` is the chunk whose end was reached without a link.
   */
  #walk(chunk: ChunkRow, ord: number, want: number, back: boolean) {
    const events: EventRow[] = [];
    const seen = new Set<number>();
    const q = back ? this.#q.before : this.#q.after;
    for (let cur: ChunkRow | undefined = chunk; cur;) {
      seen.add(cur.chunkId);
      for (const r of q.all(cur.chunkId, ord, want - events.length)) events.push(parseEventRow(r));
      if (events.length >= want) return { events };
      const next = back ? cur.prevChunk : cur.nextChunk;
      if (next === undefined || seen.has(next)) return { events, stop: cur };
      cur = this.chunk(next);
      ord = back ? TOP : -TOP;
    }
    return { events };
  }

  /**
   * Up to `limit` events before `beforeEventId` (or the live end when undefined), oldest first,
   * read across linked chunks. Undefined when `beforeEventId` is not in the timeline.
   */
  pageBefore(
    roomId: string,
    beforeEventId: string | undefined,
    limit: number,
  ): PageBefore | undefined {
    let chunk: ChunkRow | undefined;
    let ord = TOP;
    if (beforeEventId === undefined) {
      chunk = this.liveChunk(roomId);
      if (!chunk) return { events: [], hasMoreBefore: false };
    } else {
      const at = this.locate(roomId, beforeEventId);
      if (!at) return undefined;
      chunk = this.chunk(at.chunkId)!;
      ord = at.ord;
    }
    const want = Math.max(0, limit) + 1;
    const { events, stop } = this.#walk(chunk, ord, want, true);
    if (events.length >= want) {
      events.length = want - 1;
      return { events: events.reverse(), hasMoreBefore: true };
    }
    const page: PageBefore = { events: events.reverse(), hasMoreBefore: false };
    if (stop && stop.prevChunk === undefined && stop.prevToken) {
      page.gap = { chunkId: stop.chunkId, token: stop.prevToken };
      page.hasMoreBefore = true;
    }
    return page;
  }

  /**
   * Up to `limit` events after `afterEventId`, oldest first, across linked chunks; reports a
   * forward gap (`nextToken`) where the cache ends. Undefined when the event is not held.
   */
  pageAfter(roomId: string, afterEventId: string, limit: number): PageAfter | undefined {
    const at = this.locate(roomId, afterEventId);
    if (!at) return undefined;
    const want = Math.max(0, limit) + 1;
    const { events, stop } = this.#walk(this.chunk(at.chunkId)!, at.ord, want, false);
    if (events.length >= want) {
      events.length = want - 1;
      return { events, hasMoreAfter: true };
    }
    const page: PageAfter = { events, hasMoreAfter: false };
    if (stop && stop.nextChunk === undefined && stop.nextToken) {
      page.gap = { chunkId: stop.chunkId, token: stop.nextToken };
      page.hasMoreAfter = true;
    } else if (stop && !stop.isLive) {
      // A chunk that is not live and ends without a link or token: newer events exist, but
      // only at the live end.
      page.hasMoreAfter = true;
    }
    return page;
  }

  /** Forgets a room's chunks and timeline positions. */
  deleteRoom(roomId: string): void {
    this.#q.deleteTimeline.run(roomId);
    this.#q.deleteChunks.run(roomId);
  }
}
