import type { Reaction } from '../model/timeline';
import type { RawEvent } from '../protocol/events';
import { newContentOf, relationOf, type RelType, type Relation } from '../protocol/relations';
import type { Db } from './db';
import { parseEventRow, type EventDbRow, type EventRow } from './event-store';

/** An indexed relation. */
export type RelationRow = {
  eventId: string;
  roomId: string;
  relType: RelType;
  targetId: string;
  key?: string;
  sender: string;
  ts: number;
};

/** A thread root with its size and latest activity. */
export type ThreadRoot = { rootId: string; count: number; latestTs: number };

type Row = {
  event_id: string;
  room_id: string;
  rel_type: string;
  target_id: string;
  key: string | null;
  sender: string;
  ts: number;
};

const IN_TARGETS = 'target_id IN (SELECT value FROM json_each(?))';

const SQL = {
  insert: `INSERT INTO relations (event_id, room_id, rel_type, target_id, key, sender, ts)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
  get: 'SELECT * FROM relations WHERE event_id = ?',
  remove: 'DELETE FROM relations WHERE event_id = ?',
  annotations: `SELECT * FROM relations WHERE ${IN_TARGETS} AND rel_type = 'm.annotation'
                ORDER BY ts, event_id`,
  edits: `SELECT r.target_id AS edit_target, e.* FROM relations r
          JOIN events e ON e.event_id = r.event_id
          JOIN events o ON o.event_id = r.target_id
          WHERE r.${IN_TARGETS} AND r.rel_type = 'm.replace'
            AND e.sender = o.sender AND e.type = o.type AND e.redacted_by IS NULL`,
  threadRoots: `SELECT target_id, count(*) AS n, max(ts) AS latest FROM relations
                WHERE room_id = ? AND rel_type = 'm.thread'
                GROUP BY target_id ORDER BY latest DESC`,
  deleteRoom: 'DELETE FROM relations WHERE room_id = ?',
} as const;

function fromRow(r: Row): RelationRow {
  const rel: RelationRow = {
    eventId: r.event_id,
    roomId: r.room_id,
    relType: r.rel_type as RelType,
    targetId: r.target_id,
    sender: r.sender,
    ts: r.ts,
  };
  if (r.key !== null) rel.key = r.key;
  return rel;
}

/** Is `a` a later edit than `b` (spec: newest `origin_server_ts`, then event id)? */
function later(a: EventRow, b: EventRow): boolean {
  return a.ts !== b.ts ? a.ts > b.ts : a.eventId > b.eventId;
}

/**
 * The relations index (replies, edits, reactions, references, threads) and the aggregations the
 * timeline needs, each one indexed query for a whole page of targets.
 */
export class RelationStore {
  readonly #insert;
  readonly #get;
  readonly #remove;
  readonly #annotations;
  readonly #edits;
  readonly #threadRoots;
  readonly #deleteRoom;

  constructor(db: Db) {
    this.#insert = db.prepare(SQL.insert);
    this.#get = db.prepare<[string], Row>(SQL.get);
    this.#remove = db.prepare(SQL.remove);
    this.#annotations = db.prepare<[string], Row>(SQL.annotations);
    this.#edits = db.prepare<[string], EventDbRow & { edit_target: string }>(SQL.edits);
    this.#threadRoots = db.prepare<[string], { target_id: string; n: number; latest: number }>(
      SQL.threadRoots,
    );
    this.#deleteRoom = db.prepare(SQL.deleteRoom);
  }

  /** Indexes the event's relation, if it has one; returns it. */
  index(roomId: string, ev: RawEvent): Relation | undefined {
    const rel = relationOf(ev);
    if (!rel) return undefined;
    this.#insert.run(
      ev.event_id,
      roomId,
      rel.relType,
      rel.targetId,
      rel.key ?? null,
      ev.sender,
      ev.origin_server_ts,
    );
    return rel;
  }

  /** The indexed relation of a relating event. */
  get(eventId: string): RelationRow | undefined {
    const r = this.#get.get(eventId);
    return r ? fromRow(r) : undefined;
  }

  /** Drops a relating event from the index (it was redacted); returns what it was. */
  remove(eventId: string): RelationRow | undefined {
    const r = this.get(eventId);
    if (r) this.#remove.run(eventId);
    return r;
  }

  /**
   * Reactions on each of `targetIds`: per key, the distinct senders in order of reacting, their
   * count, and our own reaction's event id as `mine`. Keys are ordered by first use.
   */
  reactions(targetIds: readonly string[], ownUserId: string): Map<string, Reaction[]> {
    const out = new Map<string, Reaction[]>();
    if (targetIds.length === 0) return out;
    const byTarget = new Map<string, Map<string, Reaction>>();
    for (const r of this.#annotations.all(JSON.stringify(targetIds))) {
      if (r.key === null) continue;
      let keys = byTarget.get(r.target_id);
      if (!keys) byTarget.set(r.target_id, (keys = new Map()));
      let reaction = keys.get(r.key);
      if (!reaction) keys.set(r.key, (reaction = { key: r.key, count: 0, senders: [] }));
      if (reaction.senders.includes(r.sender)) continue;
      reaction.senders.push(r.sender);
      reaction.count++;
      if (r.sender === ownUserId) reaction.mine = r.event_id;
    }
    for (const [target, keys] of byTarget) out.set(target, [...keys.values()]);
    return out;
  }

  /**
   * The latest valid edit (`m.replace` by the original's sender, same type, not redacted, with
   * `m.new_content`) of each of `targetIds` we hold.
   */
  latestEdits(targetIds: readonly string[]): Map<string, EventRow> {
    const out = new Map<string, EventRow>();
    if (targetIds.length === 0) return out;
    for (const r of this.#edits.all(JSON.stringify(targetIds))) {
      const edit = parseEventRow(r);
      if (!newContentOf(edit)) continue;
      const best = out.get(r.edit_target);
      if (!best || later(edit, best)) out.set(r.edit_target, edit);
    }
    return out;
  }

  /** Every valid edit of `targetId` we hold (as {@link latestEdits} counts them), oldest first. */
  edits(targetId: string): EventRow[] {
    return this.#edits
      .all(JSON.stringify([targetId]))
      .map(parseEventRow)
      .filter((e) => newContentOf(e) !== undefined)
      .sort((a, b) => (later(a, b) ? 1 : -1));
  }

  /** The room's thread roots, most recently active first. */
  threadRoots(roomId: string): ThreadRoot[] {
    return this.#threadRoots
      .all(roomId)
      .map((r) => ({ rootId: r.target_id, count: r.n, latestTs: r.latest }));
  }

  /** Forgets every relation of a room. */
  deleteRoom(roomId: string): void {
    this.#deleteRoom.run(roomId);
  }
}
