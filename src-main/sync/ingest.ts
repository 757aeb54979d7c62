import { isObject, type JsonObject } from '../protocol/events';
import type { AccountDataEvent, RoomChanges, SyncChanges } from '../protocol/sync';
import { GLOBAL } from '../storage/account-data-store';
import { ingestRoom, type RoomContext, type RoomOutcome } from './ingest-room';
import { TO_DEVICE_INBOX_MAX, type InboxLimits } from '../storage/crypto-inbox-store';
import { containedWrite } from '../storage/db';
import type { QueueRow } from '../storage/queue-store';
import type { Stores } from '../storage/stores';
import { inviteIsDirect } from './summary';

/** What a committed sync response changed, for the deltas pushed to the renderer. */
export type IngestResult = {
  /** Rooms whose summary row changed (new rooms included). */
  changedRooms: string[];
  /** Rooms that left the cache (rejected or retracted invites and knocks). */
  removedRooms: string[];
  /** Events new at the live end of each room; `limited`: a gap precedes them. */
  appended: Map<string, { eventIds: string[]; limited: boolean }>;
  /** Held events whose aggregation, edit or redaction changed (not among `appended`). */
  updated: Map<string, string[]>;
  /** Public unthreaded receipts that arrived. */
  receipts: Map<string, { userId: string; eventId: string; ts: number }[]>;
  /** Who is typing, for rooms where that was sent. */
  typing: Map<string, string[]>;
  /** Rooms whose changes could not be stored (logged; a gap was opened to refetch them). */
  failedRooms: string[];
  /** Queue entries whose events came back (matched by transaction id), deleted in this write. */
  retired: QueueRow[];
};

type Log = (message: string, error?: unknown) => void;

/** Knobs for {@link ingestSync}. */
export type IngestOptions = {
  /** Where contained failures (a room, an item) are reported (default `console.warn`). */
  log?: Log;
  /** The clock (an invite's first activity). */
  now?: () => number;
  /** How much the to-device inbox may hold (default {@link TO_DEVICE_INBOX_MAX}). */
  inboxLimits?: InboxLimits;
};

function defaultLog(message: string, error?: unknown): void {
  if (error === undefined) console.warn(`[ingest] ${message}`);
  else console.warn(`[ingest] ${message}`, error);
}

/** Every room id listed in `m.direct` content. */
export function directRoomsOf(content: JsonObject | undefined): Set<string> {
  const out = new Set<string>();
  if (!isObject(content)) return out;
  for (const list of Object.values(content)) {
    if (!Array.isArray(list)) continue;
    for (const id of list) if (typeof id === 'string') out.add(id);
  }
  return out;
}

/** Snapshots summary rows before they change, to tell which changed. */
class RoomTracker {
  readonly #before = new Map<string, string | undefined>();
  readonly #stores: Stores;

  constructor(stores: Stores) {
    this.#stores = stores;
  }

