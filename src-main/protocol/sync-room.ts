/**
 * One room section of a `/sync` response (joined, invited, left or knocked) into typed changes.
 *
 * @packageDocumentation
 */
import {
  isObject,
  MAX_EVENT_BYTES,
  num,
  str,
  strings,
  validateEvents,
  type JsonObject,
  type RawEvent,
} from './events';
import { jsonLimitProblem } from './json-limits';

/** Our membership in a room, as the section of `/sync` it came in says. */
export type Membership = 'join' | 'invite' | 'leave' | 'knock';

/** Account data (global or per room): `m.direct`, `m.tag`, `m.fully_read`… */
export type AccountDataEvent = { type: string; content: JsonObject };

/** Stripped state of an invite or knock (spec: `StrippedStateEvent`). */
export type StrippedStateEvent = {
  type: string;
  state_key: string;
  sender: string;
  content: JsonObject;
};

/** One read receipt from an `m.receipt` ephemeral event. */
export type ReceiptChange = {
  /** The event read up to. */
  eventId: string;
  userId: string;
  /** `m.read` or `m.read.private`. */
  type: string;
  /** The thread root, or `main`; absent for an unthreaded receipt. */
  threadId?: string;
  ts: number;
};

/** The largest account data entry taken (as JSON); the spec sets no limit, this is generous. */
export const MAX_ACCOUNT_DATA_BYTES = 1024 * 1024;

/** Something dropped because it was malformed; the rest of the response is kept. */
export type Skipped = { roomId?: string; eventId?: string; reason: string };

/** What changed in one room. */
export type RoomChanges = {
  roomId: string;
  membership: Membership;
  timeline: { events: RawEvent[]; limited: boolean; prevBatch?: string };
  /** State up to the start of the timeline (`state`). */
  state: RawEvent[];
  /**
   * State up to the end of the timeline (`state_after`, `use_state_after`). Present iff the
   * response had it; then the timeline must not update the room state.
   */
  stateAfter?: RawEvent[];
  ephemeral: { typing?: string[]; receipts: ReceiptChange[] };
  accountData: AccountDataEvent[];
  /** `unread_notifications`, when given. */
  unread?: { notifications: number; highlights: number };
  /** `summary`: each field only when given (omitted means unchanged). */
  summary?: { heroes?: string[]; joined?: number; invited?: number };
  /** `invite_state` or `knock_state`. */
  strippedState?: StrippedStateEvent[];
};

function eventList(
  batch: unknown,
  roomId: string,
  skipped: Skipped[],
  where: string,
  stateOnly = false,
): RawEvent[] {
  if (batch === undefined) return [];
  if (!isObject(batch)) {
    skipped.push({ roomId, reason: `${where} is not an object` });
    return [];
  }
  const { events, bad } = validateEvents(batch.events);
  for (const b of bad) skipped.push({ roomId, ...b, reason: `${where}: ${b.reason}` });
  if (!stateOnly) return events;
  return events.filter((e) => {
    if (e.state_key !== undefined) return true;
    skipped.push({
      roomId,
      eventId: e.event_id,
      reason: `${where}: state event without state_key`,
    });
    return false;
  });
}

/** `{events: [{type, content}]}` account data, malformed entries skipped. */
export function accountDataList(
  batch: unknown,
  skipped: Skipped[],
  roomId?: string,
): AccountDataEvent[] {
  if (batch === undefined) return [];
  const list = isObject(batch) ? batch.events : undefined;
  if (!Array.isArray(list)) {
    skipped.push({ roomId, reason: 'account_data has no events list' });
    return [];
  }
  const out: AccountDataEvent[] = [];
  for (const e of list) {
    if (!isObject(e) || typeof e.type !== 'string' || e.type === '' || !isObject(e.content)) {
      skipped.push({ roomId, reason: 'malformed account data event' });
      continue;
    }
    const limit = jsonLimitProblem(e.content, MAX_ACCOUNT_DATA_BYTES);
    if (limit) skipped.push({ roomId, reason: `account data ${e.type}: content is ${limit}` });
    else out.push({ type: e.type, content: e.content });
  }
  return out;
}

