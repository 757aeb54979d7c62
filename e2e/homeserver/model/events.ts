import { isObject, type JsonObject } from '../validate';
import { toJson } from '../json-text';

/** An event as stored and as clients see it (without `unsigned`, which is computed per reader). */
export type Pdu = {
  event_id: string;
  room_id: string;
  sender: string;
  type: string;
  state_key?: string;
  content: JsonObject;
  origin_server_ts: number;
  /** Room versions 1–10 keep the redacted event id here; 11 keeps it in `content.redacts`. */
  redacts?: string;
};

/** An event in the store with its bookkeeping. */
export type StoredEvent = {
  /** Position in the server's single stream. */
  pos: number;
  pdu: Pdu;
  /** The state event this one replaced, for `unsigned.prev_content`. */
  replaces?: string;
  /** Who sent it with which transaction id, for `unsigned.transaction_id`. */
  txn?: { deviceKey: string; txnId: string };
  /** The redaction event that stripped it. */
  redactedBy?: string;
};

/** `type` + NUL + `state_key`: the key of a piece of room state. */
export function stateKeyOf(type: string, stateKey: string): string {
  return `${type}\u0000${stateKey}`;
}

const KEPT_TOP = [
  'event_id',
  'type',
  'room_id',
  'sender',
  'state_key',
  'content',
  'hashes',
  'signatures',
  'depth',
  'prev_events',
  'auth_events',
  'origin_server_ts',
];

/** The redaction algorithm for the given room version (spec: "Redactions"). */
export function redact(pdu: Pdu, roomVersion: string): Pdu {
  const v = Number(roomVersion) || 1;
  const out: JsonObject = {};
  for (const k of KEPT_TOP) if (k in pdu) out[k] = (pdu as JsonObject)[k];
  if (v < 11 && pdu.redacts !== undefined) out.redacts = pdu.redacts;
  out.content = redactContent(pdu.type, pdu.content, v);
  return out as Pdu;
}

function pick(c: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (k in c) out[k] = c[k];
  return out;
}

function redactContent(type: string, c: JsonObject, v: number): JsonObject {
  switch (type) {
    case 'm.room.member': {
      const out = pick(
        c,
        v >= 9 ? ['membership', 'join_authorised_via_users_server'] : ['membership'],
      );
      if (v >= 11 && isObject(c.third_party_invite) && 'signed' in c.third_party_invite) {
        out.third_party_invite = { signed: c.third_party_invite.signed };
      }
      return out;
    }
    case 'm.room.create':
      return v >= 11 ? { ...c } : pick(c, ['creator']);
    case 'm.room.join_rules':
      return pick(c, v >= 8 ? ['join_rule', 'allow'] : ['join_rule']);
    case 'm.room.power_levels': {
      const keys = [
        'ban',
        'events',
        'events_default',
        'kick',
        'redact',
        'state_default',
        'users',
        'users_default',
      ];
      if (v >= 11) keys.push('invite');
      return pick(c, keys);
    }
    case 'm.room.history_visibility':
      return pick(c, ['history_visibility']);
    case 'm.room.aliases':
      return v <= 5 ? pick(c, ['aliases']) : {};
    case 'm.room.redaction':
      return v >= 11 ? pick(c, ['redacts']) : {};
    default:
      return {};
  }
}

/** The id of the event a redaction targets, in any room version. */
export function redactsOf(pdu: Pdu): string | undefined {
  if (typeof pdu.redacts === 'string') return pdu.redacts;
  return typeof pdu.content.redacts === 'string' ? pdu.content.redacts : undefined;
}

/** `m.relates_to` of an event, when well formed. */
export function relationOf(pdu: Pdu): { relType: string; eventId: string } | undefined {
  const r = pdu.content['m.relates_to'];
  if (!isObject(r) || typeof r.event_id !== 'string' || typeof r.rel_type !== 'string')
    return undefined;
  return { relType: r.rel_type, eventId: r.event_id };
}

/** Canonical JSON size in bytes, for the 64 KiB event limit. */
export function eventSize(pdu: Pdu): number {
  return Buffer.byteLength(toJson(pdu));
}
