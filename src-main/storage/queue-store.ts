import type { LocalEchoState, QueueItem } from '../model/timeline';
import type { JsonObject } from '../protocol/events';
import type { Db } from './db';

/** An entry of the outgoing queue as stored. */
export type QueueRow = {
  localId: string;
  roomId: string;
  /** Fixed when queued: retries reuse it, so the server never duplicates the event. */
  txnId: string;
  kind: QueueItem['kind'];
  /** `m.room.message`, `m.reaction`, `m.room.redaction`… */
  eventType: string;
  content: JsonObject;
  /** What an edit, reaction or redaction points at. */
  targetEventId?: string;
  state: LocalEchoState;
  error?: string;
  attempts: number;
  createdTs: number;
  /** Set once the server accepted it. */
  eventId?: string;
};

/** Fields {@link QueueStore.update} can change; `error: null` clears the error. */
export type QueuePatch = {
  state?: LocalEchoState;
  error?: string | null;
  attempts?: number;
  eventId?: string;
};

type Row = {
  local_id: string;
  room_id: string;
  txn_id: string;
  kind: string;
  event_type: string;
  content: string;
  target_event_id: string | null;
  state: string;
  error: string | null;
  attempts: number;
  created_ts: number;
  event_id: string | null;
};

const ORDER = 'ORDER BY created_ts, rowid';

const SQL = {
  insert: `INSERT INTO outgoing (local_id, room_id, txn_id, kind, event_type, content,
             target_event_id, state, error, attempts, created_ts, event_id)
           VALUES (@local_id, @room_id, @txn_id, @kind, @event_type, @content, @target_event_id,
             @state, @error, @attempts, @created_ts, @event_id)`,
  get: 'SELECT * FROM outgoing WHERE local_id = ?',
  byTxn: 'SELECT * FROM outgoing WHERE txn_id = ?',
  list: `SELECT * FROM outgoing ${ORDER}`,
  listRoom: `SELECT * FROM outgoing WHERE room_id = ? ${ORDER}`,
  pending: `SELECT * FROM outgoing WHERE state = 'pending' ${ORDER}`,
  nextPending: `SELECT * FROM outgoing WHERE state = 'pending' ${ORDER} LIMIT 1`,
  update: `UPDATE outgoing SET
             state = coalesce(@state, state),
             attempts = coalesce(@attempts, attempts),
             event_id = coalesce(@event_id, event_id),
             error = CASE WHEN @set_error = 1 THEN @error ELSE error END
           WHERE local_id = @local_id`,
  delete: 'DELETE FROM outgoing WHERE local_id = ?',
} as const;

function fromRow(r: Row): QueueRow {
  const o: QueueRow = {
    localId: r.local_id,
    roomId: r.room_id,
    txnId: r.txn_id,
    kind: r.kind as QueueRow['kind'],
    eventType: r.event_type,
    content: JSON.parse(r.content) as JsonObject,
    state: r.state as LocalEchoState,
    attempts: r.attempts,
    createdTs: r.created_ts,
  };
  if (r.target_event_id !== null) o.targetEventId = r.target_event_id;
  if (r.error !== null) o.error = r.error;
  if (r.event_id !== null) o.eventId = r.event_id;
  return o;
}

/** The persisted outgoing queue (messages, edits, reactions, redactions). */
export class QueueStore {
  readonly #insert;
  readonly #get;
  readonly #byTxn;
  readonly #list;
  readonly #listRoom;
  readonly #pending;
  readonly #nextPending;
  readonly #update;
  readonly #delete;

  constructor(db: Db) {
    this.#insert = db.prepare<[Row]>(SQL.insert);
    this.#get = db.prepare<[string], Row>(SQL.get);
    this.#byTxn = db.prepare<[string], Row>(SQL.byTxn);
    this.#list = db.prepare<[], Row>(SQL.list);
    this.#listRoom = db.prepare<[string], Row>(SQL.listRoom);
    this.#pending = db.prepare<[], Row>(SQL.pending);
    this.#nextPending = db.prepare<[], Row>(SQL.nextPending);
    this.#update = db.prepare(SQL.update);
    this.#delete = db.prepare(SQL.delete);
  }

  /** Stores a new entry (its transaction id must be unique). */
  insert(o: QueueRow): void {
    this.#insert.run({
      local_id: o.localId,
      room_id: o.roomId,
      txn_id: o.txnId,
      kind: o.kind,
      event_type: o.eventType,
      content: JSON.stringify(o.content),
      target_event_id: o.targetEventId ?? null,
      state: o.state,
      error: o.error ?? null,
      attempts: o.attempts,
      created_ts: o.createdTs,
      event_id: o.eventId ?? null,
    });
  }

  /** An entry by local id. */
  get(localId: string): QueueRow | undefined {
    const r = this.#get.get(localId);
    return r ? fromRow(r) : undefined;
  }

  /** The entry sent with this transaction id (to retire it when its event syncs back). */
  byTxnId(txnId: string): QueueRow | undefined {
    const r = this.#byTxn.get(txnId);
    return r ? fromRow(r) : undefined;
  }

  /** Every entry (of one room when given), in the order queued. */
  list(roomId?: string): QueueRow[] {
    const rows = roomId === undefined ? this.#list.all() : this.#listRoom.all(roomId);
    return rows.map(fromRow);
  }

  /** Entries still to send, in the order queued. */
  listPending(): QueueRow[] {
    return this.#pending.all().map(fromRow);
  }

  /** The oldest entry still to send. */
  nextPending(): QueueRow | undefined {
    const r = this.#nextPending.get();
    return r ? fromRow(r) : undefined;
  }

  /** Changes the given fields; returns false when no such entry exists. */
  update(localId: string, patch: QueuePatch): boolean {
    const res = this.#update.run({
      local_id: localId,
      state: patch.state ?? null,
      attempts: patch.attempts ?? null,
      event_id: patch.eventId ?? null,
      set_error: 'error' in patch ? 1 : 0,
      error: patch.error ?? null,
    });
    return res.changes > 0;
  }

  /** Removes an entry (sent and synced back, or cancelled). */
  delete(localId: string): void {
    this.#delete.run(localId);
  }
}
