import { badJson, invalidParam, missingParam, notFound } from '../errors';
import type { Homeserver } from '../hs';
import type { BackupEntry, BackupKeyData } from '../model/key-backup';
import type { Ctx, Route } from '../router';
import { isObject, objectBody, optString, reqString, type JsonObject } from '../validate';

type C = Ctx<Homeserver>;

/** Server-side key backup: `/room_keys/version[/{version}]` and `/room_keys/keys[/...]`. */
export function keyBackupRoutes(): Route<Homeserver>[] {
  const r = (
    method: Route<Homeserver>['method'],
    path: string,
    handler: (ctx: C) => JsonObject,
  ): Route<Homeserver> => ({
    method,
    path: `/client/v3/room_keys${path}`,
    auth: 'required',
    handler,
  });
  return [
    r('POST', '/version', createVersion),
    r('GET', '/version/:version?', (ctx) => {
      const b = ctx.hs.e2ee.backup;
      return b.info(b.require(ctx.user.userId, ctx.params.version ?? ''));
    }),
    r('PUT', '/version/:version', updateVersion),
    r('DELETE', '/version/:version?', (ctx) => {
      ctx.hs.e2ee.backup.deleteVersion(ctx.user.userId, ctx.params.version ?? '');
      return {};
    }),
    r('GET', '/keys', (ctx) => getKeys(ctx)),
    r('GET', '/keys/:roomId', (ctx) => getKeys(ctx, ctx.params.roomId)),
    r('GET', '/keys/:roomId/:sessionId', (ctx) =>
      getKeys(ctx, ctx.params.roomId, ctx.params.sessionId),
    ),
    r('PUT', '/keys', (ctx) => putKeys(ctx, roomsBody(objectBody(ctx.body)))),
    r('PUT', '/keys/:roomId', (ctx) =>
      putKeys(ctx, sessionsBody(objectBody(ctx.body), ctx.params.roomId!)),
    ),
    r('PUT', '/keys/:roomId/:sessionId', (ctx) =>
      putKeys(ctx, [
        {
          roomId: ctx.params.roomId!,
          sessionId: ctx.params.sessionId!,
          data: keyData(objectBody(ctx.body)),
        },
      ]),
    ),
    r('DELETE', '/keys', (ctx) => deleteKeys(ctx)),
    r('DELETE', '/keys/:roomId', (ctx) => deleteKeys(ctx, ctx.params.roomId)),
    r('DELETE', '/keys/:roomId/:sessionId', (ctx) =>
      deleteKeys(ctx, ctx.params.roomId, ctx.params.sessionId),
    ),
  ];
}

function createVersion(ctx: C): JsonObject {
  const body = objectBody(ctx.body);
  const algorithm = reqString(body, 'algorithm');
  const authData = authDataOf(body);
  return { version: ctx.hs.e2ee.backup.create(ctx.user.userId, algorithm, authData) };
}

function updateVersion(ctx: C): JsonObject {
  const body = objectBody(ctx.body);
  const version = ctx.params.version!;
  const algorithm = reqString(body, 'algorithm');
  const authData = authDataOf(body);
  const inBody = optString(body, 'version');
  if (inBody !== undefined && inBody !== version) {
    throw invalidParam('The version in the body does not match the version in the path');
  }
  ctx.hs.e2ee.backup.update(ctx.user.userId, version, algorithm, authData);
  return {};
}

function authDataOf(body: JsonObject): JsonObject {
  if (body.auth_data === undefined) throw missingParam("'auth_data' is required");
  if (!isObject(body.auth_data)) throw badJson("'auth_data' must be an object");
  return body.auth_data;
}

/** The required `?version=`. */
function versionParam(ctx: C): string {
  const v = ctx.query.get('version');
  if (!v) throw missingParam("The 'version' query parameter is required");
  return v;
}

function getKeys(ctx: C, roomId?: string, sessionId?: string): JsonObject {
  const b = ctx.hs.e2ee.backup;
  const row = b.require(ctx.user.userId, versionParam(ctx));
  const keys = b.get(row, roomId, sessionId);
  if (sessionId !== undefined) {
    if (!keys[0]) throw notFound('No room_keys found');
    return keys[0].data;
  }
  const rooms: Record<string, { sessions: JsonObject }> = {};
  for (const k of keys) (rooms[k.room_id] ??= { sessions: {} }).sessions[k.session_id] = k.data;
  if (roomId !== undefined) return rooms[roomId] ?? { sessions: {} };
  return { rooms };
}

function putKeys(ctx: C, entries: BackupEntry[]): JsonObject {
  const b = ctx.hs.e2ee.backup;
  const row = b.requireCurrent(ctx.user.userId, versionParam(ctx));
  return ctx.hs.persist.batch(() => b.put(row, entries));
}

function deleteKeys(ctx: C, roomId?: string, sessionId?: string): JsonObject {
  const b = ctx.hs.e2ee.backup;
  const row = b.require(ctx.user.userId, versionParam(ctx));
  return ctx.hs.persist.batch(() => b.delete(row, roomId, sessionId));
}

function roomsBody(body: JsonObject): BackupEntry[] {
  if (body.rooms === undefined) throw missingParam("'rooms' is required");
  if (!isObject(body.rooms)) throw badJson("'rooms' must be an object");
  const out: BackupEntry[] = [];
  for (const [roomId, room] of Object.entries(body.rooms)) {
    if (!isObject(room)) throw badJson(`rooms.${roomId} must be an object`);
    out.push(...sessionsBody(room, roomId));
  }
  return out;
}

function sessionsBody(body: JsonObject, roomId: string): BackupEntry[] {
  if (body.sessions === undefined) throw missingParam("'sessions' is required");
  if (!isObject(body.sessions)) throw badJson("'sessions' must be an object");
  return Object.entries(body.sessions).map(([sessionId, data]) => {
    if (!isObject(data)) throw badJson(`sessions.${sessionId} must be an object`);
    return { roomId, sessionId, data: keyData(data) };
  });
}

/** Checks a KeyBackupData object. */
function keyData(o: JsonObject): BackupKeyData {
  for (const k of ['first_message_index', 'forwarded_count', 'is_verified', 'session_data']) {
    if (o[k] === undefined || o[k] === null) throw missingParam(`'${k}' is required`);
  }
  for (const k of ['first_message_index', 'forwarded_count']) {
    const n = o[k];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw badJson(`'${k}' must be a non-negative integer`);
    }
  }
  if (typeof o.is_verified !== 'boolean') throw badJson("'is_verified' must be a boolean");
  if (!isObject(o.session_data)) throw badJson("'session_data' must be an object");
  return o as BackupKeyData;
}
