/**
 * Typed wrappers of the client-server endpoints the core uses. Path segments are always
 * URL-encoded here; events stay raw JSON for `protocol/` to validate. Requests the server's
 * advertised versions do not allow are degraded or refused with {@link UnsupportedError}.
 *
 * @packageDocumentation
 */
import type {
  CallOptions,
  ContextResponse,
  CreateRoomBody,
  JsonObject,
  LoginResult,
  MessagesParams,
  MessagesResponse,
  Profile,
  ReceiptType,
  SyncParams,
  SyncResponseJson,
  VersionsResponse,
} from './api-types';
import { HomeserverError, UnsupportedError } from './errors';
import type { HomeserverClient, RequestOptions } from './http';
import { arr, isNotFound, isObject, malformed, obj, optStr, str } from './json';
import { serverFeatures, type ServerFeatures } from './versions';
import { jsonLimitProblem } from '../protocol/json-limits';

/**
 * The largest `/sync` or `/members` reply accepted: an initial sync of thousands of rooms, or
 * the members of a room of a hundred thousand, stays well below it.
 */
export const MAX_BIG_REPLY_BYTES = 128 * 1024 * 1024;

/** The largest reply kept whole (capabilities, an account data entry), as JSON. */
const MAX_KEPT_REPLY_BYTES = 1024 * 1024;

/** Builds a `/_matrix/client/v3` path, URL-encoding every interpolated segment. */
function v3(strings: TemplateStringsArray, ...segments: string[]): string {
  let path = '/_matrix/client/v3';
  strings.forEach((s, i) => {
    path += s + (i < segments.length ? encodeURIComponent(segments[i]!) : '');
  });
  return path;
}

/** The client-server API of one homeserver (and one account, when the client has a token). */
/** A device as `GET /devices` lists it. */
export type DeviceInfoJson = {
  deviceId: string;
  displayName?: string;
  lastSeenTs?: number;
  lastSeenIp?: string;
};

export class MatrixApi {
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

  get features(): ServerFeatures {
    return this.#features;
  }

  setVersions(versions: readonly string[]): void {
    this.#versions = [...versions];
    this.#features = serverFeatures(versions);
  }

