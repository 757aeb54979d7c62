import { isObject, type JsonObject, type RawEvent } from '../protocol/events';
import { redactEvent, redactsOf } from '../protocol/redaction';
import { relationOf } from '../protocol/relations';
import type { Db } from './db';

/** An event as stored (timeline or state), content already parsed. */
export type EventRow = {
  eventId: string;
  roomId: string;
  type: string;
  sender: string;
  /** Set for state events. */
  stateKey?: string;
  /** `origin_server_ts`. */
  ts: number;
  /** Redacted content once redacted. */
  content: JsonObject;
  unsigned?: JsonObject;
  /** The redaction that stripped it. */
  redactedBy?: string;
  /** `unsigned.transaction_id`: we sent it, from this device. */
  txnId?: string;
};

/** `unsigned` as stored: without `age`, which is stale the moment it is written. */
function storedUnsigned(u: JsonObject | undefined): string | null {
  if (!u) return null;
  let keys = 0;
  for (const k in u) if (k !== 'age') keys++;
  if (keys === 0) return null;
  // Only the top-level `age`: a key of that name inside `prev_content` is data.
  return JSON.stringify(u, function (this: unknown, k: string, v: unknown) {
    return this === u && k === 'age' ? undefined : v;
  });
}

/** An `events` row as SQLite returns it. */
export type EventDbRow = {
  event_id: string;
  room_id: string;
  type: string;
  sender: string;
  state_key: string | null;
  ts: number;
  content: string;
  unsigned: string | null;
  redacted_by: string | null;
  txn_id: string | null;
};

const SQL = {
  insert: `INSERT INTO events (event_id, room_id, type, sender, state_key, ts, content, unsigned,
             redacted_by, txn_id)
           VALUES (@event_id, @room_id, @type, @sender, @state_key, @ts, @content, @unsigned,
             @redacted_by, @txn_id)
           ON CONFLICT (event_id) DO NOTHING`,
  get: 'SELECT * FROM events WHERE event_id = ?',
  getMany: 'SELECT * FROM events WHERE event_id IN (SELECT value FROM json_each(?))',
  redact: 'UPDATE events SET content = ?, unsigned = ?, redacted_by = ? WHERE event_id = ?',
  deleteRoom: 'DELETE FROM events WHERE room_id = ?',
} as const;

/**
 * Local key in a redacted event's `unsigned`: the relation type it had (`m.replace`,
 * `m.annotation`), so a redacted edit or reaction stays out of the timeline.
 */
export const REDACTED_RELATION_KEY = 'lightmatrix.redacted_relation';

/** Parses an `events` row (also selected through joins by other stores). */
export function parseEventRow(r: EventDbRow): EventRow {
  const ev: EventRow = {
    eventId: r.event_id,
    roomId: r.room_id,
    type: r.type,
    sender: r.sender,
    ts: r.ts,
    content: JSON.parse(r.content) as JsonObject,
  };
  if (r.state_key !== null) ev.stateKey = r.state_key;
  if (r.unsigned !== null) ev.unsigned = JSON.parse(r.unsigned) as JsonObject;
  if (r.redacted_by !== null) ev.redactedBy = r.redacted_by;
  if (r.txn_id !== null) ev.txnId = r.txn_id;
  return ev;
}

/** The stored event back in its wire form (for redaction and re-display). */
export function toRawEvent(e: EventRow): RawEvent {
  const raw: RawEvent = {
    event_id: e.eventId,
    type: e.type,
    sender: e.sender,
    origin_server_ts: e.ts,
    content: e.content,
  };
  if (e.stateKey !== undefined) raw.state_key = e.stateKey;
  if (e.unsigned) raw.unsigned = e.unsigned;
  return raw;
}

function redactedByOf(ev: RawEvent): string | undefined {
  const rb = ev.unsigned?.redacted_because;
  return isObject(rb) && typeof rb.event_id === 'string' ? rb.event_id : undefined;
}

/**
 * The `events` table: every event we hold, timeline or state. Writes are synchronous and meant
 * to run inside the caller's transaction.
 */
export class EventStore {
  readonly #insert;
  readonly #get;
  readonly #getMany;
  readonly #redact;
  readonly #deleteRoom;

  constructor(db: Db) {
    this.#insert = db.prepare(SQL.insert);
    this.#get = db.prepare<[string], EventDbRow>(SQL.get);
    this.#getMany = db.prepare<[string], EventDbRow>(SQL.getMany);
    this.#redact = db.prepare(SQL.redact);
    this.#deleteRoom = db.prepare(SQL.deleteRoom);
  }

  /**
   * Stores an event of `roomId`; returns false if it was already stored. A copy the server sent
   * already redacted (`unsigned.redacted_because`) replaces an unredacted stored one.
   */
  insert(roomId: string, ev: RawEvent): boolean {
    const redactedBy = redactedByOf(ev);
    const txn = ev.unsigned?.transaction_id;
    const res = this.#insert.run({
      event_id: ev.event_id,
      room_id: roomId,
      type: ev.type,
      sender: ev.sender,
      state_key: ev.state_key ?? null,
      ts: ev.origin_server_ts,
      content: JSON.stringify(ev.content),
      unsigned: storedUnsigned(ev.unsigned),
      redacted_by: redactedBy ?? null,
      txn_id: typeof txn === 'string' ? txn : null,
    });
    if (res.changes > 0) return true;
    if (redactedBy) {
      const stored = this.get(ev.event_id);
      if (stored && !stored.redactedBy) {
        this.#redact.run(
          JSON.stringify(ev.content),
          JSON.stringify(ev.unsigned),
          redactedBy,
          ev.event_id,
        );
      }
    }
    return false;
  }

  /** A stored event by id. */
  get(eventId: string): EventRow | undefined {
    const r = this.#get.get(eventId);
    return r ? parseEventRow(r) : undefined;
  }

  /** The stored events among `ids`, in no particular order (one indexed query). */
  getMany(ids: readonly string[]): EventRow[] {
    if (ids.length === 0) return [];
    return this.#getMany.all(JSON.stringify(ids)).map(parseEventRow);
  }

  /**
   * Applies an `m.room.redaction` to its target if we hold it (in the same room and not yet
   * redacted): content rewritten by the room version's algorithm, `redacted_by` set. Returns the
   * target as it was before, or undefined when nothing changed.
   */
  applyRedaction(roomId: string, redaction: RawEvent, roomVersion?: string): EventRow | undefined {
    const targetId = redactsOf(redaction);
    if (!targetId) return undefined;
    const target = this.get(targetId);
    if (!target || target.roomId !== roomId || target.redactedBy) return undefined;
    const because: RawEvent = { ...redaction };
    delete because.unsigned;
    const redacted = redactEvent(toRawEvent(target), roomVersion, because);
    const rel = relationOf(target)?.relType;
    if (rel === 'm.replace' || rel === 'm.annotation')
      redacted.unsigned![REDACTED_RELATION_KEY] = rel;
    this.#redact.run(
      JSON.stringify(redacted.content),
      JSON.stringify(redacted.unsigned),
      redaction.event_id,
      targetId,
    );
    return target;
  }

  /** Forgets every event of a room. */
  deleteRoom(roomId: string): void {
    this.#deleteRoom.run(roomId);
  }
}
