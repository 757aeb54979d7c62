/**
 * The redaction algorithm (spec: "Redactions", per room version): which parts of an event
 * survive once it is redacted.
 *
 * @packageDocumentation
 */
import { isObject, type JsonObject, type RawEvent } from './events';

/** The latest redaction rules this client knows (room versions 11 and 12 share them). */
const LATEST_RULES = 11;

/**
 * The rule set of a room version: `1`…`12` as numbers. Unknown (e.g. experimental) versions
 * get the latest rules, which keep the least.
 */
export function redactionRules(roomVersion: string | undefined): number {
  if (roomVersion === undefined || roomVersion === '') return 1;
  if (!/^\d+$/.test(roomVersion)) return LATEST_RULES;
  const v = Number(roomVersion);
  return v >= LATEST_RULES ? LATEST_RULES : Math.max(1, v);
}

function pick(c: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (k in c) out[k] = c[k];
  return out;
}

const POWER_KEYS = [
  'ban',
  'events',
  'events_default',
  'kick',
  'redact',
  'state_default',
  'users',
  'users_default',
];

function memberContent(c: JsonObject, v: number): JsonObject {
  const out = pick(c, v >= 9 ? ['membership', 'join_authorised_via_users_server'] : ['membership']);
  const tpi = c.third_party_invite;
  if (v >= 11 && isObject(tpi) && 'signed' in tpi) out.third_party_invite = { signed: tpi.signed };
  return out;
}

/** The content that survives redaction of an event of `type` in a room of `roomVersion`. */
export function redactContent(type: string, content: JsonObject, roomVersion?: string): JsonObject {
  const v = redactionRules(roomVersion);
  switch (type) {
    case 'm.room.member':
      return memberContent(content, v);
    case 'm.room.create':
      return v >= 11 ? { ...content } : pick(content, ['creator']);
    case 'm.room.join_rules':
      return pick(content, v >= 8 ? ['join_rule', 'allow'] : ['join_rule']);
    case 'm.room.power_levels':
      return pick(content, v >= 11 ? [...POWER_KEYS, 'invite'] : POWER_KEYS);
    case 'm.room.history_visibility':
      return pick(content, ['history_visibility']);
    case 'm.room.aliases':
      return v <= 5 ? pick(content, ['aliases']) : {};
    case 'm.room.redaction':
      return v >= 11 ? pick(content, ['redacts']) : {};
    default:
      return {};
  }
}

/**
 * The redacted form of `event`: content stripped per the room version, top-level fields the
 * client API does not protect (`redacts` in versions 1–10, `unsigned`) dropped, and
 * `unsigned.redacted_because` set to the redaction when given.
 */
export function redactEvent(event: RawEvent, roomVersion?: string, because?: RawEvent): RawEvent {
  const out: RawEvent = {
    event_id: event.event_id,
    type: event.type,
    sender: event.sender,
    origin_server_ts: event.origin_server_ts,
    content: redactContent(event.type, event.content, roomVersion),
  };
  if (event.state_key !== undefined) out.state_key = event.state_key;
  if (because) out.unsigned = { redacted_because: because };
  return out;
}

/** The event an `m.room.redaction` redacts: top-level `redacts` (v1–10) or `content.redacts`. */
export function redactsOf(event: {
  type: string;
  content: JsonObject;
  redacts?: string;
}): string | undefined {
  if (event.type !== 'm.room.redaction') return undefined;
  if (typeof event.redacts === 'string' && event.redacts !== '') return event.redacts;
  const c = event.content.redacts;
  return typeof c === 'string' && c !== '' ? c : undefined;
}
