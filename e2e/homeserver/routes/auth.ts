import { MatrixError, forbidden, notFound } from '../errors';
import type { Homeserver } from '../hs';
import { parseFilter } from '../model/filters';
import { randomLetters } from '../model/ids';
import { rulesFrom, type PushRule } from '../model/push';
import { DEFAULT_ROOM_VERSION, ROOM_VERSIONS } from '../model/rooms';
import type { Ctx, Route } from '../router';
import { isObject, objectBody, optBool, optString, optStringArray, reqString } from '../validate';

type R = Route<Homeserver>;

function logoutDevice(hs: Homeserver, userId: string, deviceId: string): void {
  if (hs.accounts.deleteDevice(userId, deviceId)) hs.e2ee.deviceDeleted(userId, deviceId);
}

function requireSelf(ctx: Ctx<Homeserver>): void {
  if (ctx.params.userId !== ctx.user.userId) throw forbidden('Cannot act for another user');
}

function loginResponse(hs: Homeserver, userId: string, body: Record<string, unknown>) {
  const deviceId = optString(body, 'device_id');
  const isNew = deviceId === undefined || !hs.accounts.device(userId, deviceId);
  const device = hs.accounts.login(
    userId,
    deviceId,
    optString(body, 'initial_device_display_name'),
  );
  // Users sharing a room learn of the new device (as Synapse tells them) before it has keys.
  if (isNew) hs.e2ee.deviceListChanged(userId);
  return {
    user_id: userId,
    access_token: device.access_token,
    device_id: device.device_id,
    home_server: hs.config.serverName,
    well_known: { 'm.homeserver': { base_url: hs.config.baseUrl } },
  };
}

const discovery: R[] = [
  {
    method: 'GET',
    path: '/_matrix/client/versions',
    auth: 'none',
    handler: ({ hs }) => ({ versions: hs.config.versions, unstable_features: {} }),
  },
  {
    method: 'GET',
    path: '/.well-known/matrix/client',
    auth: 'none',
    handler: ({ hs }) => ({ 'm.homeserver': { base_url: hs.config.baseUrl } }),
  },
  {
    method: 'GET',
    path: '/client/v3/capabilities',
    auth: 'required',
    handler: () => ({
      capabilities: {
        'm.change_password': { enabled: false },
        'm.room_versions': {
          default: DEFAULT_ROOM_VERSION,
          available: Object.fromEntries(ROOM_VERSIONS.map((v) => [v, 'stable'])),
        },
        'm.set_displayname': { enabled: true },
        'm.set_avatar_url': { enabled: true },
        'm.3pid_changes': { enabled: false },
        'm.get_login_token': { enabled: false },
      },
    }),
  },
  {
    method: 'GET',
    path: '/client/v3/voip/turnServer',
    auth: 'required',
    handler: () => ({ username: '', password: '', uris: [], ttl: 86400 }),
  },
];

const registration: R[] = [
  {
    method: 'GET',
    path: '/client/v3/register/available',
    auth: 'none',
    handler: ({ hs, query }) => {
      const username = query.get('username');
      if (!username) throw new MatrixError(400, 'M_MISSING_PARAM', "'username' is required");
      hs.accounts.checkUsername(username.toLowerCase());
      return { available: true };
    },
  },
  {
    method: 'POST',
    path: '/client/v3/register',
    auth: 'none',
    handler: ({ hs, body, query }) => {
      const b = objectBody(body);
      if ((query.get('kind') ?? 'user') !== 'user') {
        throw new MatrixError(403, 'M_GUEST_ACCESS_FORBIDDEN', 'Guest access is disabled');
      }
      if (!hs.config.registrationEnabled) throw forbidden('Registration is disabled');
      const username = (optString(b, 'username') ?? `user${randomLetters(10)}`).toLowerCase();
      const password = optString(b, 'password');
      hs.accounts.checkUsername(username);
      hs.accounts.interactiveAuth(b.auth, 'm.login.dummy');
      if (!password) throw new MatrixError(400, 'M_MISSING_PARAM', "'password' is required");
      const user = hs.accounts.createUser(username, password, hs.notifier.next());
      if (optBool(b, 'inhibit_login')) return { user_id: user.user_id };
      return loginResponse(hs, user.user_id, b);
    },
  },
];

