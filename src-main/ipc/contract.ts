/**
 * The one typed contract between the main process and the renderer.
 *
 * Every command and every pushed event is named here once. The preload exposes `invoke` and
 * `on` typed from these maps, so no other file restates the API or uses raw channel strings.
 *
 * @packageDocumentation
 */

/** A Matrix user id, `@local:server`. */
export type UserId = string;
/** A Matrix room id, `!opaque:server`. */
export type RoomId = string;
/** A Matrix event id, `$opaque`. */
export type EventId = string;

/** A signed-in account (one SQLite database each). */
export type AccountInfo = {
  userId: UserId;
  deviceId: string;
  /** The homeserver's base URL, e.g. `https://matrix.example.org`. */
  homeserver: string;
  displayName?: string;
  avatarUrl?: string;
  /**
   * `active`: signed in. `soft-logged-out`: the server expired the token but kept the device;
   * signing in again with the password resumes with the cache intact.
   */
  state: 'active' | 'soft-logged-out';
};

/** A session (device) of the account. */
export type DeviceInfo = {
  deviceId: string;
  displayName?: string;
  lastSeenTs?: number;
  lastSeenIp?: string;
  /** This app's own session. */
  current: boolean;
};

/** What the homeserver behind a user id or URL offers, before signing in. */
export type ServerInfo = {
  homeserver: string;
  /** Spec versions from `/versions`. */
  versions: string[];
  /** Login types from `GET /login`, e.g. `m.login.password`. */
  loginFlows: string[];
};

/** The sync loop's health, pushed whenever it changes. */
export type SyncStatus =
  | { state: 'ok' }
  | { state: 'connecting' }
  /** The network or the server is unreachable; retrying at `retryAt` (epoch ms). */
  | { state: 'offline'; retryAt?: number }
  /** The server answers with errors; `reason` is for people. */
  | { state: 'erroring'; reason: string; retryAt?: number }
  /**
   * No syncing: signed out, soft-logged-out (until the user signs in again), or the disk
   * refused writes at start (the cache is shown read-only).
   */
  | { state: 'stopped'; reason: string };

/** Unread counts of a room. */
export type UnreadCounts = { notifications: number; highlights: number };

/** A room as the room list shows it. */
export type RoomSummary = {
  roomId: RoomId;
  /** Computed as the spec says: name, canonical alias, heroes, or "Empty room". */
  name: string;
  avatarUrl?: string;
  topic?: string;
  membership: 'join' | 'invite' | 'leave' | 'knock' | 'ban';
  /** In `m.direct`, or invited with `is_direct`. */
  isDirect: boolean;
  isEncrypted: boolean;
  /** `m.tag` tags, e.g. `m.favourite`, `m.lowpriority`. */
  tags: Record<string, { order?: number }>;
  /** Timestamp of the latest event, for sorting by activity. */
  lastActivityTs: number;
  unread: UnreadCounts;
  /** `m.marked_unread` set by the user. */
  markedUnread: boolean;
  joinedMembers: number;
  invitedMembers: number;
  /** For invites: who invited us. */
  inviter?: UserId;
  /** A short preview of the latest message. */
  lastMessage?: { sender: UserId; body: string };
};

/** A member of a room. */
export type Member = {
  userId: UserId;
  displayName?: string;
  avatarUrl?: string;
  membership: 'join' | 'invite' | 'leave' | 'knock' | 'ban';
  powerLevel: number;
};

/** Aggregated `m.annotation` reactions on an event. */
export type Reaction = {
  key: string;
  count: number;
  senders: UserId[];
  /** Our own reaction's event id, to toggle it off. */
  mine?: EventId;
};

/** The state of a message we are sending. */
export type LocalEchoState = 'pending' | 'sent' | 'failed';

/** One entry of a timeline, edits, reactions and redactions already applied. */
export type TimelineItem = {
  /** The event id, or `local:<localId>` for a local echo not yet sent. */
  eventId: EventId;
  sender: UserId;
  senderName?: string;
  ts: number;
  type: string;
  stateKey?: string;
  /** The latest content (an edit's `m.new_content`), `{}` once redacted. */
  content: Record<string, unknown>;
  edited: boolean;
  redacted: boolean;
  reactions: Reaction[];
  /** `m.in_reply_to` target. */
  replyTo?: EventId;
  /** `m.thread` root. */
  threadRoot?: EventId;
  /** For state events: the content this one replaced (`unsigned.prev_content`), when known. */
  prevContent?: Record<string, unknown>;
  /** Set while we are sending it. */
  local?: { localId: string; state: LocalEchoState; error?: string };
};

/** A page of timeline, oldest first. */
export type TimelinePage = {
  roomId: RoomId;
  items: TimelineItem[];
  /** More history exists before `items[0]` (in the cache or on the server). */
  hasMoreBefore: boolean;
  /** More events exist after the last item (only after a jump into the past). */
  hasMoreAfter: boolean;
};