  #call<T>(method: string, path: string, req: RequestOptions, o: CallOptions = {}): Promise<T> {
    return this.client.request<T>(method, path, {
      ...req,
      signal: o.signal ?? req.signal,
      retry: o.retry ?? req.retry,
      timeoutMs: o.timeoutMs ?? req.timeoutMs,
    });
  }

  async versions(o?: CallOptions): Promise<VersionsResponse> {
    const r = obj(
      await this.#call('GET', '/_matrix/client/versions', { auth: false }, o),
      'versions',
    );
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
    const r = obj(await this.#call('GET', v3`/capabilities`, {}, o), '/capabilities');
    const caps = isObject(r.capabilities) ? r.capabilities : {};
    if (jsonLimitProblem(caps, MAX_KEPT_REPLY_BYTES)) throw malformed('/capabilities');
    return caps;
  }

  /** Login types from `GET /login`; none when the server has no legacy login API (404). */
  async loginFlows(o?: CallOptions): Promise<string[]> {
    let r: JsonObject;
    try {
      r = obj(await this.#call('GET', v3`/login`, { auth: false }, o), '/login');
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
    const r = obj(await this.#call('POST', v3`/login`, { auth: false, body }, o), '/login');
    const wellKnown = isObject(r.well_known) ? r.well_known['m.homeserver'] : undefined;
    return {
      userId: str(r, 'user_id', '/login'),
      accessToken: str(r, 'access_token', '/login'),
      deviceId: str(r, 'device_id', '/login'),
      homeserver: isObject(wellKnown) ? optStr(wellKnown, 'base_url') : undefined,
    };
  }

  async logout(o?: CallOptions): Promise<void> {
    await this.#call('POST', v3`/logout`, { body: {} }, o);
  }

  async whoami(o?: CallOptions): Promise<{ userId: string; deviceId?: string }> {
    const r = obj(await this.#call('GET', v3`/account/whoami`, {}, o), '/account/whoami');
    return { userId: str(r, 'user_id', '/account/whoami'), deviceId: optStr(r, 'device_id') };
  }

  /** A profile; empty when the server has none or will not say (404, 403). */
  async profile(userId: string, o?: CallOptions): Promise<Profile> {
    let r: JsonObject;
    try {
      const auth = this.client.hasAccessToken;
      r = obj(await this.#call('GET', v3`/profile/${userId}`, { auth }, o), '/profile');
    } catch (err) {
      if (err instanceof HomeserverError && (err.status === 404 || err.status === 403)) return {};
      throw err;
    }
    return { displayName: optStr(r, 'displayname'), avatarUrl: optStr(r, 'avatar_url') };
  }

  /** Sets our display name (the server updates our member events in joined rooms). */
  async setDisplayName(userId: string, displayName: string, o?: CallOptions): Promise<void> {
    const path = v3`/profile/${userId}/displayname`;
    await this.#call('PUT', path, { body: { displayname: displayName } }, o);
  }

  /** Our devices (sessions) as the server lists them. */
  async devices(o?: CallOptions): Promise<DeviceInfoJson[]> {
    const r = obj(await this.#call('GET', v3`/devices`, {}, o), '/devices');
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

  async renameDevice(deviceId: string, displayName: string, o?: CallOptions): Promise<void> {
    await this.#call('PUT', v3`/devices/${deviceId}`, { body: { display_name: displayName } }, o);
  }

  /**
   * Signs devices out (`/delete_devices`), completing the password stage of user-interactive
   * auth: the first request learns the session, the second carries the password.
   */
  async deleteDevices(userId: string, deviceIds: string[], password: string, o?: CallOptions) {
    const path = v3`/delete_devices`;
    let session: string | undefined;
    try {
      await this.#call('POST', path, { body: { devices: deviceIds }, retry: 'never' }, o);
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
    await this.#call('POST', path, { body: { devices: deviceIds, auth }, retry: 'never' }, o);
  }

  /** Uploads a sync filter; resolves with its id. Repeating it is harmless, so it retries. */
  async uploadFilter(
    userId: string,
    filter: JsonObject,
    o?: CallOptions,
  ): Promise<{ filterId: string }> {
    const path = v3`/user/${userId}/filter`;
    const r = obj(await this.#call('POST', path, { body: filter, retry: 'always' }, o), 'filter');
    return { filterId: str(r, 'filter_id', 'filter') };
  }

  /**
   * One `/sync` long-poll. Not retried by default: the sync loop owns its backoff and status.
   * The client waits 10 s longer than the server's timeout (2 min at least for an initial sync).
   */
  async sync(p: SyncParams, signal?: AbortSignal, o?: CallOptions): Promise<SyncResponseJson> {
    const wait = p.timeoutMs + 10_000;
    const query = {
      since: p.since,
      timeout: p.timeoutMs,
      filter: p.filterId ?? (p.filter ? JSON.stringify(p.filter) : undefined),
      full_state: p.fullState || undefined,
      set_presence: p.setPresence,
      use_state_after: p.useStateAfter && this.#features.useStateAfter ? true : undefined,
    };
    const req: RequestOptions = {
      query,
      signal,
      retry: 'never',
      timeoutMs: p.since ? wait : Math.max(wait, 120_000),
      maxReplyBytes: MAX_BIG_REPLY_BYTES,
    };
    const r = obj(await this.#call('GET', v3`/sync`, req, o), '/sync');
    str(r, 'next_batch', '/sync');
    return r as SyncResponseJson;
  }

  async messages(roomId: string, p: MessagesParams, o?: CallOptions): Promise<MessagesResponse> {
    if (p.from === undefined && !this.#features.messagesWithoutFrom) {
      throw new UnsupportedError('This server needs a pagination token for /messages', 'v1.3');
    }
    const query = {
      from: p.from,
      to: p.to,
      dir: p.dir,
      limit: p.limit,
      filter: p.filter ? JSON.stringify(p.filter) : undefined,
    };
    const path = v3`/rooms/${roomId}/messages`;
    const r = obj(await this.#call('GET', path, { query }, o), '/messages');
    return {
      start: optStr(r, 'start') ?? p.from ?? '',
      end: optStr(r, 'end'),
      chunk: arr(r, 'chunk'),
      state: arr(r, 'state'),
    };
  }

  async context(
    roomId: string,
    eventId: string,
    limit: number,
    filter?: JsonObject,
    o?: CallOptions,
  ): Promise<ContextResponse> {
    const query = { limit, filter: filter ? JSON.stringify(filter) : undefined };
    const path = v3`/rooms/${roomId}/context/${eventId}`;
    const r = obj(await this.#call('GET', path, { query }, o), '/context');
    return {
      start: optStr(r, 'start'),
      end: optStr(r, 'end'),
      event: r.event,
      eventsBefore: arr(r, 'events_before'),
      eventsAfter: arr(r, 'events_after'),
      state: arr(r, 'state'),
    };
  }

  /** `m.room.member` events, raw. */
  async members(
    roomId: string,
    p: { at?: string; membership?: string; notMembership?: string } = {},
    o?: CallOptions,
  ): Promise<unknown[]> {
    const query = { at: p.at, membership: p.membership, not_membership: p.notMembership };
    const path = v3`/rooms/${roomId}/members`;
    const req = { query, maxReplyBytes: MAX_BIG_REPLY_BYTES };
    return arr(obj(await this.#call('GET', path, req, o), '/members'), 'chunk');
  }

  /** Sends a message event; idempotent per `txnId`, so retried. The spec's reply: the event id. */
  async sendEvent(
    roomId: string,
    type: string,
    txnId: string,
    content: JsonObject,
    o?: CallOptions,
  ): Promise<{ event_id: string }> {
    const path = v3`/rooms/${roomId}/send/${type}/${txnId}`;
    const r = obj(await this.#call('PUT', path, { body: content }, o), 'send');
    return { event_id: str(r, 'event_id', 'send') };
  }

  async sendState(
    roomId: string,
    type: string,
    stateKey: string,
    content: JsonObject,
    o?: CallOptions,
  ): Promise<{ event_id: string }> {
    const path = v3`/rooms/${roomId}/state/${type}/${stateKey}`;
    const r = obj(await this.#call('PUT', path, { body: content }, o), 'state');
    return { event_id: str(r, 'event_id', 'state') };
  }

  /** Redacts; idempotent per `txnId`. The spec's reply: the redaction's event id, if given. */
  async redact(
    roomId: string,
    eventId: string,
    txnId: string,
    reason?: string,
    o?: CallOptions,
  ): Promise<{ event_id?: string }> {
    const path = v3`/rooms/${roomId}/redact/${eventId}/${txnId}`;
    const r = obj(await this.#call('PUT', path, { body: { reason } }, o), 'redact');
    return { event_id: optStr(r, 'event_id') };
  }

  /**
   * Sends a receipt. Before v1.4: `m.fully_read` goes through `/read_markers`, `thread_id` is
   * dropped (an unthreaded receipt covers it) and `m.read.private` is refused.
   */
  async receipt(
    roomId: string,
    type: ReceiptType,
    eventId: string,
    threadId?: string,
    o?: CallOptions,
  ): Promise<void> {
    if (!this.#features.privateReceipts) {
      if (type === 'm.fully_read') return this.readMarkers(roomId, { fullyRead: eventId }, o);
      if (type === 'm.read.private') {
        throw new UnsupportedError('This server has no private read receipts', 'v1.4');
      }
    }
    const body = threadId && this.#features.threadedReceipts ? { thread_id: threadId } : {};
    const path = v3`/rooms/${roomId}/receipt/${type}/${eventId}`;
    await this.#call('POST', path, { body, retry: 'always' }, o);
  }

  async readMarkers(
    roomId: string,
    m: { fullyRead?: string; read?: string; readPrivate?: string },
    o?: CallOptions,
  ): Promise<void> {
    if (!this.#features.privateReceipts && (m.readPrivate || !m.fullyRead)) {
      throw new UnsupportedError('This server needs m.fully_read and no private receipt', 'v1.4');
    }
    const body = { 'm.fully_read': m.fullyRead, 'm.read': m.read, 'm.read.private': m.readPrivate };
    await this.#call('POST', v3`/rooms/${roomId}/read_markers`, { body, retry: 'always' }, o);
  }

  /** Typing notifications are ephemeral: a late retry would be wrong, so none. */
  async typing(
    roomId: string,
    userId: string,
    typing: boolean,
    timeoutMs = 30_000,
    o?: CallOptions,
  ): Promise<void> {
    const body = typing ? { typing, timeout: timeoutMs } : { typing };
    await this.#call('PUT', v3`/rooms/${roomId}/typing/${userId}`, { body, retry: 'never' }, o);
  }

  /** Not retried: a repeat would create a second room. */
  async createRoom(body: CreateRoomBody, o?: CallOptions): Promise<string> {
    const r = obj(await this.#call('POST', v3`/createRoom`, { body }, o), '/createRoom');
    return str(r, 'room_id', '/createRoom');
  }

  /** Joins by id or alias; resolves with the room id. `via` is `server_name` before v1.12. */
  async join(
    roomIdOrAlias: string,
    p: { via?: string[]; reason?: string } = {},
    o?: CallOptions,
  ): Promise<string> {
    const query = this.#features.joinVia ? { via: p.via } : { server_name: p.via };
    const req: RequestOptions = { query, body: { reason: p.reason }, retry: 'always' };
    const r = obj(await this.#call('POST', v3`/join/${roomIdOrAlias}`, req, o), '/join');
    return str(r, 'room_id', '/join');
  }

  async leave(roomId: string, reason?: string, o?: CallOptions): Promise<void> {
    const req: RequestOptions = { body: { reason }, retry: 'always' };
    await this.#call('POST', v3`/rooms/${roomId}/leave`, req, o);
  }

  async forget(roomId: string, o?: CallOptions): Promise<void> {
    await this.#call('POST', v3`/rooms/${roomId}/forget`, { body: {}, retry: 'always' }, o);
  }

  async invite(roomId: string, userId: string, reason?: string, o?: CallOptions): Promise<void> {
    const req: RequestOptions = { body: { user_id: userId, reason }, retry: 'always' };
    await this.#call('POST', v3`/rooms/${roomId}/invite`, req, o);
  }

  async setAccountData(
    userId: string,
    type: string,
    content: JsonObject,
    o?: CallOptions,
  ): Promise<void> {
    await this.#call('PUT', v3`/user/${userId}/account_data/${type}`, { body: content }, o);
  }

  /** Global account data; `undefined` when unset (404). */
  async getAccountData(userId: string, type: string, o?: CallOptions) {
    return this.#getOptional(v3`/user/${userId}/account_data/${type}`, o);
  }

  async setRoomAccountData(
    userId: string,
    roomId: string,
    type: string,
    content: JsonObject,
    o?: CallOptions,
  ): Promise<void> {
    const path = v3`/user/${userId}/rooms/${roomId}/account_data/${type}`;
    await this.#call('PUT', path, { body: content }, o);
  }

  /** Room account data; `undefined` when unset (404). */
  async getRoomAccountData(userId: string, roomId: string, type: string, o?: CallOptions) {
    return this.#getOptional(v3`/user/${userId}/rooms/${roomId}/account_data/${type}`, o);
  }

  async #getOptional(path: string, o?: CallOptions): Promise<JsonObject | undefined> {
    let r: JsonObject;
    try {
      r = obj(await this.#call('GET', path, {}, o), 'account data');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (jsonLimitProblem(r, MAX_KEPT_REPLY_BYTES)) throw malformed('account data');
    return r;
  }
}

export type * from './api-types';
