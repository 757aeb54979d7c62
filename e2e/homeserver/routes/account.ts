import { MatrixError, forbidden, notFound } from '../errors';
import type { Homeserver } from '../hs';
import type { Ctx, Route } from '../router';
import { isObject, objectBody, optString, type JsonObject } from '../validate';

type R = Route<Homeserver>;

function requireSelf(ctx: Ctx<Homeserver>): void {
  if (ctx.params.userId !== ctx.user.userId) throw forbidden('Cannot access data of another user');
}

/** Account data the server manages itself and clients may not set. */
const SERVER_OWNED = new Set(['m.fully_read', 'm.push_rules']);

const accountData: R[] = [
  {
    method: 'GET',
    path: '/client/v3/user/:userId/account_data/:type',
    auth: 'required',
    handler: (ctx) => {
      requireSelf(ctx);
      const c = ctx.hs.accountData.get(ctx.user.userId, '', ctx.params.type!);
      if (!c) throw notFound('Account data not found');
      return c;
    },
  },
  {
    method: 'PUT',
    path: '/client/v3/user/:userId/account_data/:type',
    auth: 'required',
    handler: (ctx) => {
      requireSelf(ctx);
      if (SERVER_OWNED.has(ctx.params.type!)) {
        throw new MatrixError(405, 'M_BAD_JSON', `${ctx.params.type} is managed by the server`);
      }
      ctx.hs.accountData.set(ctx.user.userId, '', ctx.params.type!, objectBody(ctx.body));
      return {};
    },
  },
  {
    method: 'GET',
    path: '/client/v3/user/:userId/rooms/:roomId/account_data/:type',
    auth: 'required',
    handler: (ctx) => {
      requireSelf(ctx);
      const c = ctx.hs.accountData.get(ctx.user.userId, ctx.params.roomId!, ctx.params.type!);
      if (!c) throw notFound('Account data not found');
      return c;
    },
  },
  {
    method: 'PUT',
    path: '/client/v3/user/:userId/rooms/:roomId/account_data/:type',
    auth: 'required',
    handler: (ctx) => {
      requireSelf(ctx);
      if (SERVER_OWNED.has(ctx.params.type!)) {
        throw new MatrixError(405, 'M_BAD_JSON', `${ctx.params.type} is managed by the server`);
      }
      ctx.hs.rooms.require(ctx.params.roomId!);
      ctx.hs.accountData.set(
        ctx.user.userId,
        ctx.params.roomId!,
        ctx.params.type!,
        objectBody(ctx.body),
      );
      return {};
    },
  },
];

function tagsOf(hs: Homeserver, userId: string, roomId: string): JsonObject {
  const c = hs.accountData.get(userId, roomId, 'm.tag');
  return c && isObject(c.tags) ? { ...c.tags } : {};
}

const tags: R[] = [
  {
    method: 'GET',
    path: '/client/v3/user/:userId/rooms/:roomId/tags',
    auth: 'required',
    handler: (ctx) => {
      requireSelf(ctx);
      return { tags: tagsOf(ctx.hs, ctx.user.userId, ctx.params.roomId!) };
    },
  },
  {
    method: 'PUT',
    path: '/client/v3/user/:userId/rooms/:roomId/tags/:tag',
    auth: 'required',
    handler: (ctx) => {
      requireSelf(ctx);
      const b = objectBody(ctx.body);
      if (b.order !== undefined && (typeof b.order !== 'number' || b.order < 0 || b.order > 1)) {
        throw new MatrixError(400, 'M_BAD_JSON', "'order' must be a number between 0 and 1");
      }
      ctx.hs.rooms.require(ctx.params.roomId!);
      const t = tagsOf(ctx.hs, ctx.user.userId, ctx.params.roomId!);
      t[ctx.params.tag!] = b;
      ctx.hs.accountData.set(ctx.user.userId, ctx.params.roomId!, 'm.tag', { tags: t });
      return {};
    },
  },
  {
    method: 'DELETE',
    path: '/client/v3/user/:userId/rooms/:roomId/tags/:tag',
    auth: 'required',
    handler: (ctx) => {
      requireSelf(ctx);
      const t = tagsOf(ctx.hs, ctx.user.userId, ctx.params.roomId!);
      delete t[ctx.params.tag!];
      ctx.hs.accountData.set(ctx.user.userId, ctx.params.roomId!, 'm.tag', { tags: t });
      return {};
    },
  },
];

