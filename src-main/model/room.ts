/**
 * Rooms and their members (types only).
 *
 * @packageDocumentation
 */

import type { RoomId, UserId } from './ids';

/** Unread counts of a room. */
export type UnreadCounts = { notifications: number; highlights: number };

/** A room as the room list shows it. */
export type RoomSummary = {
  roomId: RoomId;
  /** Computed as the spec says: name, canonical alias, heroes, or "Empty room". */
  name: string;
  avatarUrl?: string;
  topic?: string;
  membership: 'join' | 'invite' | 'leave' | 'knock' | 'ban';
  /** In `m.direct`, or invited with `is_direct`. */
  isDirect: boolean;
  isEncrypted: boolean;
  /** `m.tag` tags, e.g. `m.favourite`, `m.lowpriority`. */
  tags: Record<string, { order?: number }>;
  /** Timestamp of the latest event, for sorting by activity. */
  lastActivityTs: number;
  unread: UnreadCounts;
  /** `m.marked_unread` set by the user. */
  markedUnread: boolean;
  joinedMembers: number;
  invitedMembers: number;
  /** For invites: who invited us. */
  inviter?: UserId;
  /** For invites: the inviter's display name, from the invite's stripped state. */
  inviterName?: string;
  /**
   * For a direct chat with one other person: that person (the room shows their avatar, in
   * their colour, as everywhere else they appear).
   */
  directUserId?: UserId;
  /** A short preview of the latest message. */
  lastMessage?: { sender: UserId; body: string };
};

/** A member of a room. */
export type Member = {
  userId: UserId;
  displayName?: string;
  avatarUrl?: string;
  membership: 'join' | 'invite' | 'leave' | 'knock' | 'ban';
  powerLevel: number;
};

/** Options for creating a room. */
export type NewRoom = {
  name?: string;
  topic?: string;
  invite?: UserId[];
  /** A direct chat with the invitees (recorded in `m.direct`). */
  isDirect?: boolean;
  /** Defaults to true for private rooms and direct chats, false for public rooms. */
  encrypted?: boolean;
  public?: boolean;
  aliasName?: string;
};
