/**
 * The events the core pushes to the renderer, keyed on `type` (types only).
 *
 * @packageDocumentation
 */

import type { AccountInfo } from './account';
import type { CryptoStatus, Verification } from './e2ee';
import type { EventId, RoomId, UserId } from './ids';
import type { RoomSummary } from './room';
import type { SyncStatus } from './sync-status';
import type { QueueItem, TimelineItem } from './timeline';

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
  /** The active account's encryption state changed (cross-signing, backup progress). */
  'crypto.status': CryptoStatus;
  /** Devices or identity trust of these users changed (re-read with `crypto.userDevices`). */
  'crypto.devicesChanged': { userIds: UserId[] };
  /** A verification started, advanced, finished or was cancelled. */
  'verification.changed': Verification;
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
