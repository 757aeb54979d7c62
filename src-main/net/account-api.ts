/**
 * The endpoints of the server and of the account itself: versions and capabilities, sign-in
 * and sign-out, profile, devices, account data. `MatrixApi` (in `api.ts`) adds the rooms.
 *
 * @packageDocumentation
 */
import type {
  CallOptions,
  DeviceInfoJson,
  JsonObject,
  LoginResult,
  Profile,
  VersionsResponse,
} from './api-types';
import { call, MAX_KEPT_REPLY_BYTES, v3 } from './api-request';
import { HomeserverError } from './errors';
import type { HomeserverClient } from './http';
import { arr, isNotFound, isObject, malformed, obj, optStr, str } from './json';
import { serverFeatures, type ServerFeatures } from './versions';
import { jsonLimitProblem } from '../protocol/json-limits';

/**
 * The client-server API of one homeserver (and one account, when the client has a token), as
 * far as the server and the account go; requests are degraded for the server's advertised
 * versions.
 */
export class AccountApi {
  readonly client: HomeserverClient;
  #versions: string[];
  #features: ServerFeatures;

  constructor(client: HomeserverClient, versions: readonly string[] = []) {
    this.client = client;
    this.#versions = [...versions];
    this.#features = serverFeatures(versions);
  }

  /** The versions requests are degraded for (from `/versions`). */
  get advertisedVersions(): readonly string[] {
    return this.#versions;
  }

  /** What the client may use on this server, from `advertisedVersions`. */
  get features(): ServerFeatures {
    return this.#features;
  }

  /** Replaces the advertised versions (after a fresh `/versions`). */
  setVersions(versions: readonly string[]): void {
    this.#versions = [...versions];
    this.#features = serverFeatures(versions);
  }

  /** `GET /versions`, without a token. */
  async versions(o?: CallOptions): Promise<VersionsResponse> {
    const reply = await call(this.client, 'GET', '/_matrix/client/versions', { auth: false }, o);
    const r = obj(reply, 'versions');
    const versions = r.versions;
    if (!Array.isArray(versions) || !versions.every((v) => typeof v === 'string')) {
      throw malformed('/versions');
    }
    const unstable = isObject(r.unstable_features) ? r.unstable_features : {};
    const unstableFeatures = Object.fromEntries(
      Object.entries(unstable).filter((e): e is [string, boolean] => typeof e[1] === 'boolean'),
    );
    return { versions, unstableFeatures };
  }

  /** The server's capabilities, kept whole: refused (`M_BAD_JSON`) when absurdly deep or big. */
  async capabilities(o?: CallOptions): Promise<JsonObject> {
    const r = obj(await call(this.client, 'GET', v3`/capabilities`, {}, o), '/capabilities');
    const caps = isObject(r.capabilities) ? r.capabilities : {};
    if (jsonLimitProblem(caps, MAX_KEPT_REPLY_BYTES)) throw malformed('/capabilities');
    return caps;
  }

  /** Login types from `GET /login`; none when the server has no legacy login API (404). */
  async loginFlows(o?: CallOptions): Promise<string[]> {
    let r: JsonObject;
    try {
      r = obj(await call(this.client, 'GET', v3`/login`, { auth: false }, o), '/login');
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    return arr(r, 'flows')
      .map((f) => (isObject(f) && typeof f.type === 'string' ? f.type : undefined))
      .filter((t): t is string => t !== undefined);
  }

  /** `m.login.password` with an `m.id.user` identifier (a localpart or a full user id). */
  async loginPassword(
    p: { user: string; password: string; deviceId?: string; deviceName?: string },
    o?: CallOptions,
  ): Promise<LoginResult> {
    const body = {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: p.user },
      password: p.password,
      device_id: p.deviceId,
      initial_device_display_name: p.deviceName,
    };
    const reply = await call(this.client, 'POST', v3`/login`, { auth: false, body }, o);
    const r = obj(reply, '/login');
    const wellKnown = isObject(r.well_known) ? r.well_known['m.homeserver'] : undefined;
    return {
      userId: str(r, 'user_id', '/login'),
      accessToken: str(r, 'access_token', '/login'),
      deviceId: str(r, 'device_id', '/login'),
      homeserver: isObject(wellKnown) ? optStr(wellKnown, 'base_url') : undefined,
    };
  }

  /** Ends this session on the server (the token dies). */
  async logout(o?: CallOptions): Promise<void> {
    await call(this.client, 'POST', v3`/logout`, { body: {} }, o);
  }

  /** Who the token belongs to. */
  async whoami(o?: CallOptions): Promise<{ userId: string; deviceId?: string }> {
    const reply = await call(this.client, 'GET', v3`/account/whoami`, {}, o);
    const r = obj(reply, '/account/whoami');
    return { userId: str(r, 'user_id', '/account/whoami'), deviceId: optStr(r, 'device_id') };
  }

  /** A profile; empty when the server has none or will not say (404, 403). */
  async profile(userId: string, o?: CallOptions): Promise<Profile> {
    let r: JsonObject;
    try {
      const auth = this.client.hasAccessToken;
      r = obj(await call(this.client, 'GET', v3`/profile/${userId}`, { auth }, o), '/profile');
    } catch (err) {
      if (err instanceof HomeserverError && (err.status === 404 || err.status === 403)) return {};
      throw err;
    }
    return { displayName: optStr(r, 'displayname'), avatarUrl: optStr(r, 'avatar_url') };
  }

