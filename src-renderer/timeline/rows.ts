/**
 * The rows of the virtual list, built from timeline items: day separators, the "new messages"
 * marker, messages grouped by sender, state events in words, long runs of membership
 * changes collapsed into one expandable summary, and a new room's setup (its creation and the
 * creator's state events right after it) into one expandable line. Pure and linear in the
 * number of items.
 */
import type { TimelineItem } from '../../src-main/ipc/contract';
import { dayKey } from '../lib/format';
import { describeState, summarizeMembers, type StateLine } from './describe';

/** Same sender within this long: one header for the group. */
export const GROUP_WINDOW_MS = 5 * 60_000;
/** Membership runs at least this long collapse into a summary. */
export const COLLAPSE_MIN = 3;

/** A row of the timeline list. Every row has a stable `key`. */
export type Row =
  | { kind: 'head'; key: 'head' }
  | { kind: 'day'; key: string; ts: number }
  | { kind: 'unread'; key: 'unread' }
  | { kind: 'message'; key: string; item: TimelineItem; continuation: boolean }
  | { kind: 'state'; key: string; item: TimelineItem; line: StateLine; nested: boolean }
  | { kind: 'members'; key: string; summary: string; count: number; expanded: boolean };

/** What rows are built from. */
export type RowInput = {
  items: readonly TimelineItem[];
  nameOf: (userId: string) => string;
  /** The first unread event: the marker goes above it. */
  unreadFrom?: string;
  /** Keys of membership summaries the user expanded. */
  expanded?: ReadonlySet<string>;
  /**
   * Show profile changes (a new name or avatar, still joined). Off by default: a profile change
   * is re-sent as a member event in every joined room, and would be a line in each of them.
   */
  showProfileChanges?: boolean;
};

/** Member actions that only change a profile (name, avatar), not who is in the room. */
const PROFILE_ACTIONS = new Set(['renamed', 'avatar', 'unchanged']);

const MESSAGE_TYPES = new Set(['m.room.message', 'm.sticker', 'm.room.encrypted']);

/** Whether an item shows as a message (rather than a state line, or not at all). */
export function isMessage(item: TimelineItem): boolean {
  return item.stateKey === undefined && MESSAGE_TYPES.has(item.type);
}

type Line = { item: TimelineItem; line: StateLine };

function pushLines(rows: Row[], run: Line[], expanded: ReadonlySet<string> | undefined): void {
  const nested = run.length >= COLLAPSE_MIN;
  if (nested) {
    const key = `members:${run[0]!.item.eventId}`;
    const open = expanded?.has(key) ?? false;
    const actions = run.map((l) => l.line.action ?? 'unchanged');
    rows.push({
      kind: 'members',
      key,
      summary: summarizeMembers(actions),
      count: run.length,
      expanded: open,
    });
    if (!open) return;
  }
  for (const { item, line } of run) {
    rows.push({ kind: 'state', key: item.eventId, item, line, nested });
  }
}

/** A room's creation and the creator's state events right after it. */
type Setup = { creator: TimelineItem; lines: Line[] };

function pushSetup(rows: Row[], setup: Setup, input: RowInput): void {
  const { creator, lines } = setup;
  if (lines.length < 2) {
    for (const { item, line } of lines) {
      rows.push({ kind: 'state', key: item.eventId, item, line, nested: false });
    }
    return;
  }
  const key = `setup:${creator.eventId}`;
  const open = input.expanded?.has(key) ?? false;
  const name = creator.senderName?.trim() || input.nameOf(creator.sender);
  rows.push({
    kind: 'members',
    key,
    summary: `${name} created and configured the room`,
    count: lines.length,
    expanded: open,
  });
  if (!open) return;
  for (const { item, line } of lines) {
    rows.push({ kind: 'state', key: item.eventId, item, line, nested: true });
  }
}

