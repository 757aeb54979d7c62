import type { Homeserver } from '../hs';
import type { JsonObject } from '../validate';
import { devKey } from './accounts';
import { deviceListChanges } from './device-lists';
import { matches, roomAllowed, type Filter } from './filters';
import { clientEvent, strippedState, syncToken, type Reader } from './format';
import { defaultRules, rulesFrom } from './push';
import type { Room } from './room';
import {
  stateSection,
  summary,
  timelineSection,
  unreadCounts,
  type RoomSyncArgs,
} from './sync-room';

/** A `/sync` request, parsed. */
export type SyncRequest = {
  userId: string;
  deviceId: string;
  /** Undefined for an initial sync. */
  since?: number;
  /** Where to-device delivery stopped, when the response that gave `since` had more waiting. */
  toDeviceSince?: number;
  fullState: boolean;
  filter: Filter;
  useStateAfter: boolean;
};

/** Builds the `/sync` response for the window (since, upTo]; `empty` when nothing happened. */
export function buildSync(
  hs: Homeserver,
  req: SyncRequest,
  upTo: number,
): { body: JsonObject; empty: boolean } {
  const since = req.since ?? 0;
  const initial = req.since === undefined;
  const reader: Reader = {
    userId: req.userId,
    deviceKey: devKey(req.userId, req.deviceId),
    now: hs.now(),
  };
  const join: JsonObject = {};
  const invite: JsonObject = {};
  const leave: JsonObject = {};
  const knock: JsonObject = {};
  const rules = rulesFrom(hs.accountData.get(req.userId, '', 'm.push_rules'), req.userId);
  const roomData = hs.accountData.changedRooms(req.userId, initial ? 0 : since, upTo);

  for (const room of hs.rooms.roomsOf(req.userId)) {
    if (!roomAllowed(req.filter, room.id)) continue;
    if (hs.rooms.forgotten.has(`${req.userId}|${room.id}`)) continue;
    const membership = room.membership(req.userId);
    const memPos = room.membershipPos(req.userId);
    const changed = memPos > since;
    if (membership === 'join') {
      const newly = !initial && room.membership(req.userId, since) !== 'join';
      const section = joinedRoom(
        hs,
        room,
        reader,
        req,
        since,
        upTo,
        initial || newly || req.fullState,
        roomData.has(room.id),
        rules,
      );
      if (section) join[room.id] = section;
    } else if (membership === 'invite' && (initial || changed)) {
      invite[room.id] = { invite_state: { events: invitedState(room, req.userId) } };
    } else if (membership === 'knock' && (initial || changed)) {
      knock[room.id] = {
        knock_state: { events: [...strippedState(room), ownMember(room, req.userId)] },
      };
    } else if ((membership === 'leave' || membership === 'ban') && (changed || initial)) {
      const wasIn = initial
        ? req.filter.room?.include_leave === true
        : room.membership(req.userId, since) !== membership;
      if (wasIn) leave[room.id] = leftRoom(hs, room, reader, req, since, memPos, initial);
    }
  }

  const e2 = hs.e2ee.syncSection(req.userId, req.deviceId, req.toDeviceSince ?? since, upTo);
  const deviceLists = initial
    ? { changed: [], left: [] }
    : deviceListChanges(hs, req.userId, since, upTo);
  const accountData = hs.accountData
    .changed(req.userId, '', initial ? 0 : since, upTo)
    .filter((e) => matches(req.filter.account_data, e));
  if (initial && !accountData.some((e) => e.type === 'm.push_rules')) {
    accountData.push({ type: 'm.push_rules', content: { global: defaultRules(req.userId) } });
  }
  const presence = presenceEvents(hs, req, since, upTo);
  const rooms = { join, invite, leave, knock };
  const empty =
    !initial &&
    [join, invite, leave, knock].every((o) => Object.keys(o).length === 0) &&
    accountData.length === 0 &&
    presence.length === 0 &&
    e2.toDevice.length === 0 &&
    deviceLists.changed.length === 0 &&
    deviceLists.left.length === 0;
  return {
    empty,
    body: {
      next_batch: syncToken(upTo, e2.pageEnd),
      rooms,
      account_data: { events: accountData },
      presence: { events: presence },
      to_device: { events: e2.toDevice },
      device_lists: deviceLists,
      device_one_time_keys_count: e2.otkCounts,
      device_unused_fallback_key_types: e2.unusedFallback,
    },
  };
}

function ownMember(room: Room, userId: string): JsonObject {
  const e = room.stateEvent('m.room.member', userId)!;
  return { type: e.type, state_key: e.state_key, sender: e.sender, content: e.content };
}

/** Stripped state for an invite: the room's, the invite, and the inviter's member event. */
function invitedState(room: Room, userId: string): JsonObject[] {
  const invite = ownMember(room, userId);
  const out = [...strippedState(room), invite];
  const inviter = room.stateEvent('m.room.member', String(invite.sender));
  if (inviter && inviter.state_key !== userId) {
    out.push({
      type: inviter.type,
      state_key: inviter.state_key,
      sender: inviter.sender,
      content: inviter.content,
    });
  }
  return out;
}

