import type { Member } from '../model/room';
import { str, type JsonObject, type RawEvent } from '../protocol/events';
import { userLevel, type PowerState } from '../protocol/power-levels';
import type { Db } from './db';
import { parseEventRow, type EventDbRow, type EventRow, type EventStore } from './event-store';

/** A member row (from `m.room.member` state). */
export type MemberRow = {
  userId: string;
  membership: Member['membership'];
  displayName?: string;
  avatarUrl?: string;
};

type MRow = {
  user_id: string;
  membership: string;
  display_name: string | null;
  avatar_url: string | null;
};

const STATE_JOIN = `SELECT e.* FROM room_state s JOIN events e ON e.event_id = s.event_id`;

const SQL = {
  setState: `INSERT INTO room_state (room_id, type, state_key, event_id) VALUES (?, ?, ?, ?)
             ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = excluded.event_id`,
  getState: `${STATE_JOIN} WHERE s.room_id = ? AND s.type = ? AND s.state_key = ?`,
  listState: `${STATE_JOIN} WHERE s.room_id = ?`,
  listStateOfType: `${STATE_JOIN} WHERE s.room_id = ? AND s.type = ?`,
  upsertMember: `INSERT INTO members (room_id, user_id, membership, display_name, avatar_url)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (room_id, user_id) DO UPDATE SET membership = excluded.membership,
                   display_name = excluded.display_name, avatar_url = excluded.avatar_url`,
  members: 'SELECT * FROM members WHERE room_id = ?',
  membersIn: `SELECT * FROM members WHERE room_id = ?
              AND user_id IN (SELECT value FROM json_each(?))`,
  countMembership: 'SELECT count(*) AS n FROM members WHERE room_id = ? AND membership = ?',
  countName: `SELECT count(*) AS n FROM members WHERE room_id = ? AND display_name = ?
              AND membership IN ('join', 'invite')`,
  heroCandidates: `SELECT user_id FROM members WHERE room_id = ? AND user_id != ?
                   AND membership IN ('join', 'invite') ORDER BY user_id LIMIT ?`,
  deleteState: 'DELETE FROM room_state WHERE room_id = ?',
  deleteMembers: 'DELETE FROM members WHERE room_id = ?',
} as const;

const MEMBERSHIPS = new Set(['join', 'invite', 'leave', 'knock', 'ban']);

function fromMemberRow(r: MRow): MemberRow {
  const m: MemberRow = { userId: r.user_id, membership: r.membership as MemberRow['membership'] };
  if (r.display_name !== null) m.displayName = r.display_name;
  if (r.avatar_url !== null) m.avatarUrl = r.avatar_url;
  return m;
}

/**
 * Current room state (`room_state` → `events`) and the `members` table kept in step with
 * `m.room.member` state. Writes run inside the caller's transaction.
 */
export class StateStore {
  readonly #events: EventStore;
  readonly #setState;
  readonly #getState;
  readonly #listState;
  readonly #listStateOfType;
  readonly #upsertMember;
  readonly #members;
  readonly #membersIn;
  readonly #countMembership;
  readonly #countName;
  readonly #heroCandidates;
  readonly #deleteState;
  readonly #deleteMembers;

