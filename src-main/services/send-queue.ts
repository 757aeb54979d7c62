import { randomBytes } from 'node:crypto';
import type { QueueItem, TimelineItem } from '../model/timeline';
import type { MatrixApi } from '../net/api';
import { HomeserverError, isAbortError, isTransientError } from '../net/errors';
import { plainTextOf } from '../protocol/plain-text';
import type { QueueRow } from '../storage/queue-store';
import type { Stores } from '../storage/stores';

/** What to send. */
export type Outgoing = {
  roomId: string;
  kind: QueueItem['kind'];
  eventType: string;
  content: Record<string, unknown>;
  /** The event an edit, reaction or redaction points at. */
  targetEventId?: string;
};

export type QueueDeps = {
  api: MatrixApi;
  stores: Stores;
  userId: string;
  /** A queue entry changed (or left the queue). */
  onChange: (item: QueueItem, removed: boolean) => void;
  /**
   * The `m.room.encrypted` content of an event for an encrypted room (undefined for a room that
   * is not encrypted). Without it nothing is sent into an encrypted room.
   */
  encrypt?: (
    roomId: string,
    type: string,
    content: Record<string, unknown>,
  ) => Promise<Record<string, unknown> | undefined>;
  log?: (msg: string) => void;
};

const MAX_WAIT_MS = 30_000;

/** Why an entry for an encrypted room failed when it could not be encrypted. */
export const PLAINTEXT_REFUSED =
  'This room is encrypted and encryption is not available on this device: the message was not sent';

function newTxnId(): string {
  return `lm${Date.now().toString(36)}${randomBytes(6).toString('base64url')}`;
}

/** The contract's view of a stored queue row. */
export function queueItem(row: QueueRow): QueueItem {
  const item: QueueItem = {
    localId: row.localId,
    roomId: row.roomId,
    txnId: row.txnId,
    kind: row.kind,
    state: row.state,
    createdTs: row.createdTs,
  };
  if (row.error) item.error = row.error;
  if (row.eventId) item.eventId = row.eventId;
  return item;
}

/** The local echo of a queued message, shown at the end of its timeline until the real one syncs. */
export function localEcho(row: QueueRow, userId: string): TimelineItem {
  const echo: TimelineItem = {
    eventId: `local:${row.localId}`,
    sender: userId,
    ts: row.createdTs,
    type: row.eventType,
    content: row.content,
    edited: false,
    redacted: false,
    reactions: [],
    local: { localId: row.localId, state: row.state, ...(row.error ? { error: row.error } : {}) },
  };
  const plain = plainTextOf(row.content);
  if (plain !== undefined && plain !== row.content.body) echo.plainText = plain;
  return echo;
}

/**
 * The outgoing queue. Every entry is persisted with its transaction id before anything is sent,
 * so a retry (after a failure, an offline period or a restart) can never duplicate it. Entries are
 * sent one at a time in order; the synced event with our transaction id retires the entry.
 */
export class SendQueue {
  #deps: QueueDeps;
  #running: Promise<void> | undefined;
  #closed = false;
  /** Aborts the request in flight when the queue closes. */
  #abort = new AbortController();
  #wake: (() => void) | undefined;
  #failures = 0;

  constructor(deps: QueueDeps) {
    this.#deps = deps;
  }

  /** Queues an event and starts sending; returns its entry. */
  enqueue(o: Outgoing): QueueRow {
    const row: QueueRow = {
      localId: randomBytes(9).toString('base64url'),
      roomId: o.roomId,
      txnId: newTxnId(),
      kind: o.kind,
      eventType: o.eventType,
      content: o.content,
      targetEventId: o.targetEventId,
      state: 'pending',
      attempts: 0,
      createdTs: Date.now(),
    };
    this.#deps.stores.queue.insert(row);
    this.#deps.onChange(queueItem(row), false);
    this.kick();
    return row;
  }

  list(): QueueRow[] {
    return this.#deps.stores.queue.list();
  }

  /** Puts a failed entry back in line (same transaction id). */
  retry(localId: string): void {
    const row = this.#require(localId);
    if (row.state !== 'failed') return;
    this.#deps.stores.queue.update(localId, { state: 'pending', error: null });
    this.#deps.onChange(queueItem({ ...row, state: 'pending', error: undefined }), false);
    this.kick();
  }

