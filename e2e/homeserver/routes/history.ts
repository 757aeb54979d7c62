import { MatrixError, forbidden, notFound } from '../errors';
import type { Homeserver } from '../hs';
import { devKey } from '../model/accounts';
import { relationOf, type StoredEvent } from '../model/events';
import { matches, type EventFilter } from '../model/filters';
import { clientEvent, parseToken, token, type Reader } from '../model/format';
import type { Room } from '../model/room';
import type { Ctx, Route } from '../router';
import { isObject, queryInt, type JsonObject } from '../validate';

type R = Route<Homeserver>;

function tokenParam(q: URLSearchParams, key: string): number | undefined {
  const raw = q.get(key);
  if (raw === null || raw === '') return undefined;
  const pos = parseToken(raw);
  if (pos === undefined) throw new MatrixError(400, 'M_INVALID_PARAM', `Malformed '${key}' token`);
  return pos;
}

function filterParam(q: URLSearchParams): EventFilter | undefined {
  const raw = q.get('filter');
  if (!raw) return undefined;
  let f: unknown;
  try {
    f = JSON.parse(raw);
  } catch {
    throw new MatrixError(400, 'M_BAD_JSON', "'filter' is not valid JSON");
  }
  if (!isObject(f)) throw new MatrixError(400, 'M_BAD_JSON', "'filter' must be an object");
  return f as EventFilter;
}

function readerOf(ctx: Ctx<Homeserver>): Reader {
  const { userId, deviceId } = ctx.user;
  return { userId, deviceKey: devKey(userId, deviceId), now: ctx.hs.now() };
}

/** Latest position the user may read up to: now if joined, else when they left. */
function horizon(room: Room, userId: string): number {
  return room.membership(userId) === 'join' ? Infinity : room.membershipPos(userId);
}

/** Member events of the senders of `events`, as of `at`, for lazy-loading clients. */
function lazyMembers(room: Room, events: StoredEvent[], reader: Reader, at: number): JsonObject[] {
  const senders = new Set(events.map((e) => e.pdu.sender));
  const out: JsonObject[] = [];
  for (const s of senders) {
    const id = room.stateId('m.room.member', s, at);
    const se = id ? room.event(id) : undefined;
    if (se) out.push(clientEvent(room, se, reader));
  }
  return out;
}

function messages(ctx: Ctx<Homeserver>) {
  const { hs, query } = ctx;
  const room = hs.rooms.require(ctx.params.roomId!);
  hs.rooms.requireReader(room, ctx.user.userId);
  const dir = query.get('dir');
  if (dir !== 'b' && dir !== 'f')
    throw new MatrixError(400, 'M_INVALID_PARAM', "'dir' must be 'b' or 'f'");
  const limit = queryInt(query, 'limit', 10, 1000);
  const filter = filterParam(query);
  const to = tokenParam(query, 'to');
  const max = Math.min(horizon(room, ctx.user.userId), hs.notifier.pos);
  const from = tokenParam(query, 'from') ?? (dir === 'b' ? max : 0);
  const reader = readerOf(ctx);
  const chunk: StoredEvent[] = [];
  let more = false;
  if (dir === 'b') {
    for (let i = room.indexAfter(Math.min(from, max)) - 1; i >= 0; i--) {
      const se = room.timeline[i]!;
      if (to !== undefined && se.pos <= to) break;
      if (!hs.rooms.canSee(room, reader.userId, se) || !matches(filter, se.pdu)) continue;
      if (chunk.length === limit) {
        more = true;
        break;
      }
      chunk.push(se);
    }
  } else {
    for (let i = room.indexAfter(from); i < room.timeline.length; i++) {
      const se = room.timeline[i]!;
      if (se.pos > max || (to !== undefined && se.pos > to)) break;
      if (!hs.rooms.canSee(room, reader.userId, se) || !matches(filter, se.pdu)) continue;
      if (chunk.length === limit) break;
      chunk.push(se);
    }
  }
  const out: JsonObject = {
    start: token(from),
    chunk: chunk.map((se) => clientEvent(room, se, reader)),
  };
  if (dir === 'b' && more) out.end = token(chunk[chunk.length - 1]!.pos - 1);
  if (dir === 'f') out.end = token(chunk.length ? chunk[chunk.length - 1]!.pos : from);
  // Going back, the senders' member events as of the chunk's newest event (as Synapse does),
  // so a client can tell the names they had then; going forward, the current ones.
  if (filter?.lazy_load_members) {
    const at = dir === 'b' ? (chunk[0]?.pos ?? Infinity) : Infinity;
    out.state = lazyMembers(room, chunk, reader, at);
  }
  return out;
}

