import { Collection, type Persistence } from '../store';
import type { JsonObject } from '../validate';
import type { Notifier } from './notifier';

type ToDeviceRow = {
  user_id: string;
  device_id: string;
  sender: string;
  type: string;
  content: JsonObject;
  pos: number;
};

/** One to-device message to deliver. */
export type ToDeviceTarget = { userId: string; deviceId: string; content: JsonObject };

/** At most this many to-device messages per `/sync` response (as Synapse sends). */
export const TO_DEVICE_PAGE = 100;

const dk = (userId: string, deviceId: string) => `${userId}|${deviceId}`;

/**
 * Each device's inbox of send-to-device messages. Every message takes its own stream position,
 * so an inbox is in the order messages were sent; a message stays until the device syncs from a
 * token past it (its acknowledgement). Contents are stored and given back untouched.
 */
export class ToDeviceInbox {
  readonly #rows: Collection<ToDeviceRow>;
  readonly #txns: Collection<{ ts: number }>;
  /** The highest acknowledged (deleted) message position, so a restart never reuses it. */
  readonly #acked: Collection<{ pos: number }>;
  /** device → messages in stream order. */
  #inbox = new Map<string, ToDeviceRow[]>();

  constructor(
    private readonly persist: Persistence,
    loaded: Map<string, Map<string, unknown>>,
    private readonly notifier: Notifier,
    private readonly now: () => number,
  ) {
    this.#rows = new Collection('to_device', persist, loaded.get('to_device'));
    this.#txns = new Collection('to_device_txn', persist, loaded.get('to_device_txn'));
    this.#acked = new Collection('to_device_acked', persist, loaded.get('to_device_acked'));
    for (const row of this.#rows.values()) this.#box(row.user_id, row.device_id).push(row);
    for (const box of this.#inbox.values()) box.sort((a, b) => a.pos - b.pos);
  }

  /** Whether this (device, transaction) was already handled. */
  seenTxn(key: string): boolean {
    return this.#txns.has(key);
  }

  /** Queues messages (each with its own stream position) and remembers the transaction. */
  send(sender: string, type: string, targets: ToDeviceTarget[], txnKey: string): void {
    this.persist.batch(() => {
      for (const t of targets) {
        const row: ToDeviceRow = {
          user_id: t.userId,
          device_id: t.deviceId,
          sender,
          type,
          content: t.content,
          pos: this.notifier.next(),
        };
        this.#rows.set(`${dk(t.userId, t.deviceId)}|${row.pos}`, row);
        this.#box(t.userId, t.deviceId).push(row);
      }
      this.#txns.set(txnKey, { ts: this.now() });
    });
  }

  /**
   * For `/sync`: drops the device's messages with pos <= `acked` (the client has them) and
   * returns the next ones with pos <= `upTo`, at most `TO_DEVICE_PAGE`, as `{sender, type,
   * content}` events. `pageEnd` is the position of the last one given when more are waiting.
   */
  page(
    userId: string,
    deviceId: string,
    acked: number,
    upTo: number,
  ): { events: JsonObject[]; pageEnd?: number } {
    const box = this.#inbox.get(dk(userId, deviceId)) ?? [];
    this.#acknowledge(userId, deviceId, box, acked);
    const events: JsonObject[] = [];
    for (const m of box) {
      if (m.pos > upTo) break;
      if (events.length === TO_DEVICE_PAGE)
        return { events, pageEnd: box[TO_DEVICE_PAGE - 1]!.pos };
      events.push({ sender: m.sender, type: m.type, content: m.content });
    }
    return { events };
  }

  /** Drops a removed device's inbox. */
  dropDevice(userId: string, deviceId: string): void {
    const key = dk(userId, deviceId);
    for (const m of this.#inbox.get(key) ?? []) this.#rows.delete(`${key}|${m.pos}`);
    this.#inbox.delete(key);
  }

  /** Deletes the messages at the head of `box` with pos <= `acked`. */
  #acknowledge(userId: string, deviceId: string, box: ToDeviceRow[], acked: number): void {
    let n = 0;
    while (n < box.length && box[n]!.pos <= acked) {
      this.#rows.delete(`${dk(userId, deviceId)}|${box[n]!.pos}`);
      n++;
    }
    if (!n) return;
    const pos = box[n - 1]!.pos;
    if ((this.#acked.get('max')?.pos ?? 0) < pos) this.#acked.set('max', { pos });
    box.splice(0, n);
  }

  #box(userId: string, deviceId: string): ToDeviceRow[] {
    let b = this.#inbox.get(dk(userId, deviceId));
    if (!b) this.#inbox.set(dk(userId, deviceId), (b = []));
    return b;
  }
}
