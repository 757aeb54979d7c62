import type { RawEvent } from '../protocol/events';
import type { ContextPage, MessagesPage } from '../protocol/pagination';
import { applyTimelineEvents } from './apply-events';
import type { Stores } from '../storage/stores';
import { nameContextEvents, namePageEvents } from './sender-names';
import { refreshPreview } from './summary';
import type { TimelineWrite } from '../storage/timeline-store';

/** What storing a page of history changed. */
export type HistoryResult = {
  chunkId: number;
  /** Event ids new to the timeline, oldest first. */
  added: string[];
  /** The page met held events and its chunk was linked to theirs. */
  merged: boolean;
  /** Held events (not among `added`) whose reactions, edit or redaction changed. */
  updated: string[];
};

/** Lazy-loaded member events of the page's senders, for names we do not have yet. */
function addMissingMembers(stores: Stores, roomId: string, state: readonly RawEvent[]): void {
  for (const ev of state) {
    if (ev.type !== 'm.room.member' || ev.state_key === undefined) continue;
    if (!stores.state.get(roomId, 'm.room.member', ev.state_key)) {
      stores.state.setState(roomId, ev);
    }
  }
}

function finish(stores: Stores, roomId: string, write: TimelineWrite): HistoryResult {
  const fx = applyTimelineEvents(stores, roomId, write.added, { updateState: false });
  const added = write.added.map((e) => e.event_id);
  const addedSet = new Set(added);
  if (fx.redacted) {
    const row = stores.rooms.get(roomId);
    if (row) {
      refreshPreview(stores, row);
      stores.rooms.save(row);
    }
  }
  return {
    chunkId: write.chunkId,
    added,
    merged: write.merged,
    updated: [...fx.updated].filter((id) => !addedSet.has(id) && stores.events.get(id)),
  };
}

/**
 * Stores a backwards `/messages` page (`dir=b`) into the gap before `chunkId`, in one
 * transaction: chunk filled or merged, relations indexed, redactions it carries applied.
 */
export function ingestMessagesBefore(
  stores: Stores,
  roomId: string,
  chunkId: number,
  page: MessagesPage,
): HistoryResult {
  return stores.db.transaction(() => {
    addMissingMembers(stores, roomId, page.state);
    namePageEvents(page.chunk, page.state, 'b');
    const write = stores.timeline.fillGap(roomId, chunkId, page.chunk, page.end);
    return finish(stores, roomId, write);
  })();
}

/** Stores a forwards `/messages` page (`dir=f`) into the gap after `chunkId`. */
export function ingestMessagesAfter(
  stores: Stores,
  roomId: string,
  chunkId: number,
  page: MessagesPage,
): HistoryResult {
  return stores.db.transaction(() => {
    addMissingMembers(stores, roomId, page.state);
    namePageEvents(page.chunk, page.state, 'f');
    const write = stores.timeline.fillGapAfter(roomId, chunkId, page.chunk, page.end);
    return finish(stores, roomId, write);
  })();
}

/** Stores a `/context` response (a jump into history) as or into a chunk. */
export function ingestContext(
  stores: Stores,
  roomId: string,
  ctx: ContextPage,
): HistoryResult & { cached: boolean } {
  return stores.db.transaction(() => {
    addMissingMembers(stores, roomId, ctx.state);
    nameContextEvents(ctx);
    const write = stores.timeline.openAt(roomId, ctx);
    return { ...finish(stores, roomId, write), cached: write.cached };
  })();
}
