/**
 * The room display name algorithm (spec: "Calculating the display name for a room") and the
 * member display name disambiguation it relies on.
 *
 * @packageDocumentation
 */

/** A hero (`m.heroes` entry) with what the client knows of its member event. */
export type Hero = {
  userId: string;
  /** `displayname` of the hero's `m.room.member` event, if any. */
  displayName?: string;
  /** Another joined or invited member uses the same display name. */
  ambiguous?: boolean;
};

/** What the algorithm reads. */
export type RoomNameInput = {
  /** `m.room.name` `name`. */
  name?: string;
  /** `m.room.canonical_alias` `alias`. */
  canonicalAlias?: string;
  /** `m.heroes`, never including the user themself. */
  heroes: Hero[];
  /** `m.joined_member_count` (the user included). */
  joinedCount: number;
  /** `m.invited_member_count`. */
  invitedCount: number;
};

/** Heroes named at most; the rest count as "others". */
export const MAX_NAMED_HEROES = 5;

/**
 * A member's display name as the spec says: the raw user id without a display name, the display
 * name when unique among joined and invited members, else `"name (@user:id)"`.
 */
export function memberDisplayName(userId: string, displayName?: string, ambiguous = false): string {
  const n = displayName?.trim();
  if (!n) return userId;
  return ambiguous ? `${n} (${userId})` : n;
}

function joinNames(names: string[], others: number): string {
  const parts = [...names];
  if (others > 0) parts.push(others === 1 ? '1 other' : `${others} others`);
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * The room's display name: `m.room.name`, else `m.room.canonical_alias`, else its heroes
 * ("Alice and Bob", "Alice, Bob and 3 others"), else "Empty room", or "Empty room (was Alice)"
 * when the only other members have left.
 */
export function roomDisplayName(input: RoomNameInput): string {
  const name = input.name?.trim();
  if (name) return name;
  const alias = input.canonicalAlias?.trim();
  if (alias) return alias;
  const named = input.heroes.slice(0, MAX_NAMED_HEROES);
  const names = named.map((h) => memberDisplayName(h.userId, h.displayName, h.ambiguous));
  const total = Math.max(0, input.joinedCount) + Math.max(0, input.invitedCount);
  if (total <= 1) {
    if (names.length === 0) return 'Empty room';
    const rest = input.heroes.length - named.length;
    return `Empty room (was ${joinNames(names, rest)})`;
  }
  const others = Math.max(0, total - 1 - named.length);
  if (names.length === 0) return others > 0 ? joinNames([], others) : 'Empty room';
  return joinNames(names, others);
}
