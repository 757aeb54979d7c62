import type { RoomSummary } from '../model/room';
import type { TimelineItem } from '../model/timeline';
import { isObject, str, type JsonObject } from '../protocol/events';
import { plainTextOf } from '../protocol/plain-text';
import { SENDER_NAME_KEY } from '../protocol/sender-names';
import { newContentOf, relationOf } from '../protocol/relations';
import { REDACTED_RELATION_KEY, type EventRow } from '../storage/event-store';
import type { RoomRow } from '../storage/room-store';
import type { MemberRow } from '../storage/state-store';
import type { Stores } from '../storage/stores';

/**
 * Events that are not items of their own but change other items: reactions, edits (also once
 * redacted) and redactions.
 */
export function isHiddenInTimeline(e: EventRow): boolean {
  if (e.type === 'm.reaction' || e.type === 'm.room.redaction') return true;
  // An undecryptable reaction has nothing to show of its own (it is shown once decrypted).
  if (e.type === 'm.room.encrypted' && relationOf(e)?.relType === 'm.annotation') return true;
  if (e.unsigned?.[REDACTED_RELATION_KEY] === 'm.replace') return true;
  return !e.redactedBy && relationOf(e)?.relType === 'm.replace';
}

function sendersByRoom(stores: Stores, events: readonly EventRow[]) {
  const wanted = new Map<string, Set<string>>();
  for (const e of events) {
    let s = wanted.get(e.roomId);
    if (!s) wanted.set(e.roomId, (s = new Set()));
    s.add(e.sender);
  }
  const out = new Map<string, Map<string, MemberRow>>();
  for (const [roomId, users] of wanted) out.set(roomId, stores.state.membersOf(roomId, [...users]));
  return out;
}

function contentOf(e: EventRow, edit: EventRow | undefined): Record<string, unknown> {
  if (e.redactedBy) return e.content;
  const nc = edit && newContentOf(edit);
  if (!nc) return e.content;
  // The original's relation (a reply, a thread) stays; the edit's own is ignored (spec).
  const rel = e.content['m.relates_to'];
  return rel === undefined ? { ...nc } : { ...nc, 'm.relates_to': rel };
}

/**
 * Turns stored events (a page, oldest first) into the contract's timeline items: hidden events
 * dropped, the latest edit applied (`edited`), redactions shown (`redacted`), reactions
 * aggregated with `mine`, reply and thread targets, and sender names from the member list. A
 * handful of indexed queries per call, whatever the page size.
 */
export function toTimelineItems(
  stores: Stores,
  ownUserId: string,
  events: readonly EventRow[],
): TimelineItem[] {
  const visible = events.filter((e) => !isHiddenInTimeline(e));
  if (visible.length === 0) return [];
  const ids = visible.map((e) => e.eventId);
  const reactions = stores.relations.reactions(ids, ownUserId);
  const edits = stores.relations.latestEdits(ids);
  const names = sendersByRoom(stores, visible);
  return visible.map((e) => {
    const redacted = e.redactedBy !== undefined;
    const edit = redacted ? undefined : edits.get(e.eventId);
    const item: TimelineItem = {
      eventId: e.eventId,
      sender: e.sender,
      ts: e.ts,
      type: e.type,
      content: contentOf(e, edit),
      edited: edit !== undefined,
      redacted,
      reactions: redacted ? [] : (reactions.get(e.eventId) ?? []),
    };
    const plain = redacted ? undefined : plainTextOf(item.content as JsonObject);
    if (plain !== undefined && plain !== item.content.body) item.plainText = plain;
    // The name it was sent under, else today's.
    const then = e.unsigned?.[SENDER_NAME_KEY];
    const senderName =
      (typeof then === 'string' && then) || names.get(e.roomId)?.get(e.sender)?.displayName;
    if (senderName) item.senderName = senderName;
    if (e.e2ee) item.e2ee = e.e2ee.info;
    if (e.stateKey !== undefined) {
      item.stateKey = e.stateKey;
      const prev = e.unsigned?.prev_content;
      if (isObject(prev)) item.prevContent = prev;
    }
    const rel = redacted ? undefined : relationOf(e);
    if (rel?.inReplyTo && !rel.isFallingBack) item.replyTo = rel.inReplyTo;
    if (rel?.relType === 'm.thread') item.threadRoot = rel.targetId;
    return item;
  });
}

/** A user's display name as an invite's stripped state gives it (trimmed; absent when blank). */
function strippedDisplayName(r: RoomRow, userId: string): string | undefined {
  const member = r.inviteState?.find((e) => e.type === 'm.room.member' && e.state_key === userId);
  return str(member?.content.displayname)?.trim() || undefined;
}

function toSummary(r: RoomRow): RoomSummary {
  const s: RoomSummary = {
    roomId: r.roomId,
    name: r.name,
    membership: r.membership,
    isDirect: r.isDirect,
    isEncrypted: r.isEncrypted,
    tags: r.tags,
    lastActivityTs: r.lastActivityTs,
    unread: { notifications: r.notificationCount, highlights: r.highlightCount },
    markedUnread: r.markedUnread,
    joinedMembers: r.joinedCount,
    invitedMembers: r.invitedCount,
  };
  if (r.avatarUrl) s.avatarUrl = r.avatarUrl;
  if (r.topic) s.topic = r.topic;
  if (r.inviter) s.inviter = r.inviter;
  const inviterName = r.inviter ? strippedDisplayName(r, r.inviter) : undefined;
  if (inviterName) s.inviterName = inviterName;
  if (r.isDirect && r.heroes.length === 1) s.directUserId = r.heroes[0]!;
  if (r.lastMessage) s.lastMessage = { sender: r.lastMessage.sender, body: r.lastMessage.body };
  return s;
}

/** The room list (or the rooms `roomIds`), latest activity first, from one query. */
export function roomSummaries(stores: Stores, roomIds?: readonly string[]): RoomSummary[] {
  return stores.rooms.list(roomIds).map(toSummary);
}