function profileOf(hs: Homeserver, userId: string) {
  const u = hs.accounts.users.get(userId);
  if (!u) throw notFound('Profile not found');
  return u;
}

function setProfile(ctx: Ctx<Homeserver>, field: 'displayname' | 'avatar_url') {
  requireSelf(ctx);
  const { hs, user } = ctx;
  const b = objectBody(ctx.body);
  const value = optString(b, field);
  const u = profileOf(hs, user.userId);
  if (value === undefined) delete u[field];
  else u[field] = value;
  u.presence_pos = hs.notifier.next();
  hs.accounts.users.set(u.user_id, u);
  // Propagate to every joined room, as Synapse does.
  for (const room of hs.rooms.roomsOf(user.userId)) {
    if (room.membership(user.userId) !== 'join') continue;
    const content: JsonObject = {
      ...(room.stateContent('m.room.member', user.userId) ?? {}),
      membership: 'join',
    };
    if (value === undefined) delete content[field];
    else content[field] = value;
    hs.rooms.send(room, user.userId, 'm.room.member', content, user.userId);
  }
  return {};
}

const profile: R[] = [
  {
    method: 'GET',
    path: '/client/v3/profile/:userId',
    auth: 'optional',
    handler: ({ hs, params }) => {
      const u = profileOf(hs, params.userId!);
      const out: JsonObject = {};
      if (u.displayname !== undefined) out.displayname = u.displayname;
      if (u.avatar_url !== undefined) out.avatar_url = u.avatar_url;
      return out;
    },
  },
  ...(['displayname', 'avatar_url'] as const).flatMap((field): R[] => [
    {
      method: 'GET',
      path: `/client/v3/profile/:userId/${field}`,
      auth: 'optional',
      handler: ({ hs, params }) => {
        const v = profileOf(hs, params.userId!)[field];
        if (v === undefined) throw notFound(`No ${field} set`);
        return { [field]: v };
      },
    },
    {
      method: 'PUT',
      path: `/client/v3/profile/:userId/${field}`,
      auth: 'required',
      handler: (ctx) => setProfile(ctx, field),
    },
  ]),
];

const PRESENCE = ['online', 'offline', 'unavailable'];

const presence: R[] = [
  {
    method: 'GET',
    path: '/client/v3/presence/:userId/status',
    auth: 'required',
    handler: ({ hs, params }) => {
      const u = profileOf(hs, params.userId!);
      const out: JsonObject = {
        presence: u.presence,
        last_active_ago: Math.max(0, hs.now() - u.last_active_ts),
        currently_active: u.presence === 'online',
      };
      if (u.status_msg !== undefined) out.status_msg = u.status_msg;
      return out;
    },
  },
  {
    method: 'PUT',
    path: '/client/v3/presence/:userId/status',
    auth: 'required',
    handler: (ctx) => {
      requireSelf(ctx);
      const b = objectBody(ctx.body);
      const p = optString(b, 'presence');
      if (!p || !PRESENCE.includes(p))
        throw new MatrixError(
          400,
          'M_INVALID_PARAM',
          `'presence' must be one of ${PRESENCE.join(', ')}`,
        );
      setPresence(ctx.hs, ctx.user.userId, p as 'online', optString(b, 'status_msg'));
      return {};
    },
  },
];

/** Updates presence; only a change takes a stream position (and wakes syncs). */
export function setPresence(
  hs: Homeserver,
  userId: string,
  p: 'online' | 'offline' | 'unavailable',
  statusMsg?: string,
): void {
  const u = hs.accounts.users.get(userId);
  if (!u) return;
  const changed = u.presence !== p || (statusMsg !== undefined && statusMsg !== u.status_msg);
  u.last_active_ts = hs.now();
  if (statusMsg !== undefined) u.status_msg = statusMsg;
  u.presence = p;
  if (changed) u.presence_pos = hs.notifier.next();
  if (changed) hs.accounts.users.set(userId, u);
}

/** Account data, tags, profile and presence. */
export function accountRoutes(): R[] {
  return [...accountData, ...tags, ...profile, ...presence];
}
