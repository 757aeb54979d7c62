import type { RoomSummary } from '../../src-main/ipc/contract';
import { sectionOf } from './room-sections';

/** The app's name: the window title when nothing is unread. */
export const APP_NAME = 'LightMatrix';

/**
 * What the window title and the favicon count: notifications, as Element counts them for its
 * title and favicon badge (the sum of the rooms' notification counts, an invite counting as
 * one), not rooms. So the number is the sum of the badges the room list shows, and a busy room
 * weighs more than a quiet one, which is what "how much is waiting for me" means. A mention
 * without a notification count (a highlight rule on a muted room) still counts one; a room
 * only marked unread counts none, as it shows a dot, not a number. Rooms the list hides (left,
 * banned) count nothing.
 */
export function unreadTotal(rooms: Iterable<RoomSummary>): number {
  let total = 0;
  for (const room of rooms) {
    if (!sectionOf(room)) continue;
    if (room.membership === 'invite') total += 1;
    else total += Math.max(room.unread.notifications, room.unread.highlights > 0 ? 1 : 0);
  }
  return total;
}

/** The window title: `(3) LightMatrix`, or `LightMatrix` when nothing is unread. */
export function windowTitle(count: number): string {
  return count > 0 ? `(${count}) ${APP_NAME}` : APP_NAME;
}

/** How a count reads on the badge: up to 99, then `99+`. */
export function badgeText(count: number): string {
  return count > 99 ? '99+' : String(count);
}

/** Where the badge sits on a square icon `size` pixels wide: a circle in the top right. */
export function badgeCircle(size: number): { x: number; y: number; r: number; font: number } {
  const r = Math.round(size * 0.28);
  return { x: size - r, y: r, r, font: Math.round(r * 1.25) };
}
