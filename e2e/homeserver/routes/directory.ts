import { MatrixError, forbidden, notFound } from '../errors';
import type { Homeserver } from '../hs';
import { powerLevels, userLevel } from '../model/auth-rules';
import { parseId } from '../model/ids';
import type { Room } from '../model/room';
import type { Route } from '../router';
import { isObject, objectBody, optString, queryInt, reqString, type JsonObject } from '../validate';

type R = Route<Homeserver>;

function canModerate(room: Room, userId: string): boolean {
  const pl = powerLevels(room);
  return room.membership(userId) === 'join' && userLevel(pl, userId) >= pl.state_default;
}

const directory: R[] = [
  {
    method: 'PUT',
    path: '/client/v3/directory/room/:alias',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      const alias = params.alias!;
      const parsed = parseId('#', alias);
      if (!parsed || parsed.server !== hs.config.serverName)
        throw new MatrixError(400, 'M_INVALID_PARAM', 'Alias must be on this server');
      const roomId = reqString(objectBody(body), 'room_id');
      const room = hs.rooms.require(roomId);
      if (room.membership(user.userId) !== 'join') throw forbidden('You are not in the room');
      if (hs.rooms.aliases.has(alias))
        throw new MatrixError(409, 'M_UNKNOWN', 'Room alias already exists');
      hs.rooms.aliases.set(alias, { room_id: roomId, creator: user.userId });
      return {};
    },
  },
  {
    method: 'GET',
    path: '/client/v3/directory/room/:alias',
    auth: 'optional',
    handler: ({ hs, params }) => {
      const a = hs.rooms.aliases.get(params.alias!);
      if (!a) throw notFound('Room alias not found');
      return { room_id: a.room_id, servers: [hs.config.serverName] };
    },
  },
  {
    method: 'DELETE',
    path: '/client/v3/directory/room/:alias',
    auth: 'required',
    handler: ({ hs, user, params }) => {
      const a = hs.rooms.aliases.get(params.alias!);
      if (!a) throw notFound('Room alias not found');
      const room = hs.rooms.get(a.room_id);
      if (a.creator !== user.userId && !(room && canModerate(room, user.userId))) {
        throw forbidden('You may not delete this alias');
      }
      hs.rooms.aliases.delete(params.alias!);
      return {};
    },
  },
  {
    method: 'GET',
    path: '/client/v3/rooms/:roomId/aliases',
    auth: 'required',
    handler: ({ hs, user, params }) => {
      const room = hs.rooms.require(params.roomId!);
      hs.rooms.requireReader(room, user.userId);
      return { aliases: hs.rooms.aliasesOf(room.id) };
    },
  },
  {
    method: 'GET',
    path: '/client/v3/directory/list/room/:roomId',
    auth: 'none',
    handler: ({ hs, params }) => {
      hs.rooms.require(params.roomId!);
      return { visibility: hs.rooms.isPublished(params.roomId!) ? 'public' : 'private' };
    },
  },
  {
    method: 'PUT',
    path: '/client/v3/directory/list/room/:roomId',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      const room = hs.rooms.require(params.roomId!);
      const v = optString(objectBody(body), 'visibility') ?? 'public';
      if (v !== 'public' && v !== 'private')
        throw new MatrixError(400, 'M_INVALID_PARAM', 'visibility must be public or private');
      if (!canModerate(room, user.userId)) throw forbidden('Insufficient power level');
      hs.rooms.setPublished(room.id, v === 'public');
      return {};
    },
  },
  {
    method: 'GET',
    path: '/client/v3/publicRooms',
    auth: 'optional',
    handler: ({ hs, query }) =>
      publicRooms(
        hs,
        queryInt(query, 'limit', 100, 1000),
        query.get('since') ?? undefined,
        undefined,
      ),
  },
  {
    method: 'POST',
    path: '/client/v3/publicRooms',
    auth: 'required',
    handler: ({ hs, body }) => {
      const b = objectBody(body);
      const limit = typeof b.limit === 'number' ? Math.max(0, Math.min(1000, b.limit)) : 100;
      const term =
        isObject(b.filter) && typeof b.filter.generic_search_term === 'string'
          ? b.filter.generic_search_term
          : undefined;
      return publicRooms(hs, limit, optString(b, 'since'), term);
    },
  },
];

function publicRooms(
  hs: Homeserver,
  limit: number,
  since: string | undefined,
  term: string | undefined,
) {
  const chunk: JsonObject[] = [];
  for (const room of hs.rooms.all()) {
    if (!hs.rooms.isPublished(room.id)) continue;
    const c = (type: string, key: string) => {
      const v = room.stateContent(type)?.[key];
      return typeof v === 'string' ? v : undefined;
    };
    const entry: JsonObject = {
      room_id: room.id,
      num_joined_members: room.joined().length,
      world_readable: c('m.room.history_visibility', 'history_visibility') === 'world_readable',
      guest_can_join: c('m.room.guest_access', 'guest_access') === 'can_join',
      join_rule: c('m.room.join_rules', 'join_rule') ?? 'invite',
    };
    for (const [k, type, key] of [
      ['name', 'm.room.name', 'name'],
      ['topic', 'm.room.topic', 'topic'],
      ['avatar_url', 'm.room.avatar', 'url'],
      ['canonical_alias', 'm.room.canonical_alias', 'alias'],
      ['room_type', 'm.room.create', 'type'],
    ] as const) {
      const v = c(type, key);
      if (v !== undefined) entry[k] = v;
    }
    if (term) {
      const hay = [entry.name, entry.topic, entry.canonical_alias]
        .filter(Boolean)
        .join(' ')
        .toLowerCase();
      if (!hay.includes(term.toLowerCase())) continue;
    }
    chunk.push(entry);
  }
  chunk.sort(
    (a, b) =>
      Number(b.num_joined_members) - Number(a.num_joined_members) ||
      String(a.room_id).localeCompare(String(b.room_id)),
  );
  const offset = since && /^o\d+$/.test(since) ? Number(since.slice(1)) : 0;
  const page = chunk.slice(offset, offset + limit);
  const out: JsonObject = { chunk: page, total_room_count_estimate: chunk.length };
  if (offset + limit < chunk.length) out.next_batch = `o${offset + limit}`;
  if (offset > 0) out.prev_batch = `o${Math.max(0, offset - limit)}`;
  return out;
}

/** Room aliases and the public room directory. */
export function directoryRoutes(): R[] {
  return directory;
}
