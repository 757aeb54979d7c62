/**
 * A person's colour, the same wherever they appear (room list, timeline, member list,
 * autocomplete, invites…): one slot per user id, picked by {@link colorIndex}. The slot's
 * avatar colour (`--avatar-N`) and name colour (`--name-N`, a lighter tint in the dark theme so
 * names stay readable) are defined per theme in `app.css`.
 */
import { colorIndex } from './format';

/** The CSS colour behind `id`'s avatar initials. */
export function avatarColor(id: string): string {
  return `var(--avatar-${colorIndex(id)})`;
}

/** The CSS colour of `id`'s name written as text (sender names, reply quotes). */
export function nameColor(id: string): string {
  return `var(--name-${colorIndex(id)})`;
}