/** What the composer sends. */
export type OutgoingMessage = {
  roomId: RoomId;
  kind: 'text' | 'notice' | 'emote';
  /** Markdown source; sent as `body` plus an HTML `formatted_body` when it has formatting. */
  body: string;
  replyTo?: EventId;
  /** Users mentioned (`m.mentions.user_ids`). */
  mentions?: UserId[];
  /** `@room` mention. */
  mentionsRoom?: boolean;
};

/** An entry of the outgoing queue. */
export type QueueItem = {
  localId: string;
  roomId: RoomId;
  /** Fixed when queued, so retries never duplicate. */
  txnId: string;
  kind: 'message' | 'edit' | 'reaction' | 'redaction';
  state: LocalEchoState;
  error?: string;
  createdTs: number;
  /** The event once the server accepted it. */
  eventId?: EventId;
};

/** Options for creating a room. */
export type NewRoom = {
  name?: string;
  topic?: string;
  invite?: UserId[];
  /** A direct chat with the invitees (recorded in `m.direct`). */
  isDirect?: boolean;
  /** Defaults to false until the client can encrypt (then: true for private rooms and DMs). */
  encrypted?: boolean;
  public?: boolean;
  aliasName?: string;
};

type Empty = Record<string, never>;

/**
 * Every command the renderer can invoke, keyed `domain.verb`, with its request and response.
 * Commands that act on an account take the active account unless `userId` names another.
 */
export type Commands = {
  /** The application's version, as declared in `package.json`. */
  'app.version': { req: Empty; res: { version: string } };

  /** Finds the homeserver of a user id (`.well-known`) or URL and what login it offers. */
  'account.discover': { req: { server: string }; res: ServerInfo };
  /** Signs in with a password; the account becomes active and starts syncing. */
  'account.login': {
    req: { server: string; username: string; password: string; deviceName?: string };
    res: AccountInfo;
  };
  /** Signs in again after a soft logout, keeping the cache. */
  'account.relogin': { req: { userId: UserId; password: string }; res: AccountInfo };
  /**
   * The accounts on this machine, and which one is active. `notices`: accounts that cannot be
   * used until signed in again (their saved data could not be read and was set aside), each
   * with a message for people; absent when there are none.
   */
  'account.list': {
    req: Empty;
    res: {
      accounts: AccountInfo[];
      active?: UserId;
      notices?: { userId: UserId; message: string }[];
    };
  };
  /** Makes another signed-in account the active one. */
  'account.switch': { req: { userId: UserId }; res: AccountInfo };
  /** Signs out on the server and wipes the account's local data. */
  'account.logout': { req: { userId?: UserId }; res: Empty };

  /** Sets the active account's display name. */
  'account.setDisplayName': { req: { displayName: string }; res: Empty };
  /** The active account's sessions (devices) on the server. */
  'devices.list': { req: Empty; res: { devices: DeviceInfo[] } };
  'devices.rename': { req: { deviceId: string; displayName: string }; res: Empty };
  /** Signs other sessions out; the server asks for the account password. */
  'devices.signOut': { req: { deviceIds: string[]; password: string }; res: Empty };

  /** The current sync status (also pushed as `sync.status`). */
  'sync.status': { req: Empty; res: SyncStatus };

  /** Every room of the active account, from the cache. */
  'rooms.list': { req: Empty; res: { rooms: RoomSummary[] } };
  'rooms.create': { req: NewRoom; res: { roomId: RoomId } };
  /** Joins by room id or alias (also accepts an invite). */
  'rooms.join': { req: { roomIdOrAlias: string }; res: { roomId: RoomId } };
  /** Leaves (also rejects an invite). */
  'rooms.leave': { req: { roomId: RoomId }; res: Empty };
  /** Forgets a left room: it disappears from the list and the cache. */
  'rooms.forget': { req: { roomId: RoomId }; res: Empty };
  'rooms.invite': { req: { roomId: RoomId; userId: UserId }; res: Empty };
  'rooms.setName': { req: { roomId: RoomId; name: string }; res: Empty };
  'rooms.setTopic': { req: { roomId: RoomId; topic: string }; res: Empty };
  /** Members, from the cache; fetched with `/members` the first time. */
  'rooms.members': { req: { roomId: RoomId }; res: { members: Member[] } };

  /** The latest page of a room, from the cache at once (a refresh follows as events). */
  'timeline.open': { req: { roomId: RoomId; limit: number }; res: TimelinePage };
  /** Older items before `before`: from the cache, or the server at a gap. */
  'timeline.paginate': {
    req: { roomId: RoomId; before: EventId; limit: number };
    res: TimelinePage;
  };
  /** A page around `eventId` (`/context` when not cached). */
  'timeline.jumpTo': {
    req: { roomId: RoomId; eventId: EventId; limit: number };
    res: TimelinePage;
  };

  /** Queues a message; its local echo appears at once. */
  'message.send': { req: OutgoingMessage; res: { localId: string } };
  /** Queues an edit (`m.replace`) of one of our messages. */
  'message.edit': {
    req: { roomId: RoomId; eventId: EventId; body: string };
    res: { localId: string };
  };
  /** Queues a reaction, or removes ours with the same key if present. */
  'message.react': {
    req: { roomId: RoomId; eventId: EventId; key: string };
    res: { localId: string };
  };
  /** Queues a redaction. */
  'message.redact': {
    req: { roomId: RoomId; eventId: EventId; reason?: string };
    res: { localId: string };
  };
  /** Sends a failed queue entry again (same transaction id). */
  'queue.retry': { req: { localId: string }; res: Empty };
  /** Drops a failed or pending queue entry. */
  'queue.cancel': { req: { localId: string }; res: Empty };
  /** The outgoing queue (persisted across restarts). */
  'queue.list': { req: Empty; res: { items: QueueItem[] } };

  /** The latest public read receipt of each member of a room, from the cache. */
  'receipts.list': {
    req: { roomId: RoomId };
    res: { receipts: { userId: UserId; eventId: EventId; ts: number }[] };
  };
  /** Sends a read receipt (`m.read`, or `m.read.private` when `private`). */
  'receipt.send': { req: { roomId: RoomId; eventId: EventId; private?: boolean }; res: Empty };
  /** Moves the fully-read marker (`m.fully_read`). */
  'readMarker.set': { req: { roomId: RoomId; eventId: EventId }; res: Empty };
  'typing.set': { req: { roomId: RoomId; typing: boolean }; res: Empty };

  /** Pushed events after `afterSeq`, for a renderer that reconnects. */
  'events.since': { req: { afterSeq: number }; res: { events: AppEvent[]; reset: boolean } };
};