  /** Drops an entry not yet accepted by the server. */
  cancel(localId: string): void {
    const row = this.#require(localId);
    if (row.state === 'sent') throw new Error('Already sent: redact it instead');
    this.#deps.stores.queue.delete(localId);
    this.#deps.onChange(queueItem(row), true);
  }

  /** Reports entries that a sync response retired (deleted when their events were stored). */
  retired(rows: readonly QueueRow[]): void {
    for (const row of rows) this.#deps.onChange(queueItem({ ...row, state: 'sent' }), true);
  }

  /** Starts sending if idle, or retries at once if waiting after a failure. */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#wake?.();
      return;
    }
    this.#running = this.#work().finally(() => {
      this.#running = undefined;
    });
  }

  /**
   * Stops sending: aborts the request in flight (its entry stays pending, to go out with the
   * same transaction id next time) and resolves once nothing touches the store any more.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort();
    this.#wake?.();
    await this.#running;
  }

  #require(localId: string): QueueRow {
    const row = this.#deps.stores.queue.get(localId);
    if (!row) throw new Error(`No queued message ${localId}`);
    return row;
  }

  async #work(): Promise<void> {
    for (;;) {
      if (this.#closed) return;
      const row = this.#deps.stores.queue.nextPending();
      if (!row) return;
      const wait = await this.#send(row);
      if (wait > 0) await this.#sleep(wait);
    }
  }

  /** Sends one entry; returns how long to wait before the next attempt (0 to go on). */
  async #send(row: QueueRow): Promise<number> {
    const { api, stores } = this.#deps;
    const o = { signal: this.#abort.signal };
    stores.queue.update(row.localId, { attempts: row.attempts + 1 });
    try {
      const encrypted = stores.rooms.get(row.roomId)?.isEncrypted === true;
      let eventId: string | undefined;
      if (row.kind === 'redaction') {
        // A redaction cannot be encrypted (the server must read it): in an encrypted room its
        // reason, which could quote the message, is not sent.
        const reason = encrypted ? undefined : (row.content.reason as string | undefined);
        eventId = (await api.redact(row.roomId, row.targetEventId!, row.txnId, reason, o)).event_id;
      } else {
        const wire = await this.#wireForm(row, encrypted);
        eventId = (await api.sendEvent(row.roomId, wire.type, row.txnId, wire.content, o)).event_id;
      }
      this.#failures = 0;
      if (!stores.queue.get(row.localId)) return 0; // already retired by sync
      stores.queue.update(row.localId, { state: 'sent', eventId });
      this.#deps.onChange(queueItem({ ...row, state: 'sent', eventId }), false);
      return 0;
    } catch (err) {
      // Closing (or the account's client going away) is no failure of the entry: it stays
      // pending, and goes out with the same transaction id next time.
      if (this.#closed || isAbortError(err)) return 0;
      if (isTransient(err)) {
        // Stay pending: the same transaction id goes out again when the server is back.
        const base =
          err instanceof HomeserverError && err.retryAfterMs
            ? err.retryAfterMs
            : 1000 * 2 ** this.#failures;
        this.#failures++;
        return Math.min(MAX_WAIT_MS, base);
      }
      const error = err instanceof Error ? err.message : String(err);
      this.#deps.log?.(`send-queue: ${row.localId} failed: ${error}`);
      stores.queue.update(row.localId, { state: 'failed', error });
      this.#deps.onChange(queueItem({ ...row, state: 'failed', error }), false);
      return 0;
    }
  }

  /** The event as it goes out: encrypted in an encrypted room, never plaintext there. */
  async #wireForm(
    row: QueueRow,
    roomIsEncrypted: boolean,
  ): Promise<{ type: string; content: Record<string, unknown> }> {
    const sealed = await this.#deps.encrypt?.(row.roomId, row.eventType, row.content);
    if (sealed) return { type: 'm.room.encrypted', content: sealed };
    if (roomIsEncrypted) throw new Error(PLAINTEXT_REFUSED);
    return { type: row.eventType, content: row.content };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}

/**
 * Worth retrying with the same transaction id: network trouble, 5xx, rate limits, and a dead or
 * dropped token (the account is soft-logged-out; signing in again resumes the queue).
 */
function isTransient(err: unknown): boolean {
  if (isTransientError(err)) return true;
  return (
    err instanceof HomeserverError &&
    (err.errcode === 'M_UNKNOWN_TOKEN' || err.errcode === 'M_MISSING_TOKEN')
  );
}