const login: R[] = [
  {
    method: 'GET',
    path: '/client/v3/login',
    auth: 'none',
    handler: () => ({ flows: [{ type: 'm.login.password' }] }),
  },
  {
    method: 'POST',
    path: '/client/v3/login',
    auth: 'none',
    handler: ({ hs, body }) => {
      const b = objectBody(body);
      if (reqString(b, 'type') !== 'm.login.password') {
        throw new MatrixError(400, 'M_UNKNOWN', 'Unsupported login type');
      }
      const identifier = isObject(b.identifier) ? b.identifier : undefined;
      let user: string | undefined;
      if (identifier) {
        if (identifier.type !== 'm.id.user')
          throw new MatrixError(400, 'M_UNKNOWN', 'Unsupported identifier type');
        user = optString(identifier, 'user');
      } else user = optString(b, 'user');
      if (!user) throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing user identifier');
      const userId = user.startsWith('@') ? user : hs.accounts.userId(user.toLowerCase());
      hs.accounts.checkPassword(userId, reqString(b, 'password'));
      return loginResponse(hs, userId, b);
    },
  },
  {
    method: 'POST',
    path: '/client/v3/logout',
    auth: 'required',
    handler: ({ hs, user }) => {
      logoutDevice(hs, user.userId, user.deviceId);
      return {};
    },
  },
  {
    method: 'POST',
    path: '/client/v3/logout/all',
    auth: 'required',
    handler: ({ hs, user }) => {
      for (const d of hs.accounts.devicesOf(user.userId))
        logoutDevice(hs, user.userId, d.device_id);
      return {};
    },
  },
  {
    method: 'GET',
    path: '/client/v3/account/whoami',
    auth: 'required',
    handler: ({ user }) => ({ user_id: user.userId, device_id: user.deviceId, is_guest: false }),
  },
];

function deviceJson(d: {
  device_id: string;
  display_name?: string;
  last_seen_ip?: string;
  last_seen_ts: number;
}) {
  return {
    device_id: d.device_id,
    display_name: d.display_name,
    last_seen_ip: d.last_seen_ip,
    last_seen_ts: d.last_seen_ts,
  };
}

const devices: R[] = [
  {
    method: 'GET',
    path: '/client/v3/devices',
    auth: 'required',
    handler: ({ hs, user }) => ({ devices: hs.accounts.devicesOf(user.userId).map(deviceJson) }),
  },
  {
    method: 'GET',
    path: '/client/v3/devices/:deviceId',
    auth: 'required',
    handler: ({ hs, user, params }) => {
      const d = hs.accounts.device(user.userId, params.deviceId!);
      if (!d) throw notFound('Unknown device');
      return deviceJson(d);
    },
  },
  {
    method: 'PUT',
    path: '/client/v3/devices/:deviceId',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      const name = optString(objectBody(body), 'display_name');
      if (name !== undefined) {
        hs.accounts.renameDevice(user.userId, params.deviceId!, name);
        // Others show the name from /keys/query: tell them it changed.
        hs.e2ee.deviceListChanged(user.userId);
      } else if (!hs.accounts.device(user.userId, params.deviceId!))
        throw notFound('Unknown device');
      return {};
    },
  },
  {
    method: 'DELETE',
    path: '/client/v3/devices/:deviceId',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      if (!hs.accounts.device(user.userId, params.deviceId!)) throw notFound('Unknown device');
      hs.accounts.interactiveAuth(objectBody(body).auth, 'm.login.password', user.userId);
      logoutDevice(hs, user.userId, params.deviceId!);
      return {};
    },
  },
  {
    method: 'POST',
    path: '/client/v3/delete_devices',
    auth: 'required',
    handler: ({ hs, user, body }) => {
      const b = objectBody(body);
      const ids = optStringArray(b, 'devices');
      if (!ids) throw new MatrixError(400, 'M_MISSING_PARAM', "'devices' is required");
      hs.accounts.interactiveAuth(b.auth, 'm.login.password', user.userId);
      for (const id of ids) logoutDevice(hs, user.userId, id);
      return {};
    },
  },
];