/** The name of a command in {@link Commands}. */
export type CommandName = keyof Commands;

/** The request payload of command `C`. */
export type CommandRequest<C extends CommandName> = Commands[C]['req'];

/** The response payload of command `C`. */
export type CommandResponse<C extends CommandName> = Commands[C]['res'];

/** The envelope the renderer sends for every command. */
export type CommandEnvelope<C extends CommandName = CommandName> = {
  /** Which command to run. */
  command: C;
  /** The command's request payload. */
  data: CommandRequest<C>;
};

/** An error crossing the process boundary: data only, never a stack. */
export type IpcError = {
  /** Machine-readable code, e.g. `unknown_command` or `internal`. */
  code: string;
  /** Human-readable description. */
  message: string;
};

/** The outcome of a command: its response, or an {@link IpcError}. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/**
 * Whether the core (sync, storage, crypto) is running. The renderer shows this; it learns of
 * changes only through {@link AppEvent}s, never by polling.
 */
export type CoreStatus = 'not-connected' | 'starting' | 'ready' | 'failed';

/** The payload of each pushed event type. */
export type AppEventData = {
  /** The core's lifecycle changed. */
  'core.status': { status: CoreStatus };
  /** An account signed in, out, or was soft-logged-out. */
  'account.changed': { account: AccountInfo; removed?: boolean };
  /** The sync loop's health changed. */
  'sync.status': SyncStatus;
  /** Rooms were added or changed (full summaries), or removed. */
  'rooms.changed': { rooms: RoomSummary[]; removed: RoomId[] };
  /** New live events at the end of a room's timeline; `limited` means a gap precedes them. */
  'timeline.appended': { roomId: RoomId; items: TimelineItem[]; limited: boolean };
  /** Existing items changed (edited, redacted, reactions, local echo state). */
  'timeline.updated': { roomId: RoomId; items: TimelineItem[] };
  /** Local echoes left the timeline (cancelled, or replaced by the synced event). */
  'timeline.removed': { roomId: RoomId; eventIds: EventId[] };
  'typing.changed': { roomId: RoomId; userIds: UserId[] };
  /** Latest public receipts per user that changed. */
  'receipts.changed': {
    roomId: RoomId;
    receipts: { userId: UserId; eventId: EventId; ts: number }[];
  };
  /** A queue entry changed state. */
  'queue.changed': { item: QueueItem; removed?: boolean };
};

/**
 * Every event the main process pushes to the renderer, keyed on `type`. `seq` numbers them in
 * order, so a renderer that reconnects asks for `events.since` its last `seq`.
 */
export type AppEvent = {
  [T in keyof AppEventData]: { type: T; seq: number; data: AppEventData[T] };
}[keyof AppEventData];

/** The `type` of an {@link AppEvent}. */
export type AppEventType = AppEvent['type'];

/** The {@link AppEvent} whose `type` is `T`. */
export type AppEventOf<T extends AppEventType> = Extract<AppEvent, { type: T }>;

/** The API the preload exposes to the renderer as `window[BridgeKey]`. */
export type Bridge = {
  /** Runs `command` in the main process; resolves with its result, never rejects for it. */
  invoke<C extends CommandName>(
    command: C,
    req: CommandRequest<C>,
  ): Promise<IpcResult<CommandResponse<C>>>;
  /** Calls `cb` for every event of type `type`; returns a function that unsubscribes. */
  on<T extends AppEventType>(type: T, cb: (event: AppEventOf<T>) => void): () => void;
};

/** The global name under which the preload exposes the {@link Bridge}. */
export type BridgeKey = 'lightmatrix';
