/**
 * Typed wrappers of the client-server endpoints the core uses. Path segments are always
 * URL-encoded here; events stay raw JSON for `protocol/` to validate. Requests the server's
 * advertised versions do not allow are degraded or refused with {@link UnsupportedError}.
 * The server and the account (versions, sign-in, profile, devices, account data) are in
 * {@link AccountApi}; here are sync, the rooms and their events.
 *
 * @packageDocumentation
 */
import { AccountApi } from './account-api';
import type {
  CallOptions,
  ContextResponse,
  CreateRoomBody,
  JsonObject,
  MessagesParams,
  MessagesResponse,
  ReceiptType,
  SyncParams,
  SyncResponseJson,
} from './api-types';
import { call, MAX_BIG_REPLY_BYTES, v3 } from './api-request';
import { UnsupportedError } from './errors';
import type { RequestOptions } from './http';
import { arr, obj, optStr, str } from './json';

export { MAX_BIG_REPLY_BYTES } from './api-request';

/**
 * The client-server API of one homeserver (and one account, when the client has a token):
 * what {@link AccountApi} offers, and sync, room history, sending, receipts and membership.
 */
export class MatrixApi extends AccountApi {
  /** Uploads a sync filter; resolves with its id. Repeating it is harmless, so it retries. */
  async uploadFilter(
    userId: string,
    filter: JsonObject,
    o?: CallOptions,
  ): Promise<{ filterId: string }> {
    const path = v3`/user/${userId}/filter`;
    const req: RequestOptions = { body: filter, retry: 'always' };
    const r = obj(await call(this.client, 'POST', path, req, o), 'filter');
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
      use_state_after: p.useStateAfter && this.features.useStateAfter ? true : undefined,
    };
    const req: RequestOptions = {
      query,
      signal,
      retry: 'never',
      timeoutMs: p.since ? wait : Math.max(wait, 120_000),
      maxReplyBytes: MAX_BIG_REPLY_BYTES,
    };
    const r = obj(await call(this.client, 'GET', v3`/sync`, req, o), '/sync');
    str(r, 'next_batch', '/sync');
    return r as SyncResponseJson;
  }

  /** A page of a room's history (`/messages`); needs `from` before v1.3. */
  async messages(roomId: string, p: MessagesParams, o?: CallOptions): Promise<MessagesResponse> {
    if (p.from === undefined && !this.features.messagesWithoutFrom) {
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
    const r = obj(await call(this.client, 'GET', path, { query }, o), '/messages');
    return {
      start: optStr(r, 'start') ?? p.from ?? '',
      end: optStr(r, 'end'),
      chunk: arr(r, 'chunk'),
      state: arr(r, 'state'),
    };
  }

  /** An event and the events around it (`/context`). */
  async context(
    roomId: string,
    eventId: string,
    limit: number,
    filter?: JsonObject,
    o?: CallOptions,
  ): Promise<ContextResponse> {
    const query = { limit, filter: filter ? JSON.stringify(filter) : undefined };
    const path = v3`/rooms/${roomId}/context/${eventId}`;
    const r = obj(await call(this.client, 'GET', path, { query }, o), '/context');
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
    return arr(obj(await call(this.client, 'GET', path, req, o), '/members'), 'chunk');
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
    const r = obj(await call(this.client, 'PUT', path, { body: content }, o), 'send');
    return { event_id: str(r, 'event_id', 'send') };
  }

  /** Sets a piece of room state. The spec's reply: the state event's id. */
  async sendState(
    roomId: string,
    type: string,
    stateKey: string,
    content: JsonObject,
    o?: CallOptions,
  ): Promise<{ event_id: string }> {
    const path = v3`/rooms/${roomId}/state/${type}/${stateKey}`;
    const r = obj(await call(this.client, 'PUT', path, { body: content }, o), 'state');
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
    const r = obj(await call(this.client, 'PUT', path, { body: { reason } }, o), 'redact');
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
    if (!this.features.privateReceipts) {
      if (type === 'm.fully_read') return this.readMarkers(roomId, { fullyRead: eventId }, o);
      if (type === 'm.read.private') {
        throw new UnsupportedError('This server has no private read receipts', 'v1.4');
      }
    }
    const body = threadId && this.features.threadedReceipts ? { thread_id: threadId } : {};
    const path = v3`/rooms/${roomId}/receipt/${type}/${eventId}`;
    await call(this.client, 'POST', path, { body, retry: 'always' }, o);
  }

  /** Moves the read markers; before v1.4 only with `m.fully_read` and no private receipt. */
  async readMarkers(
    roomId: string,
    m: { fullyRead?: string; read?: string; readPrivate?: string },
    o?: CallOptions,
  ): Promise<void> {
    if (!this.features.privateReceipts && (m.readPrivate || !m.fullyRead)) {
      throw new UnsupportedError('This server needs m.fully_read and no private receipt', 'v1.4');
    }
    const body = { 'm.fully_read': m.fullyRead, 'm.read': m.read, 'm.read.private': m.readPrivate };
    const path = v3`/rooms/${roomId}/read_markers`;
    await call(this.client, 'POST', path, { body, retry: 'always' }, o);
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
    const path = v3`/rooms/${roomId}/typing/${userId}`;
    await call(this.client, 'PUT', path, { body, retry: 'never' }, o);
  }

  /** Not retried: a repeat would create a second room. */
  async createRoom(body: CreateRoomBody, o?: CallOptions): Promise<string> {
    const r = obj(await call(this.client, 'POST', v3`/createRoom`, { body }, o), '/createRoom');
    return str(r, 'room_id', '/createRoom');
  }

  /** Joins by id or alias; resolves with the room id. `via` is `server_name` before v1.12. */
  async join(
    roomIdOrAlias: string,
    p: { via?: string[]; reason?: string } = {},
    o?: CallOptions,
  ): Promise<string> {
    const query = this.features.joinVia ? { via: p.via } : { server_name: p.via };
    const req: RequestOptions = { query, body: { reason: p.reason }, retry: 'always' };
    const r = obj(await call(this.client, 'POST', v3`/join/${roomIdOrAlias}`, req, o), '/join');
    return str(r, 'room_id', '/join');
  }

  /** Leaves a room (or rejects an invite). */
  async leave(roomId: string, reason?: string, o?: CallOptions): Promise<void> {
    const req: RequestOptions = { body: { reason }, retry: 'always' };
    await call(this.client, 'POST', v3`/rooms/${roomId}/leave`, req, o);
  }

  /** Forgets a room we left. */
  async forget(roomId: string, o?: CallOptions): Promise<void> {
    await call(this.client, 'POST', v3`/rooms/${roomId}/forget`, { body: {}, retry: 'always' }, o);
  }

  /** Invites a user to a room. */
  async invite(roomId: string, userId: string, reason?: string, o?: CallOptions): Promise<void> {
    const req: RequestOptions = { body: { user_id: userId, reason }, retry: 'always' };
    await call(this.client, 'POST', v3`/rooms/${roomId}/invite`, req, o);
  }

  /** Kicks, bans or unbans a user (`/kick`, `/ban`, `/unban`). */
  async moderate(
    op: 'kick' | 'ban' | 'unban',
    roomId: string,
    userId: string,
    reason?: string,
    o?: CallOptions,
  ): Promise<void> {
    const req: RequestOptions = { body: { user_id: userId, reason }, retry: 'always' };
    await call(this.client, 'POST', v3`/rooms/${roomId}/${op}`, req, o);
  }

  /**
   * The events relating to `eventId` with `relType` (`/v1/relations`), oldest first, following
   * `next_batch` up to `maxPages` pages. Events stay raw JSON for `protocol/` to validate.
   */
  async relations(
    roomId: string,
    eventId: string,
    relType: string,
    maxPages = 5,
    o?: CallOptions,
  ): Promise<unknown[]> {
    const path = v3`/rooms/${roomId}/relations/${eventId}/${relType}`.replace(
      '/_matrix/client/v3/',
      '/_matrix/client/v1/',
    );
    const out: unknown[] = [];
    let from: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const query = { dir: 'f', limit: 50, from };
      const r = obj(await call(this.client, 'GET', path, { query }, o), '/relations');
      out.push(...arr(r, 'chunk'));
      from = optStr(r, 'next_batch');
      if (!from) break;
    }
    return out;
  }
}

export type * from './api-types';
