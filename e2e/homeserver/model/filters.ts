import { badJson } from '../errors';
import { isObject, type JsonObject } from '../validate';

/** The parts of a filter this server applies (spec: `EventFilter`, `RoomEventFilter`). */
export type EventFilter = {
  limit?: number;
  types?: string[];
  not_types?: string[];
  senders?: string[];
  not_senders?: string[];
  rooms?: string[];
  not_rooms?: string[];
  contains_url?: boolean;
  lazy_load_members?: boolean;
};

/** A sync filter (spec: `Filter`). */
export type Filter = {
  presence?: EventFilter;
  account_data?: EventFilter;
  room?: {
    rooms?: string[];
    not_rooms?: string[];
    include_leave?: boolean;
    timeline?: EventFilter;
    state?: EventFilter;
    ephemeral?: EventFilter;
    account_data?: EventFilter;
  };
};

const LIST_KEYS = ['types', 'not_types', 'senders', 'not_senders', 'rooms', 'not_rooms'];

/** Checks a filter's shape, throwing M_BAD_JSON for wrong types; returns it typed. */
export function parseFilter(v: unknown): Filter {
  if (!isObject(v)) throw badJson('Filter must be a JSON object');
  const checkEventFilter = (f: unknown, where: string) => {
    if (f === undefined) return;
    if (!isObject(f)) throw badJson(`${where} must be an object`);
    for (const k of LIST_KEYS) {
      const l = f[k];
      if (l !== undefined && (!Array.isArray(l) || l.some((x) => typeof x !== 'string'))) {
        throw badJson(`${where}.${k} must be an array of strings`);
      }
    }
    if (
      f.limit !== undefined &&
      (typeof f.limit !== 'number' || !Number.isInteger(f.limit) || f.limit < 0)
    ) {
      throw badJson(`${where}.limit must be a non-negative integer`);
    }
  };
  checkEventFilter(v.presence, 'presence');
  checkEventFilter(v.account_data, 'account_data');
  if (v.room !== undefined) {
    if (!isObject(v.room)) throw badJson('room must be an object');
    const room = v.room as JsonObject;
    for (const k of ['timeline', 'state', 'ephemeral', 'account_data'])
      checkEventFilter(room[k], `room.${k}`);
    for (const k of ['rooms', 'not_rooms']) {
      const l = room[k];
      if (l !== undefined && (!Array.isArray(l) || l.some((x) => typeof x !== 'string'))) {
        throw badJson(`room.${k} must be an array of strings`);
      }
    }
  }
  return v as Filter;
}

function glob(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp('^' + pattern.split('*').map(escapeRe).join('.*') + '$');
  return re.test(value);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether an event passes the filter's type, sender, room and url conditions. */
export function matches(
  f: EventFilter | undefined,
  ev: { type: string; sender?: string; room_id?: string; content?: JsonObject },
): boolean {
  if (!f) return true;
  if (f.not_types?.some((p) => glob(p, ev.type))) return false;
  if (f.types && !f.types.some((p) => glob(p, ev.type))) return false;
  if (ev.sender !== undefined) {
    if (f.not_senders?.includes(ev.sender)) return false;
    if (f.senders && !f.senders.includes(ev.sender)) return false;
  }
  if (ev.room_id !== undefined) {
    if (f.not_rooms?.includes(ev.room_id)) return false;
    if (f.rooms && !f.rooms.includes(ev.room_id)) return false;
  }
  if (f.contains_url !== undefined) {
    const has = typeof ev.content?.url === 'string';
    if (has !== f.contains_url) return false;
  }
  return true;
}

/** Whether the room passes the filter's top-level room lists. */
export function roomAllowed(filter: Filter, roomId: string): boolean {
  const r = filter.room;
  if (!r) return true;
  if (r.not_rooms?.includes(roomId)) return false;
  if (r.rooms && !r.rooms.includes(roomId)) return false;
  return true;
}
