/**
 * A `/sync` response in, typed changes out. Pure: no I/O, never throws on bad pieces (they go
 * to `skipped` and the rest is kept), only on a response that is not a sync response at all.
 *
 * @packageDocumentation
 */
import { isObject, num, str, strings, type JsonObject } from './events';
import { jsonLimitProblem } from './json-limits';
import {
  accountDataList,
  parseRoom,
  type Membership,
  type RoomChanges,
  type Skipped,
} from './sync-room';

/** The per-room types, re-exported so callers import from one module. */
export type {
  AccountDataEvent,
  Membership,
  ReceiptChange,
  RoomChanges,
  Skipped,
  StrippedStateEvent,
} from './sync-room';

/** A to-device message (no event id, no room). */
export type ToDeviceEvent = { type: string; sender: string; content: JsonObject };

/** Everything a `/sync` response changes. */
export type SyncChanges = {
  /** `next_batch`: the `since` of the next request, stored with the response's changes. */
  nextBatch: string;
  rooms: RoomChanges[];
  /** Global account data. */
  accountData: { type: string; content: JsonObject }[];
  toDevice: ToDeviceEvent[];
  deviceLists: { changed: string[]; left: string[] };
  /** `device_one_time_keys_count` (empty when not given). */
  otkCounts: Record<string, number>;
  /** `device_unused_fallback_key_types`, when given. */
  unusedFallbackKeyTypes?: string[];
  skipped: Skipped[];
};

/** The one filter uploaded per account: lazy-loaded members, a modest timeline per room. */
export const SYNC_FILTER = {
  room: {
    state: { lazy_load_members: true },
    timeline: { limit: 20, lazy_load_members: true },
    include_leave: true,
  },
};

/**
 * The largest to-device message taken (as JSON). The spec sets no limit; what the crypto layer
 * receives this way (Olm-encrypted room keys, key requests, verification steps) is a few KB.
 */
export const MAX_TO_DEVICE_BYTES = 256 * 1024;

/** Thrown when a response has no `next_batch`: it cannot be stored or continued from. */
export class InvalidSyncResponse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSyncResponse';
  }
}

const SECTIONS: Membership[] = ['join', 'invite', 'leave', 'knock'];

function parseRooms(rooms: unknown, skipped: Skipped[]): RoomChanges[] {
  if (rooms === undefined) return [];
  if (!isObject(rooms)) {
    skipped.push({ reason: 'rooms is not an object' });
    return [];
  }
  const out: RoomChanges[] = [];
  for (const membership of SECTIONS) {
    const section = rooms[membership];
    if (section === undefined) continue;
    if (!isObject(section)) {
      skipped.push({ reason: `rooms.${membership} is not an object` });
      continue;
    }
    for (const [roomId, raw] of Object.entries(section)) {
      if (!roomId.startsWith('!')) {
        skipped.push({ roomId, reason: `rooms.${membership}: not a room id` });
      } else if (!isObject(raw)) {
        skipped.push({ roomId, reason: `rooms.${membership}: room is not an object` });
      } else out.push(parseRoom(roomId, membership, raw, skipped));
    }
  }
  return out;
}

function parseToDevice(td: unknown, skipped: Skipped[]): ToDeviceEvent[] {
  const list = isObject(td) ? td.events : undefined;
  if (td === undefined || !Array.isArray(list)) {
    if (td !== undefined) skipped.push({ reason: 'to_device has no events list' });
    return [];
  }
  const out: ToDeviceEvent[] = [];
  for (const e of list) {
    if (
      !isObject(e) ||
      typeof e.type !== 'string' ||
      typeof e.sender !== 'string' ||
      !isObject(e.content)
    ) {
      skipped.push({ reason: 'malformed to-device event' });
      continue;
    }
    const limit = jsonLimitProblem(e.content, MAX_TO_DEVICE_BYTES);
    if (limit)
      skipped.push({ reason: `to-device ${e.type} from ${e.sender}: content is ${limit}` });
    else out.push({ type: e.type, sender: e.sender, content: e.content });
  }
  return out;
}

function parseCounts(x: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObject(x)) return out;
  for (const [k, v] of Object.entries(x)) {
    const n = num(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

function fallbackTypes(json: JsonObject): string[] | undefined {
  const stable = json.device_unused_fallback_key_types;
  const unstable = json['org.matrix.msc2732.device_unused_fallback_key_types'];
  if (Array.isArray(stable)) return strings(stable);
  if (Array.isArray(unstable)) return strings(unstable);
  return undefined;
}

/**
 * Parses a `/sync` response into {@link SyncChanges}. Malformed rooms, events and other pieces
 * are dropped into `skipped` with a reason; everything else is kept.
 *
 * @throws InvalidSyncResponse when `json` is not an object or has no string `next_batch`.
 */
export function parseSync(json: unknown): SyncChanges {
  if (!isObject(json)) throw new InvalidSyncResponse('Invalid /sync response: not a JSON object');
  const nextBatch = str(json.next_batch);
  if (!nextBatch) throw new InvalidSyncResponse('Invalid /sync response: missing next_batch');
  const skipped: Skipped[] = [];
  const dl = isObject(json.device_lists) ? json.device_lists : {};
  const changes: SyncChanges = {
    nextBatch,
    rooms: parseRooms(json.rooms, skipped),
    accountData: accountDataList(json.account_data, skipped),
    toDevice: parseToDevice(json.to_device, skipped),
    deviceLists: { changed: strings(dl.changed), left: strings(dl.left) },
    otkCounts: parseCounts(json.device_one_time_keys_count),
    skipped,
  };
  const fallback = fallbackTypes(json);
  if (fallback) changes.unusedFallbackKeyTypes = fallback;
  return changes;
}
