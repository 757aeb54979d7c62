import type { RoomSummary } from '../model/room';
import type { StrippedStateEvent } from '../protocol/sync';
import type { Db } from './db';

/** A room's summary row, parsed. */
export type RoomRow = {
  roomId: string;
  membership: RoomSummary['membership'];
  /** The computed display name. */
  name: string;
  avatarUrl?: string;
  topic?: string;
  isEncrypted: boolean;
  isDirect: boolean;
  /** `m.heroes` as last sent by the server. */
  heroes: string[];
  joinedCount: number;
  invitedCount: number;
  notificationCount: number;
  highlightCount: number;
  lastActivityTs: number;
  /** Preview of the latest message, with its event id to notice its redaction. */
  lastMessage?: { sender: string; body: string; eventId: string };
  inviter?: string;
  /** Stripped state of an invite or knock. */
  inviteState?: StrippedStateEvent[];
  /** The full member list came from `/members`. */
  membersLoaded: boolean;
  tags: RoomSummary['tags'];
  markedUnread: boolean;
};

type Row = {
  room_id: string;
  membership: string;
  name: string;
  avatar_url: string | null;
  topic: string | null;
  is_encrypted: number;
  is_direct: number;
  heroes: string;
  joined_count: number;
  invited_count: number;
  notification_count: number;
  highlight_count: number;
  last_activity_ts: number;
  last_message: string | null;
  inviter: string | null;
  invite_state: string | null;
  members_loaded: number;
  tags: string;
  marked_unread: number;
};

const COLUMNS = `room_id, membership, name, avatar_url, topic, is_encrypted, is_direct, heroes,
  joined_count, invited_count, notification_count, highlight_count, last_activity_ts,
  last_message, inviter, invite_state, members_loaded, tags, marked_unread`;

const SQL = {
  get: 'SELECT * FROM rooms WHERE room_id = ?',
  list: 'SELECT * FROM rooms ORDER BY last_activity_ts DESC, room_id',
  listIn: `SELECT * FROM rooms WHERE room_id IN (SELECT value FROM json_each(?))
           ORDER BY last_activity_ts DESC, room_id`,
  ids: 'SELECT room_id FROM rooms',
  save: `INSERT OR REPLACE INTO rooms (${COLUMNS})
         VALUES (@room_id, @membership, @name, @avatar_url, @topic, @is_encrypted, @is_direct,
           @heroes, @joined_count, @invited_count, @notification_count, @highlight_count,
           @last_activity_ts, @last_message, @inviter, @invite_state, @members_loaded, @tags,
           @marked_unread)`,
  delete: 'DELETE FROM rooms WHERE room_id = ?',
} as const;

/** A fresh row for a room seen for the first time. */
export function newRoomRow(roomId: string, membership: RoomRow['membership']): RoomRow {
  return {
    roomId,
    membership,
    name: '',
    isEncrypted: false,
    isDirect: false,
    heroes: [],
    joinedCount: 0,
    invitedCount: 0,
    notificationCount: 0,
    highlightCount: 0,
    lastActivityTs: 0,
    membersLoaded: false,
    tags: {},
    markedUnread: false,
  };
}

function fromRow(r: Row): RoomRow {
  const room: RoomRow = {
    roomId: r.room_id,
    membership: r.membership as RoomRow['membership'],
    name: r.name,
    isEncrypted: r.is_encrypted === 1,
    isDirect: r.is_direct === 1,
    heroes: JSON.parse(r.heroes) as string[],
    joinedCount: r.joined_count,
    invitedCount: r.invited_count,
    notificationCount: r.notification_count,
    highlightCount: r.highlight_count,
    lastActivityTs: r.last_activity_ts,
    membersLoaded: r.members_loaded === 1,
    tags: JSON.parse(r.tags) as RoomRow['tags'],
    markedUnread: r.marked_unread === 1,
  };
  if (r.avatar_url !== null) room.avatarUrl = r.avatar_url;
  if (r.topic !== null) room.topic = r.topic;
  if (r.last_message !== null)
    room.lastMessage = JSON.parse(r.last_message) as RoomRow['lastMessage'];
  if (r.inviter !== null) room.inviter = r.inviter;
  if (r.invite_state !== null) {
    room.inviteState = JSON.parse(r.invite_state) as StrippedStateEvent[];
  }
  return room;
}

function toRow(room: RoomRow): Row {
  return {
    room_id: room.roomId,
    membership: room.membership,
    name: room.name,
    avatar_url: room.avatarUrl ?? null,
    topic: room.topic ?? null,
    is_encrypted: room.isEncrypted ? 1 : 0,
    is_direct: room.isDirect ? 1 : 0,
    heroes: JSON.stringify(room.heroes),
    joined_count: room.joinedCount,
    invited_count: room.invitedCount,
    notification_count: room.notificationCount,
    highlight_count: room.highlightCount,
    last_activity_ts: room.lastActivityTs,
    last_message: room.lastMessage ? JSON.stringify(room.lastMessage) : null,
    inviter: room.inviter ?? null,
    invite_state: room.inviteState ? JSON.stringify(room.inviteState) : null,
    members_loaded: room.membersLoaded ? 1 : 0,
    tags: JSON.stringify(room.tags),
    marked_unread: room.markedUnread ? 1 : 0,
  };
}

/** The `rooms` table: one summary row per room, what the room list shows. */
export class RoomStore {
  readonly #get;
  readonly #list;
  readonly #listIn;
  readonly #ids;
  readonly #save;
  readonly #delete;

  constructor(db: Db) {
    this.#get = db.prepare<[string], Row>(SQL.get);
    this.#list = db.prepare<[], Row>(SQL.list);
    this.#listIn = db.prepare<[string], Row>(SQL.listIn);
    this.#ids = db.prepare<[], { room_id: string }>(SQL.ids);
    this.#save = db.prepare<[Row]>(SQL.save);
    this.#delete = db.prepare(SQL.delete);
  }

  /** A room's row, if we know the room. */
  get(roomId: string): RoomRow | undefined {
    const r = this.#get.get(roomId);
    return r ? fromRow(r) : undefined;
  }

  /** Rooms by latest activity first; only `roomIds` when given. */
  list(roomIds?: readonly string[]): RoomRow[] {
    const rows = roomIds ? this.#listIn.all(JSON.stringify(roomIds)) : this.#list.all();
    return rows.map(fromRow);
  }

  /** Every room id we hold. */
  ids(): string[] {
    return this.#ids.all().map((r) => r.room_id);
  }

  /** Inserts or replaces the whole row. */
  save(room: RoomRow): void {
    this.#save.run(toRow(room));
  }

  /** Removes the room's row (see `deleteRoomData` for everything else). */
  delete(roomId: string): void {
    this.#delete.run(roomId);
  }
}
