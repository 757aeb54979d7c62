/**
 * Request and reply types of {@link MatrixApi}. Events stay raw JSON (`unknown`) for
 * `protocol/` to validate one by one.
 *
 * @packageDocumentation
 */
import type { RetryPolicy } from './http';

/** A JSON object as received or sent. */
export type JsonObject = Record<string, unknown>;

/** Per-call overrides. */
export type CallOptions = { signal?: AbortSignal; retry?: RetryPolicy; timeoutMs?: number };

/** `GET /versions`. */
export type VersionsResponse = { versions: string[]; unstableFeatures: Record<string, boolean> };

/** A successful password login. */
export type LoginResult = {
  userId: string;
  accessToken: string;
  deviceId: string;
  /** `well_known.m.homeserver.base_url`, when the server suggests one. */
  homeserver?: string;
};

/** A device as `GET /devices` lists it. */
export type DeviceInfoJson = {
  deviceId: string;
  displayName?: string;
  lastSeenTs?: number;
  lastSeenIp?: string;
};

/** A user's profile. */
export type Profile = { displayName?: string; avatarUrl?: string };

/** `GET /sync` parameters. */
export type SyncParams = {
  since?: string;
  /** The server's long-poll timeout; the client waits a bit longer. */
  timeoutMs: number;
  /** An uploaded filter id; or `filter`, sent inline. */
  filterId?: string;
  filter?: JsonObject;
  fullState?: boolean;
  setPresence?: 'offline' | 'online' | 'unavailable';
  /** Sent only when the server advertises v1.16; then rooms carry `state_after`. */
  useStateAfter?: boolean;
};

/** A `/sync` reply: `next_batch` checked, the rest for `protocol/` to parse. */
export type SyncResponseJson = JsonObject & { next_batch: string };

/** `GET /rooms/{roomId}/messages` parameters. */
export type MessagesParams = {
  /** Required before v1.3. */
  from?: string;
  to?: string;
  dir: 'b' | 'f';
  limit: number;
  /** A RoomEventFilter. */
  filter?: JsonObject;
};

/** A `/messages` page; events raw. `end` absent: nothing more in that direction. */
export type MessagesResponse = { start: string; end?: string; chunk: unknown[]; state: unknown[] };

/** A `/context` reply; events raw. */
export type ContextResponse = {
  start?: string;
  end?: string;
  event?: unknown;
  eventsBefore: unknown[];
  eventsAfter: unknown[];
  state: unknown[];
};

/** `POST /createRoom` body, as the spec names its fields. */
export type CreateRoomBody = {
  visibility?: 'public' | 'private';
  room_alias_name?: string;
  name?: string;
  topic?: string;
  invite?: string[];
  room_version?: string;
  creation_content?: JsonObject;
  initial_state?: { type: string; state_key?: string; content: JsonObject }[];
  preset?: 'private_chat' | 'public_chat' | 'trusted_private_chat';
  is_direct?: boolean;
  power_level_content_override?: JsonObject;
};

/** Receipt types of `POST /receipt`. */
export type ReceiptType = 'm.read' | 'm.read.private' | 'm.fully_read';