  /** Sets our display name (the server updates our member events in joined rooms). */
  async setDisplayName(userId: string, displayName: string, o?: CallOptions): Promise<void> {
    const path = v3`/profile/${userId}/displayname`;
    await call(this.client, 'PUT', path, { body: { displayname: displayName } }, o);
  }

  /** Our devices (sessions) as the server lists them. */
  async devices(o?: CallOptions): Promise<DeviceInfoJson[]> {
    const r = obj(await call(this.client, 'GET', v3`/devices`, {}, o), '/devices');
    return arr(r, 'devices').flatMap((d): DeviceInfoJson[] => {
      if (typeof d !== 'object' || d === null) return [];
      const x = d as JsonObject;
      if (typeof x.device_id !== 'string') return [];
      return [
        {
          deviceId: x.device_id,
          displayName: typeof x.display_name === 'string' ? x.display_name : undefined,
          lastSeenTs: typeof x.last_seen_ts === 'number' ? x.last_seen_ts : undefined,
          lastSeenIp: typeof x.last_seen_ip === 'string' ? x.last_seen_ip : undefined,
        },
      ];
    });
  }

  /** Renames one of our devices. */
  async renameDevice(deviceId: string, displayName: string, o?: CallOptions): Promise<void> {
    const req = { body: { display_name: displayName } };
    await call(this.client, 'PUT', v3`/devices/${deviceId}`, req, o);
  }

  /**
   * Signs devices out (`/delete_devices`), completing the password stage of user-interactive
   * auth: the first request learns the session, the second carries the password.
   */
  async deleteDevices(userId: string, deviceIds: string[], password: string, o?: CallOptions) {
    const path = v3`/delete_devices`;
    let session: string | undefined;
    try {
      await call(this.client, 'POST', path, { body: { devices: deviceIds }, retry: 'never' }, o);
      return;
    } catch (err) {
      const s =
        err instanceof HomeserverError && err.status === 401 ? err.body?.session : undefined;
      if (typeof s !== 'string') throw err;
      session = s;
    }
    const auth = {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: userId },
      password,
      session,
    };
    const body = { devices: deviceIds, auth };
    await call(this.client, 'POST', path, { body, retry: 'never' }, o);
  }

  /** Sets global account data. */
  async setAccountData(
    userId: string,
    type: string,
    content: JsonObject,
    o?: CallOptions,
  ): Promise<void> {
    const path = v3`/user/${userId}/account_data/${type}`;
    await call(this.client, 'PUT', path, { body: content }, o);
  }

  /** Global account data; `undefined` when unset (404). */
  async getAccountData(userId: string, type: string, o?: CallOptions) {
    return this.#getOptional(v3`/user/${userId}/account_data/${type}`, o);
  }

  /** Sets a room's account data. */
  async setRoomAccountData(
    userId: string,
    roomId: string,
    type: string,
    content: JsonObject,
    o?: CallOptions,
  ): Promise<void> {
    const path = v3`/user/${userId}/rooms/${roomId}/account_data/${type}`;
    await call(this.client, 'PUT', path, { body: content }, o);
  }

  /** Room account data; `undefined` when unset (404). */
  async getRoomAccountData(userId: string, roomId: string, type: string, o?: CallOptions) {
    return this.#getOptional(v3`/user/${userId}/rooms/${roomId}/account_data/${type}`, o);
  }

  /** Adds a tag to a room (`order` optional), or removes it with `tag` and `undefined`. */
  async setRoomTag(
    userId: string,
    roomId: string,
    tag: string,
    on: boolean,
    o?: CallOptions,
  ): Promise<void> {
    const path = v3`/user/${userId}/rooms/${roomId}/tags/${tag}`;
    await call(this.client, on ? 'PUT' : 'DELETE', path, { body: on ? {} : undefined }, o);
  }

  /** The account's push rules (`{ global: Ruleset }`), to cache as `m.push_rules`. */
  async pushRules(o?: CallOptions): Promise<JsonObject> {
    return obj(await call(this.client, 'GET', v3`/pushrules/`, {}, o), '/pushrules');
  }

  /** Adds or replaces a push rule of the global ruleset (`kind`: override, room…). */
  async putPushRule(kind: string, ruleId: string, rule: JsonObject, o?: CallOptions) {
    const path = v3`/pushrules/global/${kind}/${ruleId}`;
    await call(this.client, 'PUT', path, { body: rule }, o);
  }

  /** Deletes a push rule; one that is not there is fine. */
  async deletePushRule(kind: string, ruleId: string, o?: CallOptions): Promise<void> {
    try {
      await call(this.client, 'DELETE', v3`/pushrules/global/${kind}/${ruleId}`, {}, o);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async #getOptional(path: string, o?: CallOptions): Promise<JsonObject | undefined> {
    let r: JsonObject;
    try {
      r = obj(await call(this.client, 'GET', path, {}, o), 'account data');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (jsonLimitProblem(r, MAX_KEPT_REPLY_BYTES)) throw malformed('account data');
    return r;
  }
}