const filtersAndRules: R[] = [
  {
    method: 'POST',
    path: '/client/v3/user/:userId/filter',
    auth: 'required',
    handler: (ctx) => {
      requireSelf(ctx);
      const filter = parseFilter(ctx.body);
      return {
        filter_id: ctx.hs.accounts.saveFilter(ctx.user.userId, filter as Record<string, unknown>),
      };
    },
  },
  {
    method: 'GET',
    path: '/client/v3/user/:userId/filter/:filterId',
    auth: 'required',
    handler: (ctx) => {
      requireSelf(ctx);
      const f = ctx.hs.accounts.filter(ctx.user.userId, ctx.params.filterId!);
      if (!f) throw notFound('Unknown filter');
      return f;
    },
  },
  ...['/client/v3/pushrules/', '/client/v3/pushrules'].map((path): R => ({
    method: 'GET',
    path,
    auth: 'required',
    handler: ({ hs, user }) => ({
      global: rulesFrom(hs.accountData.get(user.userId, '', 'm.push_rules'), user.userId),
    }),
  })),
  {
    method: 'PUT',
    path: '/client/v3/pushrules/global/:kind/:ruleId',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      const b = objectBody(body);
      const kind = ruleKind(params.kind!);
      if (params.ruleId!.startsWith('.')) throw badJson('Rule ids starting with . are reserved');
      if (!Array.isArray(b.actions)) throw badJson('actions must be an array');
      const rule: PushRule = {
        rule_id: params.ruleId!,
        default: false,
        enabled: true,
        actions: b.actions,
      };
      if (Array.isArray(b.conditions)) rule.conditions = b.conditions.filter(isObject);
      if (typeof b.pattern === 'string') rule.pattern = b.pattern;
      const rules = rulesFrom(hs.accountData.get(user.userId, '', 'm.push_rules'), user.userId);
      // User rules come before the server's defaults of their kind.
      rules[kind] = [rule, ...rules[kind].filter((r) => r.rule_id !== rule.rule_id)];
      hs.accountData.set(user.userId, '', 'm.push_rules', { global: rules });
      return {};
    },
  },
  {
    method: 'DELETE',
    path: '/client/v3/pushrules/global/:kind/:ruleId',
    auth: 'required',
    handler: ({ hs, user, params }) => {
      const kind = ruleKind(params.kind!);
      const rules = rulesFrom(hs.accountData.get(user.userId, '', 'm.push_rules'), user.userId);
      const kept = rules[kind].filter((r) => r.rule_id !== params.ruleId || r.default);
      if (kept.length === rules[kind].length) throw notFound('Unknown push rule');
      rules[kind] = kept;
      hs.accountData.set(user.userId, '', 'm.push_rules', { global: rules });
      return {};
    },
  },
];

const RULE_KINDS = ['override', 'content', 'room', 'sender', 'underride'] as const;

function ruleKind(kind: string): (typeof RULE_KINDS)[number] {
  const k = RULE_KINDS.find((x) => x === kind);
  if (!k) throw badJson(`Unknown push rule kind ${kind}`);
  return k;
}

function badJson(message: string): MatrixError {
  return new MatrixError(400, 'M_INVALID_PARAM', message);
}

/** Discovery, registration, login and logout, devices, filters, push rules. */
export function authRoutes(): R[] {
  return [...discovery, ...registration, ...login, ...devices, ...filtersAndRules];
}