/** Builds the list rows for `input` (see {@link Row}); the first row is always `head`. */
export function buildRows(input: RowInput): Row[] {
  const { items, nameOf, unreadFrom, expanded, showProfileChanges = false } = input;
  const rows: Row[] = [{ kind: 'head', key: 'head' }];
  const memberships = new Map<string, Record<string, unknown>>();
  let run: Line[] = [];
  let day: string | undefined;
  // Keys must be unique whatever the data: timestamps are the sender's word (a day can come
  // back after another), and a buggy page could repeat an event.
  const seen = new Set<string>();
  let last: TimelineItem | undefined; // the previous message, for grouping
  let setup: Setup | undefined;
  const flush = () => {
    if (setup) pushSetup(rows, setup, input);
    setup = undefined;
    if (run.length) pushLines(rows, run, expanded);
    run = [];
  };
  for (const item of items) {
    if (seen.has(item.eventId)) continue;
    seen.add(item.eventId);
    let line: StateLine | undefined;
    if (item.type === 'm.room.member' && item.stateKey !== undefined) {
      // The server's word on what this replaced, else what this page showed before it.
      line = describeState(item, nameOf, item.prevContent ?? memberships.get(item.stateKey));
      memberships.set(item.stateKey, item.content);
      const profileOnly =
        item.content.membership === 'join' && PROFILE_ACTIONS.has(line?.action ?? '');
      if (profileOnly && !showProfileChanges) continue;
    } else if (!isMessage(item)) {
      line = describeState(item, nameOf);
      if (!line) continue; // not shown
    }
    const inSetup = setup && item.stateKey !== undefined && item.sender === setup.creator.sender;
    if (inSetup && line && item.type !== 'm.room.create') {
      setup!.lines.push({ item, line });
      continue;
    }
    if (setup) flush();
    const d = dayKey(item.ts);
    const marker = item.eventId === unreadFrom;
    if (d !== day || marker) flush();
    if (d !== day) {
      const key = seen.has(`day:${d}`) ? `day:${d}:${item.eventId}` : `day:${d}`;
      seen.add(key);
      rows.push({ kind: 'day', key, ts: item.ts });
      day = d;
      last = undefined;
    }
    if (marker) {
      rows.push({ kind: 'unread', key: 'unread' });
      last = undefined;
    }
    if (line && item.type === 'm.room.create' && item.stateKey === '') {
      flush();
      setup = { creator: item, lines: [{ item, line }] };
      last = undefined;
      continue;
    }
    if (line) {
      if (line.action) run.push({ item, line });
      else {
        flush();
        rows.push({ kind: 'state', key: item.eventId, item, line, nested: false });
      }
      last = undefined;
      continue;
    }
    flush();
    const continuation =
      !!last &&
      last.sender === item.sender &&
      last.senderName === item.senderName && // a new name of the time starts a group
      item.ts - last.ts < GROUP_WINDOW_MS &&
      item.content.msgtype !== 'm.emote';
    rows.push({ kind: 'message', key: item.eventId, item, continuation });
    last = item;
  }
  flush();
  return rows;
}

/**
 * The first unread event, given how many messages of others arrived unread (the room's unread
 * count when it was opened): counts back that many messages from the end. `undefined` when
 * nothing is unread; the oldest loaded message when more are unread than loaded.
 */
export function firstUnread(
  items: readonly TimelineItem[],
  unread: number,
  ownUserId: string | undefined,
): string | undefined {
  if (unread <= 0) return undefined;
  let seen = 0;
  let oldest: string | undefined;
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]!;
    if (it.local || it.sender === ownUserId || !isMessage(it)) continue;
    oldest = it.eventId;
    if (++seen === unread) return it.eventId;
  }
  return oldest;
}

/**
 * Who read up to each event: each user's latest receipt, on the event it names (when loaded),
 * latest readers first; our own receipt and the sender's own are left out.
 */
export function readersByEvent(
  receipts: Readonly<Record<string, { eventId: string; ts: number }>>,
  items: readonly TimelineItem[],
  ownUserId: string | undefined,
): Map<string, string[]> {
  const senders = new Map(items.map((i) => [i.eventId, i.sender]));
  const byEvent = new Map<string, { userId: string; ts: number }[]>();
  for (const [userId, r] of Object.entries(receipts)) {
    if (userId === ownUserId || senders.get(r.eventId) === undefined) continue;
    if (senders.get(r.eventId) === userId) continue;
    let list = byEvent.get(r.eventId);
    if (!list) byEvent.set(r.eventId, (list = []));
    list.push({ userId, ts: r.ts });
  }
  const out = new Map<string, string[]>();
  for (const [eventId, list] of byEvent) {
    out.set(
      eventId,
      list.sort((a, b) => b.ts - a.ts).map((r) => r.userId),
    );
  }
  return out;
}
