import type { JsonObject } from '../validate';
import { relationOf, type Pdu, type StoredEvent } from './events';
import type { Room } from './room';

/**
 * Who reads the event, and when: the transaction id is only shown to the device that sent it,
 * and `unsigned.age` counts up to `now` (the server's clock).
 */
export type Reader = { userId: string; deviceKey?: string; now: number };

/**
 * The event as the client-server API gives it (spec: `ClientEvent`), with `unsigned`
 * computed for this reader: age, transaction_id, prev_content, redacted_because and bundled
 * aggregations (`m.replace`, `m.thread`, `m.reference`).
 */
export function clientEvent(
  room: Room,
  se: StoredEvent,
  reader: Reader,
  withRoomId = true,
): JsonObject {
  const out: JsonObject = { ...se.pdu };
  if (!withRoomId) delete out.room_id;
  const unsigned: JsonObject = { age: Math.max(0, reader.now - se.pdu.origin_server_ts) };
  if (se.txn && reader.deviceKey && se.txn.deviceKey === reader.deviceKey) {
    unsigned.transaction_id = se.txn.txnId;
  }
  if (se.replaces) {
    const prev = room.event(se.replaces);
    unsigned.replaces_state = se.replaces;
    if (prev) {
      unsigned.prev_content = prev.pdu.content;
      unsigned.prev_sender = prev.pdu.sender;
    }
  }
  if (se.redactedBy) {
    const r = room.event(se.redactedBy);
    if (r) unsigned.redacted_because = { ...r.pdu };
  } else {
    const rel = bundledRelations(room, se.pdu, reader);
    if (rel) unsigned['m.relations'] = rel;
  }
  out.unsigned = unsigned;
  return out;
}

function bundledRelations(room: Room, parent: Pdu, reader: Reader): JsonObject | undefined {
  const children = room.relations.get(parent.event_id);
  if (!children) return undefined;
  let edit: Pdu | undefined;
  let threadLatest: StoredEvent | undefined;
  let threadCount = 0;
  let participated = false;
  const refs: JsonObject[] = [];
  for (const id of children) {
    const child = room.event(id);
    if (!child || child.redactedBy) continue;
    const rel = relationOf(child.pdu);
    if (!rel) continue;
    if (rel.relType === 'm.replace') {
      if (child.pdu.sender !== parent.sender || child.pdu.type !== parent.type) continue;
      if (!edit || newer(child.pdu, edit)) edit = child.pdu;
    } else if (rel.relType === 'm.thread') {
      threadCount++;
      threadLatest = child;
      if (child.pdu.sender === reader.userId) participated = true;
    } else if (rel.relType === 'm.reference') {
      refs.push({ event_id: child.pdu.event_id });
    }
  }
  if (parent.sender === reader.userId && threadCount > 0) participated = true;
  const out: JsonObject = {};
  if (edit) out['m.replace'] = { ...edit };
  if (threadLatest) {
    out['m.thread'] = {
      latest_event: clientEvent(room, threadLatest, reader),
      count: threadCount,
      current_user_participated: participated,
    };
  }
  if (refs.length) out['m.reference'] = { chunk: refs };
  return Object.keys(out).length ? out : undefined;
}

function newer(a: Pdu, b: Pdu): boolean {
  if (a.origin_server_ts !== b.origin_server_ts) return a.origin_server_ts > b.origin_server_ts;
  return a.event_id > b.event_id;
}

/** Stripped state (spec: `StrippedStateEvent`) for invites and knocks. */
export function strippedState(room: Room): JsonObject[] {
  const out: JsonObject[] = [];
  for (const type of [
    'm.room.create',
    'm.room.join_rules',
    'm.room.name',
    'm.room.avatar',
    'm.room.canonical_alias',
    'm.room.encryption',
    'm.room.topic',
  ]) {
    const e = room.stateEvent(type, '');
    if (e) out.push({ type: e.type, state_key: e.state_key, sender: e.sender, content: e.content });
  }
  return out;
}

/** Sync / pagination tokens: `s<pos>`. */
export function token(pos: number): string {
  return `s${pos}`;
}

/**
 * A `/sync` `next_batch`: the stream position, plus where to-device delivery stopped when the
 * device had more messages than one response carries (`s<pos>_td<pos>`).
 */
export function syncToken(pos: number, toDeviceUpTo?: number): string {
  return toDeviceUpTo === undefined ? token(pos) : `${token(pos)}_td${toDeviceUpTo}`;
}

/** The to-device position of a `syncToken()`, when it has one. */
export function toDevicePart(t: string): number | undefined {
  const m = /_td(\d{1,15})$/.exec(t);
  return m ? Number(m[1]) : undefined;
}

/** Parses a token from `token()` (a bare number is accepted too); undefined when malformed. */
export function parseToken(t: string): number | undefined {
  const m = /^[st]?(\d{1,15})(_.*)?$/.exec(t);
  return m ? Number(m[1]) : undefined;
}
