/**
 * Timeline items, pages, and the outgoing queue (types only).
 *
 * @packageDocumentation
 */

import type { EncryptionInfo } from './e2ee';
import type { EventId, RoomId, UserId } from './ids';

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
  /**
   * The message as plain text, for one-line summaries (reply quotes, dialogs): the text of an
   * HTML `formatted_body`, the reply fallback removed. Set only when it differs from `body`.
   */
  plainText?: string;
  edited: boolean;
  redacted: boolean;
  reactions: Reaction[];
  /** `m.in_reply_to` target. */
  replyTo?: EventId;
  /** `m.thread` root. */
  threadRoot?: EventId;
  /** For state events: the content this one replaced (`unsigned.prev_content`), when known. */
  prevContent?: Record<string, unknown>;
  /** Set for events that arrived encrypted: decrypted (with its shield) or why not. */
  e2ee?: EncryptionInfo;
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
  /**
   * Markdown source; sent as `body` plus an HTML `formatted_body` when it has formatting. With
   * `format: 'plain'` sent as it is; with `format: 'html'` it is the `formatted_body` (and its
   * text the `body`).
   */
  body: string;
  /** `markdown` when absent. */
  format?: 'markdown' | 'plain' | 'html';
  /**
   * Mention pills: the `length` characters at `offset` of `body` name `userId`; sent as
   * `matrix.to` links in `formatted_body`, their users in `m.mentions`.
   */
  pills?: { offset: number; length: number; userId: UserId }[];
  replyTo?: EventId;
  /** Users mentioned (`m.mentions.user_ids`). */
  mentions?: UserId[];
  /** `@room` mention. */
  mentionsRoom?: boolean;
};

/** The composer's unsent text of a room, kept locally across room switches and restarts. */
export type ComposerDraft = {
  text: string;
  /** Replying to this event. */
  replyTo?: EventId;
  /** Mention pills in `text` (as in {@link OutgoingMessage}). */
  pills?: { offset: number; length: number; userId: UserId }[];
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

/** One version of an edited message: the original, or an edit (`m.replace`). */
export type MessageVersion = {
  /** The original's id, or the edit event's. */
  eventId: EventId;
  ts: number;
  /** The text of this version (`m.new_content` of an edit). */
  body: string;
  /** The first version, as sent. */
  original: boolean;
};
