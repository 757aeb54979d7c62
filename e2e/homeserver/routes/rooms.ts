import { MatrixError, badJson, forbidden, notFound } from '../errors';
import type { Homeserver } from '../hs';
import { powerLevels, userLevel } from '../model/auth-rules';
import { parseId } from '../model/ids';
import type { Room } from '../model/room';
import { DEFAULT_ROOM_VERSION, ROOM_VERSIONS } from '../model/rooms';
import type { Route } from '../router';
import {
  isObject,
  objectBody,
  optBool,
  optObject,
  optString,
  optStringArray,
  queryInt,
  reqString,
  type JsonObject,
} from '../validate';

type R = Route<Homeserver>;

function profileOf(hs: Homeserver, userId: string) {
  const u = hs.accounts.users.get(userId);
  return { displayname: u?.displayname, avatar_url: u?.avatar_url };
}

function reasonExtra(b: JsonObject): JsonObject {
  const reason = optString(b, 'reason');
  return reason === undefined ? {} : { reason };
}

/** Creates a room as `POST /createRoom` describes; returns its id. */
export function createRoom(hs: Homeserver, sender: string, b: JsonObject): string {
  const version = optString(b, 'room_version') ?? DEFAULT_ROOM_VERSION;
  if (!ROOM_VERSIONS.includes(version)) {
    throw new MatrixError(
      400,
      'M_UNSUPPORTED_ROOM_VERSION',
      `Room version ${version} is not supported`,
    );
  }
  const visibility = optString(b, 'visibility') ?? 'private';
  const preset =
    optString(b, 'preset') ?? (visibility === 'public' ? 'public_chat' : 'private_chat');
  if (!['public_chat', 'private_chat', 'trusted_private_chat'].includes(preset))
    throw badJson('Unknown preset');
  const invites = optStringArray(b, 'invite') ?? [];
  for (const u of invites)
    if (!parseId('@', u)) throw new MatrixError(400, 'M_INVALID_PARAM', `Bad user id ${u}`);
  const aliasName = optString(b, 'room_alias_name');
  const alias = aliasName !== undefined ? `#${aliasName}:${hs.config.serverName}` : undefined;
  if (alias && hs.rooms.aliases.has(alias))
    throw new MatrixError(400, 'M_ROOM_IN_USE', 'Room alias already taken');
  const initialState = b.initial_state ?? [];
  if (
    !Array.isArray(initialState) ||
    !initialState.every((e) => isObject(e) && typeof e.type === 'string' && isObject(e.content))
  ) {
    throw badJson("'initial_state' must be a list of {type, state_key, content}");
  }
  const isDirect = optBool(b, 'is_direct') ?? false;
  const name = optString(b, 'name');
  const topic = optString(b, 'topic');
  const plOverride = optObject(b, 'power_level_content_override') ?? {};
  const creation = optObject(b, 'creation_content') ?? {};

  return hs.persist.batch(() => {
    const room = hs.rooms.newRoom(version);
    const send = (type: string, content: JsonObject, stateKey = '') =>
      hs.rooms.send(room, sender, type, content, stateKey);
    const createContent: JsonObject = { ...creation, room_version: version };
    if (Number(version) < 11) createContent.creator = sender;
    send('m.room.create', createContent);
    hs.rooms.setMembership(room, sender, sender, 'join', {}, profileOf(hs, sender));
    const users: Record<string, number> = { [sender]: 100 };
    if (preset === 'trusted_private_chat') for (const u of invites) users[u] = 100;
    send('m.room.power_levels', {
      users,
      users_default: 0,
      events: {
        'm.room.name': 50,
        'm.room.power_levels': 100,
        'm.room.history_visibility': 100,
        'm.room.canonical_alias': 50,
        'm.room.avatar': 50,
        'm.room.tombstone': 100,
        'm.room.server_acl': 100,
        'm.room.encryption': 100,
      },
      events_default: 0,
      state_default: 50,
      ban: 50,
      kick: 50,
      redact: 50,
      invite: 0,
      historical: 100,
      ...plOverride,
    });
    if (alias) {
      hs.rooms.aliases.set(alias, { room_id: room.id, creator: sender });
      send('m.room.canonical_alias', { alias });
    }
    send('m.room.join_rules', { join_rule: preset === 'public_chat' ? 'public' : 'invite' });
    send('m.room.history_visibility', { history_visibility: 'shared' });
    send('m.room.guest_access', {
      guest_access: preset === 'public_chat' ? 'forbidden' : 'can_join',
    });
    for (const e of initialState as JsonObject[]) {
      send(
        String(e.type),
        e.content as JsonObject,
        typeof e.state_key === 'string' ? e.state_key : '',
      );
    }
    if (name !== undefined) send('m.room.name', { name });
    if (topic !== undefined)
      send('m.room.topic', { topic, 'm.topic': { 'm.text': [{ body: topic }] } });
    for (const u of invites) {
      hs.rooms.setMembership(
        room,
        sender,
        u,
        'invite',
        isDirect ? { is_direct: true } : {},
        profileOf(hs, u),
      );
    }
    if (visibility === 'public') hs.rooms.setPublished(room.id, true);
    return room.id;
  });
}

