/**
 * Whose identity a room keeps an eye on, to warn when it changed: everyone in a small
 * encrypted room, and in a larger one the senders whose messages say so. Pure.
 */
import type { Member, TimelineItem } from '../../src-main/ipc/contract';

/** Rooms with at most this many other members have all of them checked. */
export const WATCH_ALL_MAX = 20;

/** The users of a room whose identity to check (never ourselves), each once. */
export function usersToWatch(
  members: Iterable<Member>,
  items: readonly TimelineItem[],
  ownUserId: string | undefined,
  max = WATCH_ALL_MAX,
): string[] {
  const users = new Set<string>();
  const joined = [...members].filter((m) => m.membership === 'join' && m.userId !== ownUserId);
  if (joined.length <= max) for (const m of joined) users.add(m.userId);
  for (const item of items) {
    const e2ee = item.e2ee;
    if (e2ee?.state === 'decrypted' && e2ee.shield === 'identity_changed') users.add(item.sender);
  }
  if (ownUserId) users.delete(ownUserId);
  return [...users];
}
