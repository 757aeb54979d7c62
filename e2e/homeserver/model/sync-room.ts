import type { Homeserver } from '../hs';
import type { JsonObject } from '../validate';
import { powerLevels, userLevel } from './auth-rules';
import { stateKeyOf, type StoredEvent } from './events';
import { matches, type Filter } from './filters';
import { clientEvent, token, type Reader } from './format';
import { evaluate, notifyFlags, rulesFrom, type Ruleset } from './push';
import type { Room } from './room';

/** What one room section of `/sync` needs to know. */
export type RoomSyncArgs = {
  hs: Homeserver;
  room: Room;
  reader: Reader;
  filter: Filter;
  /** Stream window (from, upTo]; from is 0 for a full (initial) section. */
  from: number;
  upTo: number;
  /** Full state rather than changes since `from` (initial sync, newly joined, full_state). */
  full: boolean;
  useStateAfter: boolean;
};

const DEFAULT_TIMELINE_LIMIT = 10;

/** Timeline of visible, filter-passing events in (from, upTo], newest `limit` of them. */
export function timelineSection(a: RoomSyncArgs): {
  events: StoredEvent[];
  limited: boolean;
  prevBatch: string;
} {
  const { room, hs, reader } = a;
  const f = a.filter.room?.timeline;
  const limit = Math.max(0, f?.limit ?? DEFAULT_TIMELINE_LIMIT);
  const picked: StoredEvent[] = [];
  let limited = false;
  let i = room.indexAfter(a.upTo) - 1;
  for (; i >= 0; i--) {
    const se = room.timeline[i]!;
    if (se.pos <= a.from) break;
    if (!hs.rooms.canSee(room, reader.userId, se) || !matches(f, se.pdu)) continue;
    if (picked.length === limit) {
      limited = true;
      break;
    }
    picked.push(se);
  }
  picked.reverse();
  const prevPos = picked.length ? picked[0]!.pos - 1 : a.upTo;
  return { events: picked, limited, prevBatch: token(prevPos) };
}

/**
 * State between the window start and `at` (start or end of the timeline), lazy members applied:
 * then only the members of the reader, the timeline's senders and `heroes` (spec: RoomSummary).
 */
export function stateSection(
  a: RoomSyncArgs,
  at: number,
  timeline: StoredEvent[],
  limited: boolean,
  heroes: string[] = [],
): JsonObject[] {
  const { room, reader } = a;
  const lazy = a.filter.room?.state?.lazy_load_members === true;
  const stateFilter = a.filter.room?.state;
  let ids: Map<string, string>;
  if (a.full) ids = room.stateAt(at);
  else if (!limited && !a.useStateAfter) ids = new Map();
  else {
    const before = room.stateAt(a.from);
    ids = new Map();
    for (const [k, id] of room.stateAt(at)) if (before.get(k) !== id) ids.set(k, id);
  }
  const out: JsonObject[] = [];
  const seen = new Set<string>();
  const wantMembers = new Set<string>([reader.userId]);
  if (lazy) for (const u of [...timeline.map((se) => se.pdu.sender), ...heroes]) wantMembers.add(u);
  for (const [key, id] of ids) {
    const se = room.event(id);
    if (!se || !matches(stateFilter, se.pdu)) continue;
    if (lazy && se.pdu.type === 'm.room.member' && !wantMembers.has(se.pdu.state_key!)) continue;
    seen.add(key);
    out.push(clientEvent(room, se, reader, false));
  }
  if (lazy) {
    const inTimeline = new Set(timeline.map((se) => se.pdu.event_id));
    for (const user of wantMembers) {
      const key = stateKeyOf('m.room.member', user);
      if (seen.has(key)) continue;
      const id = room.stateId('m.room.member', user, at);
      if (!id || (inTimeline.has(id) && !a.useStateAfter)) continue;
      if (!a.full && user === reader.userId) continue;
      const se = room.event(id);
      if (se) out.push(clientEvent(room, se, reader, false));
    }
  }
  return out;
}

/** Heroes and member counts (spec: `RoomSummary`). */
export function summary(room: Room, userId: string): JsonObject {
  let joined = 0;
  let invited = 0;
  const heroes: string[] = [];
  for (const [u, m] of room.members) {
    if (m === 'join') joined++;
    if (m === 'invite') invited++;
    if (u !== userId && (m === 'join' || m === 'invite') && heroes.length < 5) heroes.push(u);
  }
  if (heroes.length === 0) {
    for (const [u] of room.members) if (u !== userId && heroes.length < 5) heroes.push(u);
  }
  return {
    'm.heroes': heroes.sort(),
    'm.joined_member_count': joined,
    'm.invited_member_count': invited,
  };
}

/**
 * Notification and highlight counts since the user's latest read receipt (or since they joined,
 * without one: a profile change, re-sent as a member event, is no read position).
 */
export function unreadCounts(
  hs: Homeserver,
  room: Room,
  userId: string,
  rules?: Ruleset,
): JsonObject {
  const readPos = Math.max(hs.receipts.readUpTo(room.id, userId), room.membershipSincePos(userId));
  const r = rules ?? rulesFrom(hs.accountData.get(userId, '', 'm.push_rules'), userId);
  const pl = powerLevels(room);
  const me = room.stateContent('m.room.member', userId);
  const memberCount = room.joined().length;
  let notification = 0;
  let highlight = 0;
  for (let i = room.indexAfter(readPos); i < room.timeline.length; i++) {
    const se = room.timeline[i]!;
    if (se.pdu.sender === userId || se.redactedBy) continue;
    const flags = notifyFlags(
      evaluate(r, se.pdu, {
        userId,
        displayName: typeof me?.displayname === 'string' ? me.displayname : undefined,
        memberCount,
        senderPowerLevel: userLevel(pl, se.pdu.sender),
        notificationLevels: pl.notifications,
      }),
    );
    if (flags.notify) notification++;
    if (flags.highlight) highlight++;
  }
  return { notification_count: notification, highlight_count: highlight };
}