function targetOf(b: JsonObject): string {
  const u = reqString(b, 'user_id');
  if (!parseId('@', u)) throw new MatrixError(400, 'M_INVALID_PARAM', 'Bad user id');
  return u;
}

function join(hs: Homeserver, userId: string, roomId: string, b: JsonObject) {
  const room = hs.rooms.get(roomId);
  if (!room) throw notFound('No known room with that id or alias');
  if (room.membership(userId) === 'join') return { room_id: room.id };
  hs.rooms.setMembership(room, userId, userId, 'join', reasonExtra(b), profileOf(hs, userId));
  return { room_id: room.id };
}

function membershipOp(
  membership: 'invite' | 'ban' | 'leave',
  needTarget: 'invite' | 'ban' | 'kick' | 'unban',
): R['handler'] {
  return ({ hs, user, params, body }) => {
    const b = objectBody(body);
    const room = hs.rooms.require(params.roomId!);
    const target = targetOf(b);
    if (needTarget === 'unban' && room.membership(target) !== 'ban')
      throw forbidden(`${target} is not banned`);
    const profile = membership === 'invite' ? profileOf(hs, target) : undefined;
    hs.rooms.setMembership(room, user.userId, target, membership, reasonExtra(b), profile);
    return {};
  };
}

const membership: R[] = [
  {
    method: 'POST',
    path: '/client/v3/createRoom',
    auth: 'required',
    handler: ({ hs, user, body }) => ({ room_id: createRoom(hs, user.userId, objectBody(body)) }),
  },
  {
    method: 'POST',
    path: '/client/v3/rooms/:roomId/invite',
    auth: 'required',
    handler: membershipOp('invite', 'invite'),
  },
  {
    method: 'POST',
    path: '/client/v3/rooms/:roomId/kick',
    auth: 'required',
    handler: membershipOp('leave', 'kick'),
  },
  {
    method: 'POST',
    path: '/client/v3/rooms/:roomId/ban',
    auth: 'required',
    handler: membershipOp('ban', 'ban'),
  },
  {
    method: 'POST',
    path: '/client/v3/rooms/:roomId/unban',
    auth: 'required',
    handler: membershipOp('leave', 'unban'),
  },
  {
    method: 'POST',
    path: '/client/v3/rooms/:roomId/join',
    auth: 'required',
    handler: ({ hs, user, params, body }) =>
      join(hs, user.userId, params.roomId!, objectBody(body)),
  },
  {
    method: 'POST',
    path: '/client/v3/join/:roomIdOrAlias',
    auth: 'required',
    handler: ({ hs, user, params, body }) =>
      join(hs, user.userId, hs.rooms.resolve(params.roomIdOrAlias!), objectBody(body)),
  },
  {
    method: 'POST',
    path: '/client/v3/knock/:roomIdOrAlias',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      const room = hs.rooms.require(hs.rooms.resolve(params.roomIdOrAlias!));
      hs.rooms.setMembership(
        room,
        user.userId,
        user.userId,
        'knock',
        reasonExtra(objectBody(body)),
        profileOf(hs, user.userId),
      );
      return { room_id: room.id };
    },
  },
  {
    method: 'POST',
    path: '/client/v3/rooms/:roomId/leave',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      const room = hs.rooms.require(params.roomId!);
      hs.rooms.setMembership(
        room,
        user.userId,
        user.userId,
        'leave',
        reasonExtra(objectBody(body)),
      );
      return {};
    },
  },
  {
    method: 'POST',
    path: '/client/v3/rooms/:roomId/forget',
    auth: 'required',
    handler: ({ hs, user, params }) => {
      const room = hs.rooms.require(params.roomId!);
      const m = room.membership(user.userId);
      if (m === 'join' || m === 'invite' || m === 'knock') {
        throw new MatrixError(400, 'M_UNKNOWN', 'Leave the room before forgetting it');
      }
      if (m === undefined) throw notFound('You were never in this room');
      hs.rooms.forgotten.set(`${user.userId}|${room.id}`, true);
      return {};
    },
  },
  {
    method: 'GET',
    path: '/client/v3/joined_rooms',
    auth: 'required',
    handler: ({ hs, user }) => ({
      joined_rooms: hs.rooms
        .roomsOf(user.userId)
        .filter((r) => r.membership(user.userId) === 'join')
        .map((r) => r.id),
    }),
  },
];

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

/** Room creation, membership, aliases and the public room directory. */
export function roomRoutes(): R[] {
  return [...membership, ...directory];
}