function receiptsOf(content: JsonObject): ReceiptChange[] {
  const out: ReceiptChange[] = [];
  for (const [eventId, byType] of Object.entries(content)) {
    if (!isObject(byType)) continue;
    for (const [type, byUser] of Object.entries(byType)) {
      if (!isObject(byUser)) continue;
      for (const [userId, r] of Object.entries(byUser)) {
        if (!isObject(r)) continue;
        const rc: ReceiptChange = { eventId, userId, type, ts: num(r.ts) ?? 0 };
        const thread = str(r.thread_id);
        if (thread) rc.threadId = thread;
        out.push(rc);
      }
    }
  }
  return out;
}

function ephemeralOf(batch: unknown, roomId: string, skipped: Skipped[]) {
  const out: RoomChanges['ephemeral'] = { receipts: [] };
  if (batch === undefined) return out;
  const list = isObject(batch) ? batch.events : undefined;
  if (!Array.isArray(list)) {
    skipped.push({ roomId, reason: 'ephemeral has no events list' });
    return out;
  }
  for (const e of list) {
    if (!isObject(e) || !isObject(e.content)) {
      skipped.push({ roomId, reason: 'malformed ephemeral event' });
    } else if (e.type === 'm.typing') {
      out.typing = strings(e.content.user_ids);
    } else if (e.type === 'm.receipt') {
      out.receipts.push(...receiptsOf(e.content));
    }
  }
  return out;
}

function strippedList(batch: unknown, roomId: string, skipped: Skipped[]): StrippedStateEvent[] {
  const list = isObject(batch) ? batch.events : undefined;
  if (!Array.isArray(list)) return [];
  const out: StrippedStateEvent[] = [];
  for (const e of list) {
    if (
      !isObject(e) ||
      typeof e.type !== 'string' ||
      typeof e.state_key !== 'string' ||
      typeof e.sender !== 'string' ||
      !isObject(e.content)
    ) {
      skipped.push({ roomId, reason: 'malformed stripped state event' });
      continue;
    }
    const limit = jsonLimitProblem(e.content, MAX_EVENT_BYTES);
    if (limit) skipped.push({ roomId, reason: `stripped state ${e.type}: content is ${limit}` });
    else out.push({ type: e.type, state_key: e.state_key, sender: e.sender, content: e.content });
  }
  return out;
}

function summaryOf(s: unknown): RoomChanges['summary'] {
  if (!isObject(s)) return undefined;
  const out: NonNullable<RoomChanges['summary']> = {};
  if (Array.isArray(s['m.heroes'])) out.heroes = strings(s['m.heroes']);
  const joined = num(s['m.joined_member_count']);
  const invited = num(s['m.invited_member_count']);
  if (joined !== undefined) out.joined = joined;
  if (invited !== undefined) out.invited = invited;
  return out;
}

function timelineOf(t: unknown, roomId: string, skipped: Skipped[]): RoomChanges['timeline'] {
  const events = eventList(t, roomId, skipped, 'timeline');
  const out: RoomChanges['timeline'] = { events, limited: false };
  if (isObject(t)) {
    out.limited = t.limited === true;
    const prev = str(t.prev_batch);
    if (prev) out.prevBatch = prev;
  }
  return out;
}

/** Parses one room's section; `raw` must already be an object. */
export function parseRoom(
  roomId: string,
  membership: Membership,
  raw: JsonObject,
  skipped: Skipped[],
): RoomChanges {
  const room: RoomChanges = {
    roomId,
    membership,
    timeline: { events: [], limited: false },
    state: [],
    ephemeral: { receipts: [] },
    accountData: [],
  };
  if (membership === 'invite' || membership === 'knock') {
    const key = membership === 'invite' ? 'invite_state' : 'knock_state';
    room.strippedState = strippedList(raw[key], roomId, skipped);
    return room;
  }
  room.timeline = timelineOf(raw.timeline, roomId, skipped);
  room.state = eventList(raw.state, roomId, skipped, 'state', true);
  if (raw.state_after !== undefined) {
    room.stateAfter = eventList(raw.state_after, roomId, skipped, 'state_after', true);
  }
  room.ephemeral = ephemeralOf(raw.ephemeral, roomId, skipped);
  room.accountData = accountDataList(raw.account_data, skipped, roomId);
  const unread = raw.unread_notifications;
  if (isObject(unread)) {
    room.unread = {
      notifications: num(unread.notification_count) ?? 0,
      highlights: num(unread.highlight_count) ?? 0,
    };
  }
  const summary = summaryOf(raw.summary);
  if (summary) room.summary = summary;
  return room;
}
