import type { RoomSummary } from '../model/room';
import { isObject, num, str, type JsonObject, type RawEvent } from '../protocol/events';
import { plainTextOf } from '../protocol/plain-text';
import { newContentOf, relationOf } from '../protocol/relations';
import { roomDisplayName, type Hero } from '../protocol/room-name';
import type { StrippedStateEvent } from '../protocol/sync';
import type { EventRow } from '../storage/event-store';
import type { RoomRow } from '../storage/room-store';
import type { Stores } from '../storage/stores';

/** How many latest events are searched for a message to preview. */
const PREVIEW_DEPTH = 40;

/** Events that are not activity of their own: they change other events. */
export function isAggregationEvent(e: { type: string; content: JsonObject }): boolean {
  if (e.type === 'm.reaction' || e.type === 'm.room.redaction') return true;
  return relationOf(e)?.relType === 'm.replace';
}

/** `m.tag` content → the tags map of the contract. */
export function tagsOf(content: JsonObject | undefined): RoomSummary['tags'] {
  const out: RoomSummary['tags'] = {};
  if (!content || !isObject(content.tags)) return out;
  for (const [tag, v] of Object.entries(content.tags)) {
    const order = isObject(v) ? num(v.order) : undefined;
    out[tag] = order === undefined ? {} : { order };
  }
  return out;
}

/** Whether our own invite (in stripped state) says the room is a direct chat. */
export function inviteIsDirect(strip: readonly StrippedStateEvent[] | undefined, me: string) {
  const own = strip?.find((e) => e.type === 'm.room.member' && e.state_key === me);
  return own?.content.is_direct === true;
}

/** Recomputes name, avatar, topic, encryption and heroes of a joined or left room from state. */
export function refreshFromState(stores: Stores, row: RoomRow, ownUserId: string): void {
  const st = stores.state;
  const id = row.roomId;
  const name = str(st.content(id, 'm.room.name')?.name);
  const alias = str(st.content(id, 'm.room.canonical_alias')?.alias);
  if (row.joinedCount === 0 && row.invitedCount === 0) {
    row.joinedCount = st.countMembers(id, 'join');
    row.invitedCount = st.countMembers(id, 'invite');
  }
  const heroIds = (row.heroes.length ? row.heroes : st.heroCandidates(id, ownUserId)).filter(
    (u) => u !== ownUserId,
  );
  const members = st.membersOf(id, heroIds);
  const heroes: Hero[] = heroIds.map((userId) => {
    const displayName = members.get(userId)?.displayName;
    return { userId, displayName, ambiguous: !!displayName && st.isAmbiguousName(id, displayName) };
  });
  row.name = roomDisplayName({
    name,
    canonicalAlias: alias,
    heroes,
    joinedCount: row.joinedCount,
    invitedCount: row.invitedCount,
  });
  const avatar = str(st.content(id, 'm.room.avatar')?.url);
  const soleHero = !name?.trim() && !alias?.trim() && heroIds.length === 1 ? heroIds[0] : undefined;
  row.avatarUrl = avatar || (soleHero ? members.get(soleHero)?.avatarUrl : undefined);
  row.topic = str(st.content(id, 'm.room.topic')?.topic) || undefined;
  const enc = st.content(id, 'm.room.encryption');
  row.isEncrypted = row.isEncrypted || typeof enc?.algorithm === 'string';
}

function strippedContent(strip: readonly StrippedStateEvent[], type: string) {
  return strip.find((e) => e.type === type && e.state_key === '')?.content;
}