function joinedRoom(
  hs: Homeserver,
  room: Room,
  reader: Reader,
  req: SyncRequest,
  since: number,
  upTo: number,
  full: boolean,
  accountDataChanged: boolean,
  rules: ReturnType<typeof rulesFrom>,
): JsonObject | undefined {
  // Newly joined rooms and full_state get all state, but the timeline still starts at `since`.
  const a: RoomSyncArgs = {
    hs,
    room,
    reader,
    filter: req.filter,
    from: since,
    upTo,
    full,
    useStateAfter: req.useStateAfter,
  };
  const tl = timelineSection(a);
  const start = tl.events.length ? tl.events[0]!.pos - 1 : upTo;
  const stateAt = req.useStateAfter ? upTo : start;
  const hasMembers = tl.events.some((se) => se.pdu.type === 'm.room.member');
  const roomSummary = full || hasMembers ? summary(room, reader.userId) : undefined;
  const heroes = (roomSummary?.['m.heroes'] as string[] | undefined) ?? [];
  const state = stateSection(a, stateAt, tl.events, tl.limited, heroes);
  const typingChanged =
    room.typingPos > since || (req.since === undefined && room.typingUsers(hs.now()).length > 0);
  const ephemeral: JsonObject[] = [];
  if (typingChanged) {
    ephemeral.push({ type: 'm.typing', content: { user_ids: room.typingUsers(hs.now()) } });
  }
  const receipts = hs.receipts.eventFor(room.id, reader.userId, full ? 0 : since, upTo);
  if (receipts) ephemeral.push({ type: 'm.receipt', content: receipts });
  const ephFiltered = ephemeral.filter((e) =>
    matches(req.filter.room?.ephemeral, { type: String(e.type) }),
  );
  const roomAccountData = accountDataChanged
    ? hs.accountData
        .changed(reader.userId, room.id, full ? 0 : since, upTo)
        .filter((e) => matches(req.filter.room?.account_data, e))
    : [];
  if (
    !full &&
    tl.events.length === 0 &&
    state.length === 0 &&
    ephFiltered.length === 0 &&
    roomAccountData.length === 0
  ) {
    return undefined;
  }
  const out: JsonObject = {
    timeline: {
      events: tl.events.map((se) => clientEvent(room, se, reader, false)),
      limited: tl.limited,
      prev_batch: tl.prevBatch,
    },
    ephemeral: { events: ephFiltered },
    account_data: { events: roomAccountData },
    unread_notifications: unreadCounts(hs, room, reader.userId, rules),
  };
  out[req.useStateAfter ? 'state_after' : 'state'] = { events: state };
  if (roomSummary) out.summary = roomSummary;
  return out;
}

function leftRoom(
  hs: Homeserver,
  room: Room,
  reader: Reader,
  req: SyncRequest,
  since: number,
  leavePos: number,
  initial: boolean,
): JsonObject {
  const a: RoomSyncArgs = {
    hs,
    room,
    reader,
    filter: req.filter,
    from: initial ? 0 : since,
    upTo: leavePos,
    full: initial,
    useStateAfter: req.useStateAfter,
  };
  const tl = timelineSection(a);
  const start = tl.events.length ? tl.events[0]!.pos - 1 : leavePos;
  const state = stateSection(
    a,
    req.useStateAfter ? leavePos : start,
    tl.events,
    tl.limited || initial,
  );
  const out: JsonObject = {
    timeline: {
      events: tl.events.map((se) => clientEvent(room, se, reader, false)),
      limited: tl.limited,
      prev_batch: tl.prevBatch,
    },
    account_data: { events: [] },
  };
  out[req.useStateAfter ? 'state_after' : 'state'] = { events: state };
  return out;
}

/** Users whose presence `userId` sees: joined or invited to a room it is joined to, itself too. */
function sharedUsers(hs: Homeserver, userId: string): Set<string> {
  const out = new Set<string>([userId]);
  for (const room of hs.rooms.roomsOf(userId)) {
    if (room.membership(userId) !== 'join') continue;
    for (const [u, m] of room.members) if (m === 'join' || m === 'invite') out.add(u);
  }
  return out;
}

function presenceEvents(
  hs: Homeserver,
  req: SyncRequest,
  since: number,
  upTo: number,
): JsonObject[] {
  if (req.filter.presence?.types?.length === 0) return [];
  const out: JsonObject[] = [];
  for (const u of sharedUsers(hs, req.userId)) {
    const user = hs.accounts.users.get(u);
    if (!user || user.presence_pos <= since || user.presence_pos > upTo) continue;
    const ev = {
      type: 'm.presence',
      sender: u,
      content: {
        presence: user.presence,
        last_active_ago: Math.max(0, hs.now() - user.last_active_ts),
        currently_active: user.presence === 'online',
        ...(user.status_msg !== undefined ? { status_msg: user.status_msg } : {}),
        ...(user.displayname !== undefined ? { displayname: user.displayname } : {}),
        ...(user.avatar_url !== undefined ? { avatar_url: user.avatar_url } : {}),
      },
    };
    if (matches(req.filter.presence, ev)) out.push(ev);
  }
  return out;
}
