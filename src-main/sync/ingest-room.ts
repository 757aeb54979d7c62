import type { AccountDataEvent, RoomChanges } from '../protocol/sync';
import { applyTimelineEvents } from './apply-events';
import { nameSyncEvents } from './sender-names';
import { containedWrite } from '../storage/db';
import { newRoomRow, type RoomRow } from '../storage/room-store';
import { deleteRoomData, type Stores } from '../storage/stores';
import {
  bumpActivity,
  inviteIsDirect,
  refreshFromState,
  refreshFromStripped,
  previewFromAppended,
  refreshPreview,
  tagsOf,
} from './summary';

/** What one room's changes produced, merged into the result only if the room succeeded. */
export type RoomOutcome = {
  appended?: { eventIds: string[]; limited: boolean };
  updated: string[];
  receipts: { userId: string; eventId: string; ts: number }[];
  typing?: string[];
};

/** What every room of one response shares. */
export type RoomContext = {
  stores: Stores;
  ownUserId: string;
  /** Rooms listed in `m.direct` (after this response's global account data). */
  directRooms: ReadonlySet<string>;
  /** The `since` token of the request (the sync token before this response). */
  sinceToken?: string;
  now: number;
  /** Where an item dropped after a failure is reported. */
  log: (message: string, error?: unknown) => void;
};

const MARKED_UNREAD = ['m.marked_unread', 'com.famedly.marked_unread'];

function applyRoomAccountData(ctx: RoomContext, row: RoomRow, events: AccountDataEvent[]): void {
  const { stores } = ctx;
  let markerChanged = false;
  for (const ev of events) {
    const write = () => stores.accountData.set(row.roomId, ev.type, ev.content);
    if (!containedWrite(stores.db, `${row.roomId}: account data ${ev.type}`, write, ctx.log)) {
      continue;
    }
    if (ev.type === 'm.tag') row.tags = tagsOf(ev.content);
    if (MARKED_UNREAD.includes(ev.type)) markerChanged = true;
  }
  if (!markerChanged) return;
  // The stable type wins over the unstable one once present.
  for (const type of MARKED_UNREAD) {
    const c = stores.accountData.get(row.roomId, type);
    if (c) {
      row.markedUnread = c.unread === true;
      return;
    }
  }
}

function applyEphemeral(ctx: RoomContext, roomId: string, room: RoomChanges, out: RoomOutcome) {
  if (room.ephemeral.typing) out.typing = room.ephemeral.typing;
  for (const r of room.ephemeral.receipts) {
    ctx.stores.receipts.set({ roomId, ...r });
    const unthreaded = r.threadId === undefined || r.threadId === 'main';
    if (r.type === 'm.read' && unthreaded) {
      out.receipts.push({ userId: r.userId, eventId: r.eventId, ts: r.ts });
    }
  }
}

function applyJoinedOrLeft(ctx: RoomContext, row: RoomRow, room: RoomChanges, out: RoomOutcome) {
  const { stores } = ctx;
  const roomId = row.roomId;
  if (room.membership === 'join') {
    row.inviteState = undefined;
    row.inviter = undefined;
  }
  for (const ev of room.stateAfter ?? room.state) stores.state.setState(roomId, ev);
  nameSyncEvents(stores, roomId, room.timeline.events, room.stateAfter !== undefined);
  const write = stores.timeline.appendSync(roomId, room.timeline.events, {
    limited: room.timeline.limited,
    prevBatch: room.timeline.prevBatch,
    sinceToken: ctx.sinceToken,
  });
  const fx = applyTimelineEvents(stores, roomId, write.added, {
    updateState: room.stateAfter === undefined,
  });
  const appendedIds = new Set(write.added.map((e) => e.event_id));
  if (write.added.length) {
    out.appended = { eventIds: [...appendedIds], limited: room.timeline.limited };
  }
  out.updated = [...fx.updated].filter((id) => !appendedIds.has(id) && stores.events.get(id));
  applyEphemeral(ctx, roomId, room, out);
  applyRoomAccountData(ctx, row, room.accountData);
  if (room.unread) {
    row.notificationCount = room.unread.notifications;
    row.highlightCount = room.unread.highlights;
  }
  if (room.summary?.heroes) row.heroes = room.summary.heroes;
  if (room.summary?.joined !== undefined) row.joinedCount = room.summary.joined;
  if (room.summary?.invited !== undefined) row.invitedCount = room.summary.invited;
  if (room.membership === 'leave') {
    const own = stores.state.content(roomId, 'm.room.member', ctx.ownUserId);
    row.membership = own?.membership === 'ban' ? 'ban' : 'leave';
  }
  refreshFromState(stores, row, ctx.ownUserId);
  bumpActivity(row, write.added, ctx.ownUserId);
  // Usually the newest appended message is the preview; search the cache only when not.
  const fresh = !fx.redacted && previewFromAppended(stores, row, write.added);
  if (!fresh && (write.added.length || out.updated.length || fx.redacted))
    refreshPreview(stores, row);
}

/**
 * Applies one room's changes (inside the caller's transaction). A rejected or retracted invite
 * or knock removes the room entirely.
 */
export function ingestRoom(ctx: RoomContext, room: RoomChanges): RoomOutcome {
  const { stores } = ctx;
  const out: RoomOutcome = { updated: [], receipts: [] };
  const existing = stores.rooms.get(room.roomId);
  const wasPending = existing?.membership === 'invite' || existing?.membership === 'knock';
  if (room.membership === 'leave' && wasPending) {
    deleteRoomData(stores, room.roomId);
    return out;
  }
  const row = existing ?? newRoomRow(room.roomId, room.membership);
  row.membership = room.membership;
  if (room.membership === 'invite' || room.membership === 'knock') {
    row.inviteState = room.strippedState ?? [];
    refreshFromStripped(row, row.inviteState, ctx.ownUserId);
    applyRoomAccountData(ctx, row, room.accountData);
    if (row.lastActivityTs === 0) row.lastActivityTs = ctx.now;
  } else {
    applyJoinedOrLeft(ctx, row, room, out);
  }
  row.isDirect =
    ctx.directRooms.has(row.roomId) ||
    (row.membership === 'invite' && inviteIsDirect(row.inviteState, ctx.ownUserId));
  stores.rooms.save(row);
  return out;
}
