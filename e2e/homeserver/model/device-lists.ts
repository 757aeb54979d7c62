import type { Homeserver } from '../hs';
import type { Rooms } from './rooms';

/** `device_lists` of `/sync`, and the body of `GET /keys/changes`. */
export type DeviceLists = { changed: string[]; left: string[] };

/**
 * The device-list changes `me` must hear of in the stream window (since, upTo], for `/sync`'s
 * `device_lists` and for `/keys/changes` alike. Two users share a room when both are joined to
 * it (keys.yaml: "both users have membership state `join`"; an invite is not enough).
 *
 * - `changed`: `me` and users sharing a room with `me` at `upTo` whose device keys, devices or
 *   cross-signing keys changed in the window; users who share a room at `upTo` but shared none
 *   at `since` (their list may be stale); users whose master key `me` signed in the window (only
 *   `me` sees that signature).
 * - `left`: users who shared a room with `me` at `since` and share none at `upTo`.
 */
export function deviceListChanges(
  hs: Homeserver,
  me: string,
  since: number,
  upTo: number,
): DeviceLists {
  if (upTo <= since) return { changed: [], left: [] };
  const at = upTo >= hs.notifier.pos ? Infinity : upTo;
  const shared = sharingWith(hs.rooms, me, at);
  const changed = new Set<string>();
  const { anyone, viewerOnly } = hs.e2ee.keyChanges(since, upTo, me);
  for (const u of anyone) if (u === me || shared.has(u)) changed.add(u);
  for (const u of viewerOnly) changed.add(u);
  const left: string[] = [];
  for (const u of membershipTouched(hs.rooms, me, since, upTo)) {
    const before = sharedAt(hs.rooms, me, u, since);
    if (shared.has(u) && !before) changed.add(u);
    if (!shared.has(u) && before) left.push(u);
  }
  return { changed: [...changed], left };
}

/** Users other than `me` joined to a room `me` is joined to, as of `pos` (Infinity: now). */
function sharingWith(rooms: Rooms, me: string, pos: number): Set<string> {
  const out = new Set<string>();
  for (const room of rooms.roomsOf(me)) {
    if (room.membership(me, pos) !== 'join') continue;
    for (const [u, m] of room.members) {
      if (u === me) continue;
      if (pos === Infinity ? m === 'join' : room.membership(u, pos) === 'join') out.add(u);
    }
  }
  return out;
}

/** Whether `me` and `other` were both joined to some room at `pos`. */
function sharedAt(rooms: Rooms, me: string, other: string, pos: number): boolean {
  return rooms
    .roomsOf(other)
    .some((r) => r.membership(other, pos) === 'join' && r.membership(me, pos) === 'join');
}

/**
 * Users whose sharing with `me` may have changed in (since, upTo]: whose membership changed in
 * a room of `me`'s, and everyone in a room where `me`'s own membership changed.
 */
function membershipTouched(rooms: Rooms, me: string, since: number, upTo: number): Set<string> {
  const out = new Set<string>();
  for (const room of rooms.roomsOf(me)) {
    if (room.lastPos <= since) continue;
    if (room.membershipPos(me) > since) {
      for (const u of room.members.keys()) out.add(u);
      continue;
    }
    for (let i = room.indexAfter(since); i < room.timeline.length; i++) {
      const { pdu, pos } = room.timeline[i]!;
      if (pos > upTo) break;
      if (pdu.type === 'm.room.member') out.add(pdu.state_key!);
    }
  }
  out.delete(me);
  return out;
}
