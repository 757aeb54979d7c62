/**
 * A person's colour, the same wherever they appear (room list, timeline, member list,
 * autocomplete, invites…): one slot per user id, picked by {@link colorIndex}. The slot's
 * avatar colour (`--avatar-N`) and name colour (`--name-N`, a lighter tint in the dark theme so
 * names stay readable) are defined per theme in `app.css`.
 */
import type { RoomSummary } from '../../src-main/ipc/contract';
import { colorIndex } from './format';

/** The CSS colour behind `id`'s avatar initials. */
export function avatarColor(id: string): string {
  return `var(--avatar-${colorIndex(id)})`;
}

/** The CSS colour of `id`'s name written as text (sender names, reply quotes). */
export function nameColor(id: string): string {
  return `var(--name-${colorIndex(id)})`;
}

/**
 * The id a room's avatar takes its colour from: the other person of a direct chat (so the chat
 * shows them as everywhere else), else the room itself.
 */
export function roomAvatarId(room: Pick<RoomSummary, 'roomId' | 'directUserId'>): string {
  return room.directUserId ?? room.roomId;
}
