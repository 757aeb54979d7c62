/**
 * What the user marks on a room from its context menu: tags (favourite, low priority), read or
 * unread (`m.marked_unread`, v1.12), and its notification level (push rules). The server's
 * answer comes back through sync; push rules are read again at once (not every server sends
 * `m.push_rules` in sync).
 *
 * @packageDocumentation
 */
import type { NotificationLevel } from '../model/room';
import type { MatrixApi } from '../net/api';
import { roomLink } from '../protocol/room-link';
import { notificationLevelOf, rulesForLevel } from '../protocol/room-notifications';
import { GLOBAL } from '../storage/account-data-store';
import type { Stores } from '../storage/stores';

type Deps = { api: MatrixApi; stores: Stores; userId: string };

/** The tags the menu toggles. */
export const MENU_TAGS = ['m.favourite', 'm.lowpriority'] as const;

function badRequest(message: string): Error {
  return Object.assign(new Error(message), { code: 'bad_request' });
}

/** Adds or removes a tag; favourite and low priority exclude each other, as in Element. */
export async function setTag(d: Deps, roomId: string, tag: string, on: boolean): Promise<void> {
  if (!(MENU_TAGS as readonly string[]).includes(tag)) throw badRequest(`Unknown tag ${tag}`);
  const tags = d.stores.rooms.get(roomId)?.tags ?? {};
  if (on) {
    for (const other of MENU_TAGS)
      if (other !== tag && other in tags) await d.api.setRoomTag(d.userId, roomId, other, false);
  }
  await d.api.setRoomTag(d.userId, roomId, tag, on);
}

/** Sets or clears `m.marked_unread` (the stable type; the unstable one is only read). */
export async function setMarkedUnread(d: Deps, roomId: string, unread: boolean): Promise<void> {
  await d.api.setRoomAccountData(d.userId, roomId, 'm.marked_unread', { unread });
}

/** Marks everything read: receipt and read marker at the latest event, the mark cleared. */
export async function markRead(d: Deps, roomId: string): Promise<void> {
  const latest = d.stores.timeline.pageBefore(roomId, undefined, 1)?.events.at(-1);
  if (latest) {
    await d.api.readMarkers(roomId, { fullyRead: latest.eventId, read: latest.eventId });
  }
  if (d.stores.rooms.get(roomId)?.markedUnread) await setMarkedUnread(d, roomId, false);
}

/** The room's notification level, from the cached push rules. */
export function notificationLevel(d: Pick<Deps, 'stores'>, roomId: string): NotificationLevel {
  return notificationLevelOf(d.stores.accountData.get(GLOBAL, 'm.push_rules'), roomId);
}

/** Writes the push rules for `level` (removing the others), then caches the new rule set. */
export async function setNotificationLevel(
  d: Deps,
  roomId: string,
  level: NotificationLevel,
): Promise<void> {
  const wanted = rulesForLevel(roomId, level);
  for (const kind of ['override', 'room'] as const) {
    if (!wanted.some((r) => r.kind === kind)) await d.api.deletePushRule(kind, roomId);
  }
  for (const r of wanted) await d.api.putPushRule(r.kind, r.ruleId, r.rule);
  const rules = await d.api.pushRules();
  d.stores.accountData.set(GLOBAL, 'm.push_rules', rules);
}

/** The room's `matrix.to` link: its canonical alias, or its id with `via` servers. */
export function linkTo(d: Pick<Deps, 'stores'>, roomId: string): string {
  const joined = d.stores.state
    .memberRows(roomId)
    .filter((m) => m.membership === 'join')
    .map((m) => m.userId);
  return roomLink(roomId, d.stores.state.content(roomId, 'm.room.canonical_alias'), joined);
}
