/** How the room list groups, sorts and filters rooms. Pure functions, no state. */
import type { RoomSummary } from '../../src-main/ipc/contract';

export type SectionId = 'invites' | 'favourites' | 'people' | 'rooms' | 'lowpriority';

/** One group of the room list, most recent activity first. */
export type RoomSection = { id: SectionId; title: string; rooms: RoomSummary[] };

const SECTIONS: readonly { id: SectionId; title: string }[] = [
  { id: 'invites', title: 'Invites' },
  { id: 'favourites', title: 'Favourites' },
  { id: 'people', title: 'People' },
  { id: 'rooms', title: 'Rooms' },
  { id: 'lowpriority', title: 'Low priority' },
];

/** The section a room belongs in, or `undefined` for rooms we left or were banned from. */
export function sectionOf(room: RoomSummary): SectionId | undefined {
  if (room.membership === 'invite') return 'invites';
  if (room.membership !== 'join' && room.membership !== 'knock') return undefined;
  if (room.tags['m.favourite']) return 'favourites';
  if (room.tags['m.lowpriority']) return 'lowpriority';
  return room.isDirect ? 'people' : 'rooms';
}

/** Latest activity first; ties by name, so the order is stable. */
export function byActivity(a: RoomSummary, b: RoomSummary): number {
  return b.lastActivityTs - a.lastActivityTs || a.name.localeCompare(b.name);
}

/** Every section in display order (empty ones included), each sorted by activity. */
export function buildSections(rooms: Iterable<RoomSummary>): RoomSection[] {
  const groups = new Map<SectionId, RoomSummary[]>(SECTIONS.map((s) => [s.id, []]));
  for (const room of rooms) {
    const id = sectionOf(room);
    if (id) groups.get(id)!.push(room);
  }
  return SECTIONS.map((s) => ({ ...s, rooms: groups.get(s.id)!.sort(byActivity) }));
}

/** Lower case, accents removed, for forgiving matches. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * How well `room` matches `query` (already folded): 3 name starts with it, 2 a word of the
 * name does, 1 the name contains it, 0 no match. (Internal room ids are never matched.)
 */
export function matchScore(room: RoomSummary, query: string): number {
  if (!query) return 1;
  const name = fold(room.name);
  if (name.startsWith(query)) return 3;
  if (name.split(/[\s\-_#:@.]+/).some((w) => w.startsWith(query))) return 2;
  return name.includes(query) ? 1 : 0;
}

/**
 * The sections with only the rooms matching `query` (empty query: all): by name, or listed in
 * `hits` (rooms the core found by address or member for the same query).
 */
export function filterSections(
  sections: RoomSection[],
  query: string,
  hits: ReadonlySet<string> = new Set(),
): RoomSection[] {
  const q = fold(query.trim());
  if (!q) return sections;
  const keep = (r: RoomSummary) => matchScore(r, q) > 0 || hits.has(r.roomId);
  return sections.map((s) => ({ ...s, rooms: s.rooms.filter(keep) }));
}

/** Rooms for the quick switcher: best matches first, then by activity; at most `limit`. */
export function searchRooms(rooms: RoomSummary[], query: string, limit = 50): RoomSummary[] {
  const q = fold(query.trim());
  return rooms
    .filter((r) => sectionOf(r) !== undefined)
    .map((room) => ({ room, score: matchScore(room, q) }))
    .filter((m) => m.score > 0)
    .sort((a, b) => b.score - a.score || byActivity(a.room, b.room))
    .slice(0, limit)
    .map((m) => m.room);
}
