import type { Db } from './db';

/** A stored read receipt. */
export type ReceiptRow = {
  roomId: string;
  /** `m.read` or `m.read.private`. */
  type: string;
  /** The thread root or `main`; `''` for an unthreaded receipt. */
  threadId: string;
  userId: string;
  eventId: string;
  ts: number;
};

type Row = {
  room_id: string;
  receipt_type: string;
  thread_id: string;
  user_id: string;
  event_id: string;
  ts: number;
};

const SQL = {
  upsert: `INSERT INTO receipts (room_id, receipt_type, thread_id, user_id, event_id, ts)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (room_id, receipt_type, thread_id, user_id)
           DO UPDATE SET event_id = excluded.event_id, ts = excluded.ts`,
  get: `SELECT * FROM receipts WHERE room_id = ? AND receipt_type = ? AND thread_id = ?
        AND user_id = ?`,
  forRoom: 'SELECT * FROM receipts WHERE room_id = ? AND receipt_type = ?',
  forEvents: `SELECT * FROM receipts WHERE room_id = ?
              AND event_id IN (SELECT value FROM json_each(?))`,
  deleteRoom: 'DELETE FROM receipts WHERE room_id = ?',
} as const;

function fromRow(r: Row): ReceiptRow {
  return {
    roomId: r.room_id,
    type: r.receipt_type,
    threadId: r.thread_id,
    userId: r.user_id,
    eventId: r.event_id,
    ts: r.ts,
  };
}

/** Read receipts: the latest per room, type, thread and user. */
export class ReceiptStore {
  readonly #upsert;
  readonly #get;
  readonly #forRoom;
  readonly #forEvents;
  readonly #deleteRoom;

  constructor(db: Db) {
    this.#upsert = db.prepare(SQL.upsert);
    this.#get = db.prepare<[string, string, string, string], Row>(SQL.get);
    this.#forRoom = db.prepare<[string, string], Row>(SQL.forRoom);
    this.#forEvents = db.prepare<[string, string], Row>(SQL.forEvents);
    this.#deleteRoom = db.prepare(SQL.deleteRoom);
  }

  /** Records a receipt, replacing the user's previous one of that type and thread. */
  set(r: Omit<ReceiptRow, 'threadId'> & { threadId?: string }): void {
    this.#upsert.run(r.roomId, r.type, r.threadId ?? '', r.userId, r.eventId, r.ts);
  }

  /** A user's receipt of `type` (unthreaded unless `threadId`). */
  get(roomId: string, userId: string, type = 'm.read', threadId = ''): ReceiptRow | undefined {
    const r = this.#get.get(roomId, type, threadId, userId);
    return r ? fromRow(r) : undefined;
  }

  /** Every receipt of `type` in a room. */
  forRoom(roomId: string, type = 'm.read'): ReceiptRow[] {
    return this.#forRoom.all(roomId, type).map(fromRow);
  }

  /** Receipts (any type) pointing at `eventIds`, for read markers under messages. */
  forEvents(roomId: string, eventIds: readonly string[]): ReceiptRow[] {
    if (eventIds.length === 0) return [];
    return this.#forEvents.all(roomId, JSON.stringify(eventIds)).map(fromRow);
  }

  /** Forgets every receipt of a room. */
  deleteRoom(roomId: string): void {
    this.#deleteRoom.run(roomId);
  }
}