  /** Remembers the row as it is before this response changes it (once per room). */
  touch(roomId: string): void {
    if (this.#before.has(roomId)) return;
    const row = this.#stores.rooms.get(roomId);
    this.#before.set(roomId, row ? JSON.stringify(row) : undefined);
  }

  /** Rooms whose row differs from its snapshot, and rooms whose row is gone. */
  diff(): { changed: string[]; removed: string[] } {
    const changed: string[] = [];
    const removed: string[] = [];
    for (const [roomId, before] of this.#before) {
      const row = this.#stores.rooms.get(roomId);
      if (!row) {
        if (before !== undefined) removed.push(roomId);
      } else if (JSON.stringify(row) !== before) changed.push(roomId);
    }
    return { changed, removed };
  }
}

function applyGlobalAccountData(
  stores: Stores,
  events: readonly AccountDataEvent[],
  ownUserId: string,
  tracker: RoomTracker,
  log: Log,
): void {
  let direct: JsonObject | undefined;
  for (const ev of events) {
    const write = () => stores.accountData.set(GLOBAL, ev.type, ev.content);
    if (!containedWrite(stores.db, `account data ${ev.type}`, write, log)) continue;
    if (ev.type === 'm.direct') direct = ev.content;
  }
  if (!direct) return;
  const rooms = directRoomsOf(direct);
  for (const row of stores.rooms.list()) {
    const isDirect =
      rooms.has(row.roomId) ||
      (row.membership === 'invite' && inviteIsDirect(row.inviteState, ownUserId));
    if (isDirect === row.isDirect) continue;
    tracker.touch(row.roomId);
    stores.rooms.save({ ...row, isDirect });
  }
}

/** Queues the response's to-device messages, each contained, then holds the inbox to `limits`. */
function addToDevice(stores: Stores, changes: SyncChanges, limits: InboxLimits, log: Log): void {
  if (changes.toDevice.length === 0) return;
  for (const m of changes.toDevice) {
    const what = `to-device ${m.type} from ${m.sender}`;
    containedWrite(stores.db, what, () => stores.cryptoInbox.addToDevice([m]), log);
  }
  const dropped = stores.cryptoInbox.trimToDevice(limits);
  if (dropped > 0) {
    log(
      `to-device inbox full (${limits.count} messages or ${limits.bytes} bytes): ` +
        `dropped the ${dropped} oldest`,
    );
  }
}

function emptyResult(): IngestResult {
  return {
    changedRooms: [],
    removedRooms: [],
    appended: new Map(),
    updated: new Map(),
    receipts: new Map(),
    typing: new Map(),
    failedRooms: [],
    retired: [],
  };
}

function merge(result: IngestResult, roomId: string, o: RoomOutcome): void {
  if (o.appended) result.appended.set(roomId, o.appended);
  if (o.updated.length) result.updated.set(roomId, o.updated);
  if (o.receipts.length) result.receipts.set(roomId, o.receipts);
  if (o.typing) result.typing.set(roomId, o.typing);
}

/**
 * Deletes the outgoing queue's entries whose events came back in this response, matched by the
 * `unsigned.transaction_id` the server gives our own events. Runs in the response's write
 * transaction, so an entry leaves the queue exactly when its event is stored.
 */
function retireSentEntries(stores: Stores, rooms: readonly RoomChanges[]): QueueRow[] {
  const retired: QueueRow[] = [];
  for (const room of rooms) {
    for (const ev of room.timeline.events) {
      const txnId = ev.unsigned?.transaction_id;
      if (typeof txnId !== 'string') continue;
      const row = stores.queue.byTxnId(txnId);
      if (!row) continue;
      stores.queue.delete(row.localId);
      retired.push(row);
    }
  }
  return retired;
}

/** One room in its own savepoint: a failure rolls back that room only, and opens a gap. */
function ingestRoomContained(
  ctx: RoomContext & { nextBatch: string },
  room: RoomChanges,
  result: IngestResult,
): void {
  const { stores } = ctx;
  try {
    const outcome = stores.db.transaction(() => ingestRoom(ctx, room))();
    merge(result, room.roomId, outcome);
  } catch (err) {
    ctx.log(`room ${room.roomId}: changes dropped after a failure`, err);
    result.failedRooms.push(room.roomId);
    if (room.timeline.events.length && stores.timeline.liveChunk(room.roomId)) {
      // What this response held for the room can be fetched again from before next_batch.
      stores.timeline.openGapAtLiveEnd(room.roomId, ctx.nextBatch);
    }
  }
}

/**
 * Applies a whole parsed `/sync` response in ONE transaction that it opens itself: rooms
 * (membership, state, timeline chunks, relations, redactions, members, summaries, receipts,
 * room account data), global account data (`m.direct` → `isDirect`), the outgoing queue's
 * entries that came back, the crypto inbox, and the sync token. A failure inside one room is
 * contained to that room (logged, its changes rolled back, a gap opened so they can be
 * refetched); one of a single account data entry or to-device message drops that item alone
 * (logged). A failure of the database itself, or any other, rolls back everything, token
 * included, and is thrown.
 *
 * @throws Error when no session is stored (the token would be lost), or on a failure outside
 * the rooms.
 */
export function ingestSync(
  stores: Stores,
  changes: SyncChanges,
  ownUserId: string,
  opts: IngestOptions = {},
): IngestResult {
  const log = opts.log ?? defaultLog;
  const result = emptyResult();
  stores.db.transaction(() => {
    const session = stores.session.get();
    if (!session) throw new Error('ingestSync: no session stored');
    const tracker = new RoomTracker(stores);
    applyGlobalAccountData(stores, changes.accountData, ownUserId, tracker, log);
    const ctx = {
      stores,
      ownUserId,
      directRooms: directRoomsOf(stores.accountData.get(GLOBAL, 'm.direct')),
      sinceToken: session.syncToken,
      now: (opts.now ?? Date.now)(),
      nextBatch: changes.nextBatch,
      log,
    };
    for (const room of changes.rooms) {
      tracker.touch(room.roomId);
      ingestRoomContained(ctx, room, result);
    }
    result.retired = retireSentEntries(stores, changes.rooms);
    addToDevice(stores, changes, opts.inboxLimits ?? TO_DEVICE_INBOX_MAX, log);
    stores.cryptoInbox.addDeviceListChanges(changes.deviceLists);
    stores.cryptoInbox.setOtkCounts(changes.otkCounts);
    if (changes.unusedFallbackKeyTypes) {
      stores.cryptoInbox.setUnusedFallbackKeyTypes(changes.unusedFallbackKeyTypes);
    }
    stores.session.setSyncToken(changes.nextBatch);
    const { changed, removed } = tracker.diff();
    result.changedRooms = changed;
    result.removedRooms = removed;
  })();
  return result;
}
