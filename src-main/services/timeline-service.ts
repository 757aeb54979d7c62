import type { TimelineItem, TimelinePage } from '../model/timeline';
import type { MatrixApi, MessagesResponse } from '../net/api';
import { isTransientError } from '../net/errors';
import { parseContext, parseMessages } from '../protocol/pagination';
import type { Skipped } from '../protocol/sync';
import type { RawEvent } from '../protocol/events';
import type { EventRow } from '../storage/event-store';
import { ingestContext, ingestMessagesBefore } from '../sync/history';
import type { Stores } from '../storage/stores';
import { isHiddenInTimeline, toTimelineItems } from '../sync/timeline-items';
import { localEcho } from './send-queue';

export type TimelineDeps = {
  api: MatrixApi;
  stores: Stores;
  userId: string;
  log?: (msg: string) => void;
  /** Decrypts a page's encrypted events in place before it is stored. */
  decrypt?: (roomId: string, events: RawEvent[]) => Promise<void>;
};

/** Member events come with each page, so senders have names (lazy loading). */
const PAGE_FILTER = { lazy_load_members: true };
/** Rounds of cache reads and gap fills one request may take. */
const MAX_ROUNDS = 6;

/**
 * Reads timelines from the cache, going to the server only at a gap: `/messages` to fill it
 * (the chunks join when the fetched page meets events we hold), `/context` to jump.
 */
export class TimelineService {
  #deps: TimelineDeps;

  constructor(deps: TimelineDeps) {
    this.#deps = deps;
  }

  /** The latest page, from the cache only, with our unsent messages at the end. */
  open(roomId: string, limit: number): TimelinePage {
    const { stores, userId } = this.#deps;
    const page = stores.timeline.pageBefore(roomId, undefined, limit * 2) ?? {
      events: [],
      hasMoreBefore: false,
    };
    const { items, trimmed } = this.#lastVisible(page.events, limit);
    const echoes = stores.queue
      .list(roomId)
      .filter((r) => r.kind === 'message')
      .map((r) => localEcho(r, userId));
    return {
      roomId,
      items: [...items, ...echoes],
      hasMoreBefore: page.hasMoreBefore || trimmed,
      hasMoreAfter: false,
    };
  }

  /** Up to `limit` items before `before`: from the cache, filling gaps from the server. */
  async paginate(roomId: string, before: string, limit: number): Promise<TimelinePage> {
    const { stores, api } = this.#deps;
    let raw = limit;
    for (let round = 0; ; round++) {
      const page = stores.timeline.pageBefore(roomId, before, raw);
      if (!page) throw new Error(`Event ${before} is not in the cached timeline`);
      const { items, trimmed } = this.#lastVisible(page.events, limit);
      const done = items.length >= limit || !page.hasMoreBefore || round >= MAX_ROUNDS;
      if (done)
        return { roomId, items, hasMoreBefore: page.hasMoreBefore || trimmed, hasMoreAfter: true };
      if (page.gap) {
        let json: MessagesResponse;
        try {
          json = await api.messages(roomId, {
            from: page.gap.token,
            dir: 'b',
            limit: Math.max(limit, 20),
            filter: PAGE_FILTER,
          });
        } catch (err) {
          // Offline (or the server failing): show what the cache holds; the gap stays for later.
          if (items.length === 0 || !isTransientError(err)) throw err;
          return { roomId, items, hasMoreBefore: true, hasMoreAfter: true };
        }
        const parsed = parseMessages(json);
        this.#reportSkipped('messages', roomId, parsed.skipped);
        await this.#deps.decrypt?.(roomId, parsed.chunk);
        ingestMessagesBefore(stores, roomId, page.gap.chunkId, parsed);
      } else {
        raw *= 2; // hidden events (reactions, edits) took the room: read further back
      }
    }
  }

  /** A page around `eventId`, fetched with `/context` when it is not cached. */
  async jumpTo(roomId: string, eventId: string, limit: number): Promise<TimelinePage> {
    const { stores, api } = this.#deps;
    if (!stores.timeline.locate(roomId, eventId)) {
      const r = await api.context(roomId, eventId, limit, PAGE_FILTER);
      const ctx = parseContext({
        start: r.start,
        end: r.end,
        event: r.event,
        events_before: r.eventsBefore,
        events_after: r.eventsAfter,
        state: r.state,
      });
      this.#reportSkipped('context', roomId, ctx.skipped);
      await this.#deps.decrypt?.(roomId, [...ctx.eventsBefore, ctx.event, ...ctx.eventsAfter]);
      ingestContext(stores, roomId, ctx);
    }
    const half = Math.max(1, Math.floor(limit / 2));
    const before = stores.timeline.pageBefore(roomId, eventId, half);
    const after = stores.timeline.pageAfter(roomId, eventId, limit - half);
    const anchor = stores.events.get(eventId);
    if (!before || !after || !anchor) throw new Error(`Event ${eventId} could not be loaded`);
    const rows = [...before.events, anchor, ...after.events];
    return {
      roomId,
      items: toTimelineItems(stores, this.#deps.userId, rows),
      hasMoreBefore: before.hasMoreBefore,
      hasMoreAfter: after.hasMoreAfter,
    };
  }

  /** Items for a set of held events (after they changed), in timeline order of `eventIds`. */
  items(eventIds: readonly string[]): TimelineItem[] {
    const { stores, userId } = this.#deps;
    const rows = eventIds.map((id) => stores.events.get(id)).filter((r): r is EventRow => !!r);
    return toTimelineItems(stores, userId, rows);
  }

  #reportSkipped(what: string, roomId: string, skipped: readonly Skipped[]): void {
    for (const s of skipped) {
      this.#deps.log?.(`${what}: skipped ${roomId} ${s.eventId ?? ''}: ${s.reason}`);
    }
  }

  /** The last `limit` visible items of raw rows; `trimmed` when visible ones were left out. */
  #lastVisible(
    rows: readonly EventRow[],
    limit: number,
  ): { items: TimelineItem[]; trimmed: boolean } {
    const visible = rows.filter((r) => !isHiddenInTimeline(r));
    const keep = visible.slice(Math.max(0, visible.length - limit));
    return {
      items: toTimelineItems(this.#deps.stores, this.#deps.userId, keep),
      trimmed: keep.length < visible.length,
    };
  }
}
