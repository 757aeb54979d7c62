/**
 * The direct chat with a user, for verifying them in it: one from `m.direct` or the room list
 * where we are joined and they are joined or invited (encrypted ones first, then the most
 * recent), or a new encrypted one, waited for until our sync has it (its state decides how the
 * request is encrypted, and who gets the key).
 *
 * @packageDocumentation
 */
import type { JsonObject } from '../protocol/events';
import { GLOBAL } from '../storage/account-data-store';
import type { Stores } from '../storage/stores';
import type { EventLog } from './event-log';
import type { RoomService } from './room-service';

export type DirectChatDeps = {
  stores: Stores;
  rooms: RoomService;
  events: EventLog;
  /** How long a new room may take to come through sync (default 60 s). */
  syncWaitMs?: number;
};

function directFor(content: JsonObject | undefined, userId: string): string[] {
  const list = content?.[userId];
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

/** Our existing direct chat with `userId`, if any. */
export function findDirectChat(stores: Stores, userId: string): string | undefined {
  const listed = directFor(stores.accountData.get(GLOBAL, 'm.direct'), userId);
  const usable = stores.rooms.list().filter((r) => {
    if (r.membership !== 'join' || !(r.isDirect || listed.includes(r.roomId))) return false;
    const them = stores.state.membersOf(r.roomId, [userId]).get(userId)?.membership;
    if (them !== 'join' && them !== 'invite') return false;
    // A room from the room list counts only with no one else in it.
    return listed.includes(r.roomId) || r.joinedCount + r.invitedCount <= 2;
  });
  usable.sort((a, b) => Number(b.isEncrypted) - Number(a.isEncrypted));
  return usable[0]?.roomId; // list() gives the most recent first; sort() is stable
}

/** Our direct chat with `userId`, created (encrypted) when there is none. */
export async function directChat(d: DirectChatDeps, userId: string): Promise<string> {
  const found = findDirectChat(d.stores, userId);
  if (found) return found;
  const roomId = await d.rooms.create({ invite: [userId], isDirect: true, encrypted: true });
  await untilSynced(d, roomId);
  return roomId;
}

/** Resolves once sync brought the room we created, its encryption included. */
function untilSynced(d: DirectChatDeps, roomId: string): Promise<void> {
  const ready = () =>
    d.stores.rooms.get(roomId)?.membership === 'join' &&
    d.stores.state.content(roomId, 'm.room.encryption') !== undefined;
  if (ready()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(Object.assign(new Error('The new direct chat did not arrive'), { code: 'timeout' }));
    }, d.syncWaitMs ?? 60_000);
    const off = d.events.subscribe((e) => {
      if (e.type !== 'rooms.changed' || !e.data.rooms.some((r) => r.roomId === roomId)) return;
      if (!ready()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** The rooms where we and `userId` are both joined, from the cache (most recent first). */
export function sharedRooms(stores: Stores, ownUserId: string, userId: string): string[] {
  if (userId === ownUserId) return [];
  return stores.rooms
    .list()
    .filter(
      (r) =>
        r.membership === 'join' &&
        stores.state.membersOf(r.roomId, [userId]).get(userId)?.membership === 'join',
    )
    .map((r) => r.roomId);
}