function context(ctx: Ctx<Homeserver>) {
  const { hs, query } = ctx;
  const room = hs.rooms.require(ctx.params.roomId!);
  hs.rooms.requireReader(room, ctx.user.userId);
  const reader = readerOf(ctx);
  const se = room.event(ctx.params.eventId!);
  if (!se || !hs.rooms.canSee(room, reader.userId, se)) throw notFound('Event not found');
  const limit = queryInt(query, 'limit', 10, 1000);
  const filter = filterParam(query);
  const max = horizon(room, reader.userId);
  const idx = room.indexAfter(se.pos) - 1;
  const before: StoredEvent[] = [];
  const after: StoredEvent[] = [];
  const ok = (e: StoredEvent) => hs.rooms.canSee(room, reader.userId, e) && matches(filter, e.pdu);
  for (let i = idx - 1; i >= 0 && before.length < Math.floor(limit / 2); i--) {
    if (ok(room.timeline[i]!)) before.push(room.timeline[i]!);
  }
  for (let i = idx + 1; i < room.timeline.length && after.length < Math.ceil(limit / 2); i++) {
    const e = room.timeline[i]!;
    if (e.pos > max) break;
    if (ok(e)) after.push(e);
  }
  const startPos = (before.length ? before[before.length - 1]!.pos : se.pos) - 1;
  const endPos = after.length ? after[after.length - 1]!.pos : se.pos;
  const all = [...before, se, ...after];
  const state = filter?.lazy_load_members
    ? lazyMembers(room, all, reader, se.pos)
    : [...room.stateAt(se.pos).values()].map((id) => clientEvent(room, room.event(id)!, reader));
  return {
    start: token(startPos),
    end: token(endPos),
    events_before: before.map((e) => clientEvent(room, e, reader)),
    event: clientEvent(room, se, reader),
    events_after: after.map((e) => clientEvent(room, e, reader)),
    state,
  };
}

function relations(ctx: Ctx<Homeserver>) {
  const { hs, query, params } = ctx;
  const room = hs.rooms.require(params.roomId!);
  hs.rooms.requireReader(room, ctx.user.userId);
  const reader = readerOf(ctx);
  const parent = room.event(params.eventId!);
  if (!parent || !hs.rooms.canSee(room, reader.userId, parent)) throw notFound('Event not found');
  const dir = query.get('dir') ?? 'b';
  if (dir !== 'b' && dir !== 'f')
    throw new MatrixError(400, 'M_INVALID_PARAM', "'dir' must be 'b' or 'f'");
  const limit = queryInt(query, 'limit', 5, 1000) || 5;
  const from = tokenParam(query, 'from');
  const to = tokenParam(query, 'to');
  const children = (room.relations.get(parent.pdu.event_id) ?? [])
    .map((id) => room.event(id)!)
    .filter((se) => {
      const rel = relationOf(se.pdu);
      if (!rel) return false;
      if (params.relType && rel.relType !== params.relType) return false;
      if (params.eventType && se.pdu.type !== params.eventType) return false;
      return hs.rooms.canSee(room, reader.userId, se);
    });
  if (dir === 'b') children.reverse();
  const inRange = children.filter((se) => {
    if (dir === 'b')
      return (from === undefined || se.pos <= from) && (to === undefined || se.pos > to);
    return (from === undefined || se.pos > from) && (to === undefined || se.pos <= to);
  });
  const page = inRange.slice(0, limit);
  const out: JsonObject = { chunk: page.map((se) => clientEvent(room, se, reader)) };
  if (inRange.length > limit) {
    const last = page[page.length - 1]!;
    out.next_batch = token(dir === 'b' ? last.pos - 1 : last.pos);
  }
  return out;
}

const reads: R[] = [
  { method: 'GET', path: '/client/v3/rooms/:roomId/messages', auth: 'required', handler: messages },
  {
    method: 'GET',
    path: '/client/v3/rooms/:roomId/context/:eventId',
    auth: 'required',
    handler: context,
  },
  {
    method: 'GET',
    path: '/client/v3/rooms/:roomId/event/:eventId',
    auth: 'required',
    handler: (ctx) => {
      const room = ctx.hs.rooms.require(ctx.params.roomId!);
      const se = room.event(ctx.params.eventId!);
      if (!se || !ctx.hs.rooms.canSee(room, ctx.user.userId, se)) throw notFound('Event not found');
      return clientEvent(room, se, readerOf(ctx));
    },
  },
  {
    method: 'GET',
    path: '/client/v3/rooms/:roomId/members',
    auth: 'required',
    handler: (ctx) => {
      const { hs, query } = ctx;
      const room = hs.rooms.require(ctx.params.roomId!);
      hs.rooms.requireReader(room, ctx.user.userId);
      const at = Math.min(tokenParam(query, 'at') ?? Infinity, horizon(room, ctx.user.userId));
      const only = query.get('membership');
      const not = query.get('not_membership');
      const reader = readerOf(ctx);
      const chunk: JsonObject[] = [];
      for (const [key, id] of room.stateAt(at)) {
        if (!key.startsWith('m.room.member\u0000')) continue;
        const se = room.event(id)!;
        const m = se.pdu.content.membership;
        // Both given: an "or" of the two conditions (spec: GET /members).
        const keep =
          only && not ? m === only || m !== not : only ? m === only : not ? m !== not : true;
        if (!keep) continue;
        chunk.push(clientEvent(room, se, reader));
      }
      return { chunk };
    },
  },
  {
    method: 'GET',
    path: '/client/v3/rooms/:roomId/joined_members',
    auth: 'required',
    handler: ({ hs, user, params }) => {
      const room = hs.rooms.require(params.roomId!);
      if (room.membership(user.userId) !== 'join') throw forbidden('You are not in the room');
      const joined: JsonObject = {};
      for (const u of room.joined()) {
        const c = room.stateContent('m.room.member', u) ?? {};
        const member: JsonObject = {};
        if (typeof c.displayname === 'string') member.display_name = c.displayname;
        if (typeof c.avatar_url === 'string') member.avatar_url = c.avatar_url;
        joined[u] = member;
      }
      return { joined };
    },
  },
  ...['', '/:relType', '/:relType/:eventType'].map((tail): R => ({
    method: 'GET',
    path: `/client/v1/rooms/:roomId/relations/:eventId${tail}`,
    auth: 'required',
    handler: relations,
  })),
];

/** History: /messages, /context, /event, members, relations. */
export function historyRoutes(): R[] {
  return reads;
}
