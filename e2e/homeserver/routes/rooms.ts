import { MatrixError, badJson, forbidden, notFound } from '../errors';
import type { Homeserver } from '../hs';
import { parseId } from '../model/ids';
import { DEFAULT_ROOM_VERSION, ROOM_VERSIONS } from '../model/rooms';
import type { Route } from '../router';
import {
  isObject,
  objectBody,
  optBool,
  optObject,
  optString,
  optStringArray,
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

/** Room creation and membership. */
export function roomRoutes(): R[] {
  return membership;
}
