/**
 * The one typed contract between the main process and the renderer.
 *
 * Every command and every pushed event is named here once. The preload exposes `invoke` and
 * `on` typed from these maps, so no other file restates the API or uses raw channel strings.
 *
 * @packageDocumentation
 */

import type { AccountInfo, DeviceInfo, ServerInfo } from '../model/account';
import type { CryptoStatus, UserCrypto } from '../model/e2ee';
import type { AppEvent, AppEventOf, AppEventType } from '../model/events';
import type { EventId, RoomId, UserId } from '../model/ids';
import type {
  Member,
  NewRoom,
  NotificationLevel,
  RoomPermissions,
  RoomSummary,
} from '../model/room';
import type { SyncStatus } from '../model/sync-status';
import type {
  ComposerDraft,
  MessageVersion,
  OutgoingMessage,
  QueueItem,
  TimelinePage,
} from '../model/timeline';

// The shared vocabulary lives in `src-main/model/` (every layer may import it); the renderer
// imports it from here, the one module of `src-main` it may import (types only).
export type * from '../model/account';
export type * from '../model/e2ee';
export type * from '../model/events';
export type * from '../model/ids';
export type * from '../model/room';
export type * from '../model/sync-status';
export type * from '../model/timeline';

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
  /**
   * Rooms whose addresses (canonical and alt aliases) or members (display names, user ids; not
   * ourselves) contain `query`, from the cache: the room list's filter adds these to the rooms
   * whose names match. Case and accents are ignored.
   */
  'rooms.search': { req: { query: string }; res: { roomIds: RoomId[] } };
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
  /** What the account may do in the room (from its power levels in the cache). */
  'rooms.permissions': { req: { roomId: RoomId }; res: RoomPermissions };
  /** Removes someone from the room (they may come back). */
  'rooms.kick': { req: { roomId: RoomId; userId: UserId; reason?: string }; res: Empty };
  /** Bans someone (removes them and keeps them out). */
  'rooms.ban': { req: { roomId: RoomId; userId: UserId; reason?: string }; res: Empty };
  'rooms.unban': { req: { roomId: RoomId; userId: UserId }; res: Empty };
  /** Sets someone's power level (refused in words beyond what the rules allow). */
  'rooms.setPowerLevel': { req: { roomId: RoomId; userId: UserId; level: number }; res: Empty };
  /** Adds (`on`) or removes the tag `m.favourite` or `m.lowpriority`; the two exclude each other. */
  'rooms.setTag': { req: { roomId: RoomId; tag: string; on: boolean }; res: Empty };
  /** Marks the room read up to its latest event (and clears "marked unread"). */
  'rooms.markRead': { req: { roomId: RoomId }; res: Empty };
  /** Sets or clears `m.marked_unread`. */
  'rooms.markUnread': { req: { roomId: RoomId; unread: boolean }; res: Empty };
  /** The room's notification level, from the cached push rules. */
  'rooms.notifications': { req: { roomId: RoomId }; res: { level: NotificationLevel } };
  /** Sets the room's notification level (push rules). */
  'rooms.setNotifications': { req: { roomId: RoomId; level: NotificationLevel }; res: Empty };
  /** The room's `https://matrix.to` link: by canonical alias, else by id with `via` servers. */
  'rooms.link': { req: { roomId: RoomId }; res: { link: string } };

  /** The users the account ignores (`m.ignored_user_list`), from the cache. */
  'users.ignored': { req: Empty; res: { userIds: UserId[] } };
  /** Ignores a user (or stops, with `ignored: false`); the rest of the list is kept. */
  'users.ignore': { req: { userId: UserId; ignored: boolean }; res: Empty };
  /** The rooms where we and the user are both joined, from the cache, most recent first. */
  'users.sharedRooms': { req: { userId: UserId }; res: { roomIds: RoomId[] } };
  /** Our direct chat with the user: the existing one, or a new encrypted one (once synced). */
  'users.directChat': { req: { userId: UserId }; res: { roomId: RoomId } };

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
  /** The composer's saved draft of a room (local only, never sent to the server). */
  'drafts.get': { req: { roomId: RoomId }; res: { draft?: ComposerDraft } };
  /** Saves the room's draft; without one (or with no text and no reply) it is removed. */
  'drafts.set': { req: { roomId: RoomId; draft?: ComposerDraft }; res: Empty };
  /** Queues an edit (`m.replace`) of one of our messages. */
  'message.edit': {
    req: { roomId: RoomId; eventId: EventId; body: string };
    res: { localId: string };
  };
  /** The versions of an edited message, newest first, the original last. */
  'message.history': {
    req: { roomId: RoomId; eventId: EventId };
    res: { versions: MessageVersion[] };
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

  /** Turns encryption on in a room (for good: it cannot be turned off). */
  'rooms.enableEncryption': { req: { roomId: RoomId }; res: Empty };

  /** The active account's encryption state: keys, cross-signing, backup. */
  'crypto.status': { req: Empty; res: CryptoStatus };
  /** A user's devices and the trust in them (our own with `userId` ours). */
  'crypto.userDevices': { req: { userId: UserId }; res: UserCrypto };
  /** Accepts that a verified user's identity changed (hides the warning). */
  'crypto.acknowledgeIdentity': { req: { userId: UserId }; res: Empty };

  /**
   * Starts verifying another of our sessions (`deviceId`) or another user (in a direct chat
   * with them, created if needed). Progress comes as `verification.changed`.
   */
  'verification.request': { req: { userId: UserId; deviceId?: string }; res: { flowId: string } };
  /** Accepts an incoming request ("Accept"). */
  'verification.accept': { req: { flowId: string }; res: Empty };
  /** Starts the emoji comparison once both sides are ready. */
  'verification.startSas': { req: { flowId: string }; res: Empty };
  /** "They match" (`match: true`) or "They don't match" (which cancels). */
  'verification.confirm': { req: { flowId: string; match: boolean }; res: Empty };
  /** Declines or cancels. */
  'verification.cancel': { req: { flowId: string }; res: Empty };

  /**
   * Sets up secure backup: secret storage with a new recovery key (derived from `passphrase`
   * when given), the cross-signing keys and a new server-side key backup stored in it. Returns
   * the recovery key to show once.
   */
  'backup.setup': { req: { passphrase?: string }; res: { recoveryKey: string } };
  /**
   * Unlocks secret storage with the recovery key (or its passphrase): this session becomes
   * cross-signed and restores every room key from the backup.
   */
  'backup.restore': {
    req: { recoveryKey?: string; passphrase?: string };
    res: { imported: number; total: number };
  };
  /** Exports every room key, encrypted with `passphrase`, in the spec's file format. */
  'keys.export': { req: { passphrase: string }; res: { data: string } };
  /** Imports room keys from an export file; undecryptable messages are retried. */
  'keys.import': {
    req: { data: string; passphrase: string };
    res: { imported: number; total: number };
  };

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

/**
 * The names the browser harness (`src-main/web/`) and the renderer's WebSocket bridge agree on.
 * Types only, so the renderer can import them: each side declares its runtime constant with
 * this type (`ipc/channels.ts` in main, `lib/bridge.ts` in the renderer), so the compiler fails
 * if either drifts.
 */
export type HarnessNames = {
  /** The page URL's query parameter that carries the per-run secret. */
  secretParam: 'secret';
  /** The path of the API's WebSocket. */
  wsPath: '/api/ws';
  /** The WebSocket subprotocol the harness speaks. */
  wsProtocol: 'lightmatrix';
  /** Prefix of the second subprotocol the renderer offers, which carries the secret. */
  wsSecretPrefix: 'lightmatrix.secret.';
};

/** A command over the harness's WebSocket: a {@link CommandEnvelope} with a request id. */
export type SocketRequest = {
  /** Chosen by the renderer; the reply carries it back. */
  id: number;
  command: string;
  data?: unknown;
};

/** A message from the harness: a command's result (by request id), or a pushed event. */
export type SocketReply = { id: number; result: IpcResult<unknown> } | { event: AppEvent };
