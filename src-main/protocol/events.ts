/**
 * Room events as the client-server API delivers them (`ClientEventWithoutRoomID`), and the
 * validation that keeps malformed ones out of the rest of the client.
 *
 * @packageDocumentation
 */
import type { EncryptionInfo } from '../model/e2ee';
import { jsonLimitProblem } from './json-limits';

/** A JSON object (never an array or null). */
export type JsonObject = Record<string, unknown>;

/** A room event as received from `/sync`, `/messages` or `/context`. */
export type RawEvent = {
  /** `$opaque`, globally unique. */
  event_id: string;
  type: string;
  sender: string;
  /** Milliseconds since the epoch on the originating server. */
  origin_server_ts: number;
  content: JsonObject;
  /** Present if and only if this is a state event (often `''`). */
  state_key?: string;
  /** Server-computed extras: `age`, `transaction_id`, `prev_content`, `redacted_because`… */
  unsigned?: JsonObject;
  /** The redacted event of an `m.room.redaction` in room versions 1–10. */
  redacts?: string;
  /**
   * Local, never from the wire: set on an event that arrived encrypted once the crypto layer
   * tried it (`type`/`content` are then the decrypted ones, or still the ciphertext).
   */
  e2ee?: E2eeRecord;
};

/** What the crypto layer learned about an event that arrived as `m.room.encrypted`. */
export type E2eeRecord = {
  info: EncryptionInfo;
  /** The `m.room.encrypted` content as received. */
  ciphertext: JsonObject;
  /** The megolm session it was encrypted with. */
  sessionId?: string;
};

/** Events larger than this (as JSON) are refused, as the spec caps PDUs at 64 KiB. */
export const MAX_EVENT_BYTES = 64 * 1024;

/** True for a plain JSON object. */
export function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `x` if it is a string, else undefined. */
export function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

/** `x` if it is a finite number, else undefined. */
export function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

/** The strings of `x` when it is an array (other items dropped), else `[]`. */
export function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : [];
}

function fieldProblem(x: JsonObject): string | undefined {
  if (typeof x.event_id !== 'string' || x.event_id === '') return 'missing or invalid event_id';
  if (typeof x.type !== 'string' || x.type === '') return 'missing or invalid type';
  if (typeof x.sender !== 'string' || x.sender === '') return 'missing or invalid sender';
  if (num(x.origin_server_ts) === undefined) return 'missing or invalid origin_server_ts';
  if (!isObject(x.content)) return 'content is not an object';
  if ('state_key' in x && x.state_key !== undefined && typeof x.state_key !== 'string')
    return 'state_key is not a string';
  if ('unsigned' in x && x.unsigned !== undefined && !isObject(x.unsigned))
    return 'unsigned is not an object';
  if ('redacts' in x && x.redacts !== undefined && typeof x.redacts !== 'string')
    return 'redacts is not a string';
  return undefined;
}

/**
 * Checks that `x` is a well-formed room event. Returns the event (with only the known fields)
 * or, when it is malformed, a short reason: a missing or wrongly typed field, a `content` that
 * is not an object, an event over {@link MAX_EVENT_BYTES}, or one nested deeper than
 * `MAX_JSON_DEPTH` levels (`json-limits.ts`). Never recurses into the event, so any parsed value is safe.
 */
export function validateEvent(x: unknown): RawEvent | string {
  if (!isObject(x)) return 'event is not an object';
  const problem = fieldProblem(x);
  if (problem) return problem;
  const limit = jsonLimitProblem(x, MAX_EVENT_BYTES);
  if (limit) return `event is ${limit}`;
  const ev: RawEvent = {
    event_id: x.event_id as string,
    type: x.type as string,
    sender: x.sender as string,
    origin_server_ts: x.origin_server_ts as number,
    content: x.content as JsonObject,
  };
  if (typeof x.state_key === 'string') ev.state_key = x.state_key;
  if (isObject(x.unsigned)) ev.unsigned = x.unsigned;
  if (typeof x.redacts === 'string') ev.redacts = x.redacts;
  return ev;
}

/** Validates a list of events, returning the good ones and a reason for each bad one. */
export function validateEvents(list: unknown): {
  events: RawEvent[];
  bad: { eventId?: string; reason: string }[];
} {
  const events: RawEvent[] = [];
  const bad: { eventId?: string; reason: string }[] = [];
  if (list === undefined) return { events, bad };
  if (!Array.isArray(list)) return { events, bad: [{ reason: 'events is not a list' }] };
  for (const item of list) {
    const v = validateEvent(item);
    if (typeof v === 'string') {
      const eventId = isObject(item) ? str(item.event_id) : undefined;
      bad.push(eventId ? { eventId, reason: v } : { reason: v });
    } else events.push(v);
  }
  return { events, bad };
}
