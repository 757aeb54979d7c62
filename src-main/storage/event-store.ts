import { createHash } from 'node:crypto';
import { isObject, type E2eeRecord, type JsonObject, type RawEvent } from '../protocol/events';
import { redactEvent, redactsOf } from '../protocol/redaction';
import { relationOf } from '../protocol/relations';
import { SENDER_NAME_KEY } from '../protocol/sender-names';
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
  /** Set when it arrived encrypted (`type`/`content` are then the decrypted ones, if any). */
  e2ee?: E2eeRecord;
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
  e2ee: string | null;
};

const SQL = {
  insert: `INSERT INTO events (event_id, room_id, type, sender, state_key, ts, content, unsigned,
             redacted_by, txn_id, e2ee)
           VALUES (@event_id, @room_id, @type, @sender, @state_key, @ts, @content, @unsigned,
             @redacted_by, @txn_id, @e2ee)
           ON CONFLICT (event_id) DO NOTHING`,
  addUndecrypted: `INSERT INTO undecrypted (event_id, room_id, session_id) VALUES (?, ?, ?)
                   ON CONFLICT (event_id) DO UPDATE SET session_id = excluded.session_id`,
  dropUndecrypted: 'DELETE FROM undecrypted WHERE event_id = ?',
  undecryptedBySession: `SELECT e.* FROM undecrypted u JOIN events e USING (event_id)
                         WHERE u.session_id IN (SELECT value FROM json_each(?))`,
  undecrypted: `SELECT e.* FROM undecrypted u JOIN events e USING (event_id)
                WHERE u.event_id > ? ORDER BY u.event_id LIMIT ?`,
  undecryptedPerSession: `SELECT e.*, f.session_id AS undecrypted_session FROM events e JOIN
                            (SELECT session_id, min(event_id) AS event_id FROM undecrypted
                             GROUP BY session_id) f USING (event_id)`,
  decrypted: `UPDATE events SET type = ?, content = ?, e2ee = ?
              WHERE event_id = ? AND redacted_by IS NULL`,
  setE2ee: 'UPDATE events SET e2ee = ? WHERE event_id = ?',
  addMegolm: `INSERT INTO megolm_messages (session_id, ciphertext_hash, event_id) VALUES (?, ?, ?)
              ON CONFLICT DO NOTHING`,
  megolmEvent: 'SELECT event_id FROM megolm_messages WHERE session_id = ? AND ciphertext_hash = ?',
  get: 'SELECT * FROM events WHERE event_id = ?',
  getMany: 'SELECT * FROM events WHERE event_id IN (SELECT value FROM json_each(?))',
  redact: `UPDATE events SET content = ?, unsigned = ?, redacted_by = ?, e2ee = NULL
           WHERE event_id = ?`,
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
  if (r.e2ee !== null) ev.e2ee = JSON.parse(r.e2ee) as E2eeRecord;
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

/** SHA-256 (base64) of an `m.room.encrypted` content's ciphertext, to recognise a replay. */
export function megolmHash(ciphertextContent: JsonObject): string | undefined {
  const c = ciphertextContent.ciphertext;
  if (typeof c !== 'string') return undefined;
  return createHash('sha256').update(c).digest('base64');
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
  readonly #addUndecrypted;
  readonly #dropUndecrypted;
  readonly #undecryptedBySession;
  readonly #undecrypted;
  readonly #undecryptedPerSession;
  readonly #decrypted;
  readonly #setE2ee;
  readonly #deleteRoomUndecrypted;
  readonly #addMegolm;
  readonly #megolmEvent;

  constructor(db: Db) {
    this.#insert = db.prepare(SQL.insert);
    this.#get = db.prepare<[string], EventDbRow>(SQL.get);
    this.#getMany = db.prepare<[string], EventDbRow>(SQL.getMany);
    this.#redact = db.prepare(SQL.redact);
    this.#deleteRoom = db.prepare(SQL.deleteRoom);
    this.#addUndecrypted = db.prepare(SQL.addUndecrypted);
    this.#dropUndecrypted = db.prepare(SQL.dropUndecrypted);
    this.#undecryptedBySession = db.prepare<[string], EventDbRow>(SQL.undecryptedBySession);
    this.#undecrypted = db.prepare<[string, number], EventDbRow>(SQL.undecrypted);
    this.#undecryptedPerSession = db.prepare<[], EventDbRow & { undecrypted_session: string }>(
      SQL.undecryptedPerSession,
    );
    this.#decrypted = db.prepare(SQL.decrypted);
    this.#setE2ee = db.prepare(SQL.setE2ee);
    this.#deleteRoomUndecrypted = db.prepare('DELETE FROM undecrypted WHERE room_id = ?');
    this.#addMegolm = db.prepare(SQL.addMegolm);
    this.#megolmEvent = db.prepare<[string, string], { event_id: string }>(SQL.megolmEvent);
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
      e2ee: ev.e2ee ? JSON.stringify(ev.e2ee) : null,
    });
    if (res.changes > 0) {
      if (ev.e2ee?.info.state === 'undecryptable' && ev.e2ee.sessionId && !redactedBy)
        this.#addUndecrypted.run(ev.event_id, roomId, ev.e2ee.sessionId);
      this.#recordMegolm(ev.event_id, ev.e2ee);
      return true;
    }
    if (redactedBy) {
      const stored = this.get(ev.event_id);
      if (stored && !stored.redactedBy) {
        this.#redact.run(
          JSON.stringify(ev.content),
          JSON.stringify(ev.unsigned),
          redactedBy,
          ev.event_id,
        );
        this.#dropUndecrypted.run(ev.event_id);
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
    // The sender's name of the time stays: "Message deleted" under the name it was sent with.
    const name = target.unsigned?.[SENDER_NAME_KEY];
    if (typeof name === 'string') redacted.unsigned![SENDER_NAME_KEY] = name;
    this.#redact.run(
      JSON.stringify(redacted.content),
      JSON.stringify(redacted.unsigned),
      redaction.event_id,
      targetId,
    );
    this.#dropUndecrypted.run(targetId);
    return target;
  }

  /** Forgets every event of a room. */
  deleteRoom(roomId: string): void {
    this.#deleteRoom.run(roomId);
    this.#deleteRoomUndecrypted.run(roomId);
  }

  /** Undecryptable events encrypted with any of these megolm sessions. */
  undecryptedBySession(sessionIds: readonly string[]): EventRow[] {
    if (sessionIds.length === 0) return [];
    return this.#undecryptedBySession.all(JSON.stringify(sessionIds)).map(parseEventRow);
  }

  /** A page of every undecryptable event, in event id order after `afterId` (`''` to start). */
  undecrypted(afterId: string, limit: number): EventRow[] {
    return this.#undecrypted.all(afterId, limit).map(parseEventRow);
  }

  /** One undecryptable event of each megolm session that has any, with that session. */
  undecryptedPerSession(): { sessionId: string; event: EventRow }[] {
    return this.#undecryptedPerSession
      .all()
      .map((r) => ({ sessionId: r.undecrypted_session, event: parseEventRow(r) }));
  }

  /**
   * Stores the decryption of a held undecryptable event: its decrypted type and content take
   * the place of the ciphertext (kept in `e2ee`), and it leaves the retry list. False when the
   * event is gone or was redacted meanwhile.
   */
  setDecrypted(eventId: string, type: string, content: JsonObject, e2ee: E2eeRecord): boolean {
    const res = this.#decrypted.run(type, JSON.stringify(content), JSON.stringify(e2ee), eventId);
    this.#dropUndecrypted.run(eventId);
    if (res.changes > 0) this.#recordMegolm(eventId, e2ee);
    return res.changes > 0;
  }

  /** Remembers which event a decrypted megolm message (session, ciphertext) was. */
  #recordMegolm(eventId: string, e2ee: E2eeRecord | undefined): void {
    if (e2ee?.info.state !== 'decrypted' || !e2ee.sessionId) return;
    const hash = megolmHash(e2ee.ciphertext);
    if (hash) this.#addMegolm.run(e2ee.sessionId, hash, eventId);
  }

  /** The event a megolm message (session, ciphertext hash) was first decrypted as. */
  megolmEvent(sessionId: string, ciphertextHash: string): string | undefined {
    return this.#megolmEvent.get(sessionId, ciphertextHash)?.event_id;
  }

  /** Updates why a held event is undecryptable (e.g. its key was withheld since). */
  setUndecryptable(eventId: string, e2ee: E2eeRecord): void {
    this.#setE2ee.run(JSON.stringify(e2ee), eventId);
  }
}
