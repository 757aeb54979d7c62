import { badJson } from '../errors';
import type { Homeserver } from '../hs';
import { contentOf } from '../model/rooms';
import { Seeder } from '../model/seeder';
import type { Route } from '../router';
import { parseCreateRoom } from './rooms';
import {
  isObject,
  objectBody,
  optBool,
  optInt,
  optString,
  optStringArray,
  reqString,
  type JsonObject,
} from '../validate';

type R = Route<Homeserver>;

/** Spec versions an old server (Synapse of 2022) would advertise. */
const OLD_VERSIONS = ['r0.5.0', 'r0.6.1', 'v1.1', 'v1.2'];

function seedRoom(hs: Homeserver, b: JsonObject): string {
  const creator = reqString(b, 'creator');
  const members = optStringArray(b, 'members') ?? [];
  const initial: JsonObject[] = [];
  if (optBool(b, 'encrypted')) {
    initial.push({
      type: 'm.room.encryption',
      state_key: '',
      content: { algorithm: 'm.megolm.v1.aes-sha2' },
    });
  }
  const createBody: JsonObject = {
    preset: optString(b, 'preset') ?? 'private_chat',
    initial_state: initial,
    invite: optStringArray(b, 'invite') ?? [],
    is_direct: optBool(b, 'is_direct') ?? false,
  };
  for (const k of ['name', 'topic', 'room_alias_name', 'visibility', 'room_version']) {
    if (typeof b[k] === 'string') createBody[k] = b[k];
  }
  const request = parseCreateRoom(createBody);
  const seeder = new Seeder(hs);
  return seeder.batch(() => {
    const roomId = seeder.createRoom(creator, request);
    for (const m of members) seeder.join(roomId, m, { invitedBy: creator });
    return roomId;
  });
}

function seedMessages(hs: Homeserver, roomId: string, b: JsonObject): string[] {
  const events = b.events;
  const list: JsonObject[] = [];
  if (events !== undefined) {
    if (!Array.isArray(events) || !events.every(isObject))
      throw badJson("'events' must be a list of objects");
    list.push(...(events as JsonObject[]));
  }
  const count = optInt(b, 'count') ?? 0;
  const sender = optString(b, 'sender');
  const prefix = optString(b, 'body_prefix') ?? 'Message';
  for (let i = 0; i < count; i++) {
    list.push({
      type: 'm.room.message',
      content: { msgtype: 'm.text', body: `${prefix} ${i + 1}` },
    });
  }
  const tsStart = optInt(b, 'ts_start');
  const tsStep = optInt(b, 'ts_step') ?? 1000;
  const seeder = new Seeder(hs);
  return seeder.batch(() =>
    list.map((e, i) => {
      const from = typeof e.sender === 'string' ? e.sender : sender;
      if (!from) throw badJson("Each event needs a 'sender' (or give one for all)");
      if (typeof e.type !== 'string') throw badJson("Each event needs a 'type'");
      const ts = tsStart !== undefined ? tsStart + i * tsStep : undefined;
      const stateKey = typeof e.state_key === 'string' ? e.state_key : undefined;
      return seeder.send(roomId, from, e.type, contentOf(e.content ?? {}), { ts, stateKey })
        .eventId;
    }),
  );
}

const routes: R[] = [
  {
    method: 'POST',
    path: '/_test/users',
    auth: 'none',
    handler: ({ hs, body }) => {
      const b = objectBody(body);
      const username = reqString(b, 'username').toLowerCase();
      const userId = new Seeder(hs).createUser(username, {
        password: optString(b, 'password') ?? 'password',
        displayName: optString(b, 'displayname'),
      });
      if (optBool(b, 'login') === false) return { user_id: userId };
      const d = hs.accounts.login(userId, optString(b, 'device_id'), 'seeded');
      return { user_id: userId, access_token: d.access_token, device_id: d.device_id };
    },
  },
  {
    method: 'POST',
    path: '/_test/rooms',
    auth: 'none',
    handler: ({ hs, body }) => ({ room_id: seedRoom(hs, objectBody(body)) }),
  },
  {
    method: 'POST',
    path: '/_test/rooms/:roomId/events',
    auth: 'none',
    handler: ({ hs, params, body }) => ({
      event_ids: seedMessages(hs, params.roomId!, objectBody(body)),
    }),
  },
  {
    method: 'POST',
    path: '/_test/faults',
    auth: 'none',
    handler: ({ hs, body }) => ({ id: hs.faults.add(objectBody(body)).id }),
  },
  {
    method: 'DELETE',
    path: '/_test/faults',
    auth: 'none',
    handler: ({ hs }) => {
      hs.faults.clear();
      return {};
    },
  },
  {
    method: 'PUT',
    path: '/_test/config',
    auth: 'none',
    handler: ({ hs, body }) => {
      const b = objectBody(body);
      const versions = optStringArray(b, 'versions');
      if (versions) hs.config.versions = versions;
      if (optBool(b, 'old_versions')) hs.config.versions = OLD_VERSIONS;
      const reg = optBool(b, 'registration_enabled');
      if (reg !== undefined) hs.config.registrationEnabled = reg;
      const legacy = optBool(b, 'legacy_media_enabled');
      if (legacy !== undefined) hs.config.legacyMediaEnabled = legacy;
      return { ...hs.config };
    },
  },
  {
    method: 'POST',
    path: '/_test/soft_logout',
    auth: 'none',
    handler: ({ hs, body }) => {
      const b = objectBody(body);
      hs.accounts.softLogout(reqString(b, 'user_id'), reqString(b, 'device_id'));
      return {};
    },
  },
  {
    method: 'POST',
    path: '/_test/restart',
    auth: 'none',
    handler: ({ hs, server }) => {
      // Answer first, then drop every connection and reload state.
      hs.later(20, () => void server.restart());
      return {};
    },
  },
  {
    method: 'GET',
    path: '/_test/stats',
    auth: 'none',
    handler: ({ hs }) => ({
      users: hs.accounts.users.size,
      rooms: hs.rooms.meta.size,
      events: hs.rooms.events.size,
      stream_pos: hs.notifier.pos,
    }),
  },
];

/** The control API for tests (only served in test mode). */
export function controlRoutes(): R[] {
  return routes;
}
