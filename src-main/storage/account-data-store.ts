import type { JsonObject } from '../protocol/events';
import type { Db } from './db';

/** The room id under which global account data is stored. */
export const GLOBAL = '';

type Row = { room_id: string; type: string; content: string };

const SQL = {
  set: `INSERT INTO account_data (room_id, type, content) VALUES (?, ?, ?)
        ON CONFLICT (room_id, type) DO UPDATE SET content = excluded.content`,
  get: 'SELECT * FROM account_data WHERE room_id = ? AND type = ?',
  list: 'SELECT * FROM account_data WHERE room_id = ?',
  deleteRoom: 'DELETE FROM account_data WHERE room_id = ?',
} as const;

/** Account data, global (`m.direct`, `m.push_rules`…) and per room (`m.tag`, `m.fully_read`…). */
export class AccountDataStore {
  readonly #set;
  readonly #get;
  readonly #list;
  readonly #deleteRoom;

  constructor(db: Db) {
    this.#set = db.prepare(SQL.set);
    this.#get = db.prepare<[string, string], Row>(SQL.get);
    this.#list = db.prepare<[string], Row>(SQL.list);
    this.#deleteRoom = db.prepare(SQL.deleteRoom);
  }

  /** Replaces the content of `type` (global when `roomId` is {@link GLOBAL}). */
  set(roomId: string, type: string, content: JsonObject): void {
    this.#set.run(roomId, type, JSON.stringify(content));
  }

  /** The content of `type` (global when `roomId` is {@link GLOBAL}), if stored. */
  get(roomId: string, type: string): JsonObject | undefined {
    const r = this.#get.get(roomId, type);
    return r ? (JSON.parse(r.content) as JsonObject) : undefined;
  }

  /** All account data of a room (or global), by type. */
  list(roomId: string): Map<string, JsonObject> {
    return new Map(
      this.#list.all(roomId).map((r) => [r.type, JSON.parse(r.content) as JsonObject]),
    );
  }

  /** Forgets a room's account data (never the global one). */
  deleteRoom(roomId: string): void {
    if (roomId !== GLOBAL) this.#deleteRoom.run(roomId);
  }
}
