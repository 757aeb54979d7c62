import { MatrixError, badJson, forbidden, notFound } from '../errors';
import type { Homeserver } from '../hs';
import { createRoom, PRESETS, type CreateRoomRequest, type Preset } from '../model/create-room';
import { parseId } from '../model/ids';
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

function reasonExtra(b: JsonObject): JsonObject {
  const reason = optString(b, 'reason');
  return reason === undefined ? {} : { reason };
}

/** A `POST /createRoom` body, checked (M_BAD_JSON, M_INVALID_PARAM) and parsed. */
export function parseCreateRoom(b: JsonObject): CreateRoomRequest {
  const preset = optString(b, 'preset');
  if (preset !== undefined && !isPreset(preset)) throw badJson('Unknown preset');
  const invite = optStringArray(b, 'invite') ?? [];
  for (const u of invite) {
    if (!parseId('@', u)) throw new MatrixError(400, 'M_INVALID_PARAM', `Bad user id ${u}`);
  }
  const initialState = b.initial_state ?? [];
  if (
    !Array.isArray(initialState) ||
    !initialState.every((e) => isObject(e) && typeof e.type === 'string' && isObject(e.content))
  ) {
    throw badJson("'initial_state' must be a list of {type, state_key, content}");
  }
  return {
    roomVersion: optString(b, 'room_version'),
    visibility: optString(b, 'visibility') === 'public' ? 'public' : 'private',
    preset,
    invite,
    aliasName: optString(b, 'room_alias_name'),
    initialState: (initialState as JsonObject[]).map((e) => ({
      type: e.type as string,
      content: e.content as JsonObject,
      ...(typeof e.state_key === 'string' ? { state_key: e.state_key } : {}),
    })),
    isDirect: optBool(b, 'is_direct') ?? false,
    name: optString(b, 'name'),
    topic: optString(b, 'topic'),
    powerLevelOverride: optObject(b, 'power_level_content_override'),
    creationContent: optObject(b, 'creation_content'),
  };
}

function isPreset(p: string): p is Preset {
  return (PRESETS as readonly string[]).includes(p);
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
  hs.rooms.setMembership(room, userId, userId, 'join', reasonExtra(b), hs.accounts.profile(userId));
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
    const profile = membership === 'invite' ? hs.accounts.profile(target) : undefined;
    hs.rooms.setMembership(room, user.userId, target, membership, reasonExtra(b), profile);
    return {};
  };
}

const membership: R[] = [
  {
    method: 'POST',
    path: '/client/v3/createRoom',
    auth: 'required',
    handler: ({ hs, user, body }) => ({
      room_id: createRoom(hs, user.userId, parseCreateRoom(objectBody(body))),
    }),
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
        hs.accounts.profile(user.userId),
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