  constructor(db: Db, events: EventStore) {
    this.#events = events;
    this.#setState = db.prepare(SQL.setState);
    this.#getState = db.prepare<[string, string, string], EventDbRow>(SQL.getState);
    this.#listState = db.prepare<[string], EventDbRow>(SQL.listState);
    this.#listStateOfType = db.prepare<[string, string], EventDbRow>(SQL.listStateOfType);
    this.#upsertMember = db.prepare(SQL.upsertMember);
    this.#members = db.prepare<[string], MRow>(SQL.members);
    this.#membersIn = db.prepare<[string, string], MRow>(SQL.membersIn);
    this.#countMembership = db.prepare<[string, string], { n: number }>(SQL.countMembership);
    this.#countName = db.prepare<[string, string], { n: number }>(SQL.countName);
    this.#heroCandidates = db.prepare<[string, string, number], { user_id: string }>(
      SQL.heroCandidates,
    );
    this.#deleteState = db.prepare(SQL.deleteState);
    this.#deleteMembers = db.prepare(SQL.deleteMembers);
  }

  /** Makes a state event current: stores it, points `room_state` at it, updates `members`. */
  setState(roomId: string, ev: RawEvent): void {
    if (ev.state_key === undefined) return;
    this.#events.insert(roomId, ev);
    this.#setState.run(roomId, ev.type, ev.state_key, ev.event_id);
    if (ev.type === 'm.room.member') this.#memberFrom(roomId, ev.state_key, ev.content);
  }

  #memberFrom(roomId: string, userId: string, content: JsonObject): void {
    const m = str(content.membership);
    const membership = m && MEMBERSHIPS.has(m) ? m : 'leave';
    const name = str(content.displayname);
    const avatar = str(content.avatar_url);
    this.#upsertMember.run(roomId, userId, membership, name || null, avatar || null);
  }

  /**
   * After `target` was redacted: if it is current state, re-derive what depends on it (the
   * member row). Returns true when it was current state.
   */
  refreshRedacted(target: EventRow): boolean {
    if (target.stateKey === undefined) return false;
    const current = this.get(target.roomId, target.type, target.stateKey);
    if (!current || current.eventId !== target.eventId) return false;
    if (current.type === 'm.room.member')
      this.#memberFrom(current.roomId, target.stateKey, current.content);
    return true;
  }

  /** The current state event `(type, stateKey)`. */
  get(roomId: string, type: string, stateKey = ''): EventRow | undefined {
    const r = this.#getState.get(roomId, type, stateKey);
    return r ? parseEventRow(r) : undefined;
  }

  /** The content of the current state event `(type, stateKey)`. */
  content(roomId: string, type: string, stateKey = ''): JsonObject | undefined {
    return this.get(roomId, type, stateKey)?.content;
  }

  /** All current state of a room, or of one type. */
  list(roomId: string, type?: string): EventRow[] {
    const rows =
      type === undefined ? this.#listState.all(roomId) : this.#listStateOfType.all(roomId, type);
    return rows.map(parseEventRow);
  }

  /** `m.room.create` `room_version`, `'1'` when absent (spec default). */
  roomVersion(roomId: string): string {
    return str(this.content(roomId, 'm.room.create')?.room_version) ?? '1';
  }

  /** Every member row of a room. */
  memberRows(roomId: string): MemberRow[] {
    return this.#members.all(roomId).map(fromMemberRow);
  }

  /** Member rows of `userIds` (those we know), by user id. */
  membersOf(roomId: string, userIds: readonly string[]): Map<string, MemberRow> {
    const out = new Map<string, MemberRow>();
    if (userIds.length === 0) return out;
    for (const r of this.#membersIn.all(roomId, JSON.stringify(userIds))) {
      out.set(r.user_id, fromMemberRow(r));
    }
    return out;
  }

  /** What the room's power levels are computed from (`protocol/power-levels`). */
  powerState(roomId: string): PowerState {
    const create = this.get(roomId, 'm.room.create');
    return {
      powerLevels: this.content(roomId, 'm.room.power_levels'),
      create: create ? { sender: create.sender, content: create.content } : undefined,
    };
  }

  /** The member list as the contract has it, power levels included. */
  listMembers(roomId: string): Member[] {
    const ps = this.powerState(roomId);
    return this.memberRows(roomId).map((m) => ({ ...m, powerLevel: userLevel(ps, m.userId) }));
  }

  /** How many members we hold with this membership. */
  countMembers(roomId: string, membership: MemberRow['membership']): number {
    return this.#countMembership.get(roomId, membership)?.n ?? 0;
  }

  /** Whether another joined or invited member shares this display name. */
  isAmbiguousName(roomId: string, displayName: string): boolean {
    return (this.#countName.get(roomId, displayName)?.n ?? 0) > 1;
  }

  /** Joined or invited members other than `ownUserId`, for heroes when the server sent none. */
  heroCandidates(roomId: string, ownUserId: string, limit = 5): string[] {
    return this.#heroCandidates.all(roomId, ownUserId, limit).map((r) => r.user_id);
  }

  /** Forgets a room's state and members. */
  deleteRoom(roomId: string): void {
    this.#deleteState.run(roomId);
    this.#deleteMembers.run(roomId);
  }
}