/** Fills an invite's or knock's summary from its stripped state. */
export function refreshFromStripped(
  row: RoomRow,
  strip: readonly StrippedStateEvent[],
  ownUserId: string,
): void {
  const own = strip.find((e) => e.type === 'm.room.member' && e.state_key === ownUserId);
  row.inviter = row.membership === 'invite' && own ? own.sender : undefined;
  const others = strip.filter((e) => e.type === 'm.room.member' && e.state_key !== ownUserId);
  const active = others.filter(
    (e) => e.content.membership === 'join' || e.content.membership === 'invite',
  );
  let joined = others.filter((e) => e.content.membership === 'join').length;
  const invited = strip.filter(
    (e) => e.type === 'm.room.member' && e.content.membership === 'invite',
  ).length;
  const heroes: Hero[] = active.slice(0, 5).map((e) => ({
    userId: e.state_key,
    displayName: str(e.content.displayname),
  }));
  if (row.inviter && !others.some((e) => e.state_key === row.inviter)) {
    heroes.unshift({ userId: row.inviter });
    joined++;
  }
  row.heroes = heroes.map((h) => h.userId);
  row.joinedCount = joined;
  row.invitedCount = Math.max(invited, row.membership === 'invite' ? 1 : 0);
  row.name = roomDisplayName({
    name: str(strippedContent(strip, 'm.room.name')?.name),
    canonicalAlias: str(strippedContent(strip, 'm.room.canonical_alias')?.alias),
    heroes,
    joinedCount: row.joinedCount,
    invitedCount: row.invitedCount,
  });
  row.avatarUrl = str(strippedContent(strip, 'm.room.avatar')?.url) || undefined;
  row.topic = str(strippedContent(strip, 'm.room.topic')?.topic) || undefined;
  row.isEncrypted = typeof strippedContent(strip, 'm.room.encryption')?.algorithm === 'string';
}

/**
 * Whether an event is activity that moves a room up the list: not an aggregation, and not a
 * membership change (joins, leaves, and profile changes, which are re-sent as member events in
 * every joined room), except our own membership changing (we joined, or were invited).
 */
export function isActivity(e: RawEvent, ownUserId: string): boolean {
  if (isAggregationEvent(e)) return false;
  if (e.type !== 'm.room.member') return true;
  if (e.state_key !== ownUserId) return false;
  const prev = e.unsigned?.prev_content;
  return !isObject(prev) || prev.membership !== e.content.membership;
}

/** Moves the last activity forward to the newest of `events` that is activity of its own. */
export function bumpActivity(row: RoomRow, events: readonly RawEvent[], ownUserId: string): void {
  for (const e of events) {
    if (isActivity(e, ownUserId) && e.origin_server_ts > row.lastActivityTs) {
      row.lastActivityTs = e.origin_server_ts;
    }
  }
}

function previewable(e: Pick<EventRow, 'type' | 'content' | 'redactedBy'>): boolean {
  return (
    e.type === 'm.room.message' &&
    !e.redactedBy &&
    typeof e.content.body === 'string' &&
    relationOf(e)?.relType !== 'm.replace'
  );
}

/** The preview's text: the latest edit's content, else the message's, as plain text. */
function previewText(content: JsonObject, edit: { content: JsonObject } | undefined): string {
  const replaced = edit && newContentOf(edit);
  const text = (replaced && plainTextOf(replaced)) ?? plainTextOf(content);
  return text ?? '';
}

/**
 * The preview from events just appended at the live end, without reading the cache: the newest
 * message among them (with its edit, if one arrived). False when none of them can be previewed
 * (then {@link refreshPreview} searches the cache).
 */
export function previewFromAppended(
  stores: Stores,
  row: RoomRow,
  added: readonly RawEvent[],
): boolean {
  for (let i = added.length - 1; i >= 0; i--) {
    const e = added[i]!;
    if (
      e.unsigned?.redacted_because !== undefined ||
      !previewable({ type: e.type, content: e.content })
    )
      continue;
    const edit = stores.relations.latestEdits([e.event_id]).get(e.event_id);
    row.lastMessage = { sender: e.sender, body: previewText(e.content, edit), eventId: e.event_id };
    return true;
  }
  return false;
}

/**
 * Recomputes the latest-message preview: the newest `m.room.message` of the live end that is
 * not an edit or redacted, with its latest edit applied. Kept when none is cached nearby, unless
 * the previewed event itself was redacted.
 */
export function refreshPreview(stores: Stores, row: RoomRow): void {
  const page = stores.timeline.pageBefore(row.roomId, undefined, PREVIEW_DEPTH);
  const latest = page?.events.reverse().find(previewable);
  if (latest) {
    const edit = stores.relations.latestEdits([latest.eventId]).get(latest.eventId);
    const body = previewText(latest.content, edit);
    row.lastMessage = { sender: latest.sender, body, eventId: latest.eventId };
    return;
  }
  const current = row.lastMessage && stores.events.get(row.lastMessage.eventId);
  if (row.lastMessage && (!current || current.redactedBy)) row.lastMessage = undefined;
}
