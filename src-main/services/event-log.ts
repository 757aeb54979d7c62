import type { AppEvent, AppEventData, AppEventOf, AppEventType } from '../model/events';

/** How many recent events an {@link EventLog} keeps for renderers that reconnect. */
export const DEFAULT_EVENT_LOG_CAPACITY = 5_000;

/** The answer to `events.since`. */
export type EventsSince = { events: AppEvent[]; reset: boolean };

/**
 * Numbers the events the core pushes (`seq` 1, 2, 3, …) and keeps the latest ones in a ring
 * buffer, so a renderer that lost its connection asks `events.since` its last `seq` and gets
 * what it missed, or `reset: true` when that fell out of the buffer (it then reloads).
 *
 * How the core uses it:
 * ```ts
 * const events = new EventLog();
 * // after a write transaction commits:
 * events.push('rooms.changed', { rooms, removed: [] });
 * // CoreApi.onEvent:
 * onEvent: (cb) => events.subscribe(cb),
 * // the `events.since` command:
 * 'events.since': ({ afterSeq }) => events.since(afterSeq),
 * ```
 */
export class EventLog {
  readonly #capacity: number;
  readonly #ring: AppEvent[] = [];
  #lastSeq = 0;
  readonly #listeners = new Set<(event: AppEvent) => void>();

  /** Keeps the last `capacity` events (at least one). */
  constructor(capacity = DEFAULT_EVENT_LOG_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`EventLog capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  /** The `seq` of the latest event, 0 before the first. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Numbers the event, keeps it, and hands it to every subscriber. A subscriber that throws is
   * logged and does not stop the others.
   */
  push<T extends AppEventType>(type: T, data: AppEventData[T]): AppEventOf<T> {
    const event = { type, seq: ++this.#lastSeq, data } as AppEventOf<T>;
    this.#ring[(event.seq - 1) % this.#capacity] = event;
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        console.error('EventLog: a subscriber threw', err);
      }
    }
    return event;
  }

  /** Calls `cb` with every event pushed from now on; returns a function that unsubscribes. */
  subscribe(cb: (event: AppEvent) => void): () => void {
    const listener = (event: AppEvent): void => cb(event);
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * The events after `afterSeq`, oldest first. `reset` is true when some of them are no longer
   * kept, or when `afterSeq` lies ahead of this log (the renderer saw another core's numbering):
   * the caller must then reload its state instead of applying deltas.
   */
  since(afterSeq: number): EventsSince {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
      throw new RangeError(`afterSeq must be a non-negative integer, got ${String(afterSeq)}`);
    }
    const oldestKept = Math.max(1, this.#lastSeq - this.#capacity + 1);
    if (afterSeq > this.#lastSeq || afterSeq + 1 < oldestKept) {
      return { events: [], reset: true };
    }
    const events: AppEvent[] = [];
    for (let seq = afterSeq + 1; seq <= this.#lastSeq; seq++) {
      events.push(this.#ring[(seq - 1) % this.#capacity]!);
    }
    return { events, reset: false };
  }
}
