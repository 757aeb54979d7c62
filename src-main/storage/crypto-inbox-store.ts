import type { JsonObject } from '../protocol/events';
import type { ToDeviceEvent } from '../protocol/sync';
import type { Db } from './db';

/** A stored to-device message, with its queue position. */
export type InboxToDevice = ToDeviceEvent & { id: number };

/** How much the to-device inbox holds at most: a message count, and bytes of its rows. */
export type InboxLimits = { count: number; bytes: number };

/**
 * The default {@link InboxLimits}. Messages wait only until the crypto layer consumes them, so
 * a full inbox means that layer is missing or stuck: the oldest are dropped rather than letting
 * the database grow without end.
 */
export const TO_DEVICE_INBOX_MAX: InboxLimits = { count: 10_000, bytes: 16 * 1024 * 1024 };

const OTK_PREFIX = 'otk:';
const FALLBACK_KEY = 'fallback_unused';

const SQL = {
  addToDevice: 'INSERT INTO to_device (sender, type, content) VALUES (?, ?, ?)',
  toDevice: 'SELECT * FROM to_device ORDER BY id LIMIT ?',
  ackToDevice: 'DELETE FROM to_device WHERE id <= ?',
  /** The newest id beyond the count limit (the `?`-th newest, counting from 0). */
  beyondCount: 'SELECT id FROM to_device ORDER BY id DESC LIMIT 1 OFFSET ?',
  /** The newest id whose row, with every newer one, exceeds the byte limit. */
  beyondBytes: `SELECT id FROM (
                  SELECT id, SUM(length(CAST(content AS BLOB)) + length(CAST(type AS BLOB))
                    + length(CAST(sender AS BLOB))) OVER (ORDER BY id DESC) AS total
                  FROM to_device)
                WHERE total > ? ORDER BY id DESC LIMIT 1`,
  setDeviceChange: `INSERT INTO device_list_changes (user_id, change) VALUES (?, ?)
                    ON CONFLICT (user_id) DO UPDATE SET change = excluded.change`,
  deviceChanges: 'SELECT * FROM device_list_changes',
  clearDeviceChanges: 'DELETE FROM device_list_changes',
  setCount: `INSERT INTO crypto_counts (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  getCount: 'SELECT value FROM crypto_counts WHERE key = ?',
  otkCounts: `SELECT key, value FROM crypto_counts WHERE key LIKE '${OTK_PREFIX}%'`,
  clearOtk: `DELETE FROM crypto_counts WHERE key LIKE '${OTK_PREFIX}%'`,
} as const;

/**
 * What `/sync` delivers for the crypto layer — to-device messages, device list changes,
 * one-time key counts and unused fallback key types — kept until that layer consumes them.
 */
export class CryptoInboxStore {
  readonly #addToDevice;
  readonly #toDevice;
  readonly #ackToDevice;
  readonly #beyondCount;
  readonly #beyondBytes;
  readonly #setDeviceChange;
  readonly #deviceChanges;
  readonly #clearDeviceChanges;
  readonly #setCount;
  readonly #getCount;
  readonly #otkCounts;
  readonly #clearOtk;

  constructor(db: Db) {
    this.#addToDevice = db.prepare(SQL.addToDevice);
    this.#toDevice = db.prepare<
      [number],
      { id: number; sender: string; type: string; content: string }
    >(SQL.toDevice);
    this.#ackToDevice = db.prepare(SQL.ackToDevice);
    this.#beyondCount = db.prepare<[number], { id: number }>(SQL.beyondCount);
    this.#beyondBytes = db.prepare<[number], { id: number }>(SQL.beyondBytes);
    this.#setDeviceChange = db.prepare(SQL.setDeviceChange);
    this.#deviceChanges = db.prepare<[], { user_id: string; change: string }>(SQL.deviceChanges);
    this.#clearDeviceChanges = db.prepare(SQL.clearDeviceChanges);
    this.#setCount = db.prepare(SQL.setCount);
    this.#getCount = db.prepare<[string], { value: string }>(SQL.getCount);
    this.#otkCounts = db.prepare<[], { key: string; value: string }>(SQL.otkCounts);
    this.#clearOtk = db.prepare(SQL.clearOtk);
  }

  /** Queues to-device messages in arrival order. */
  addToDevice(events: readonly ToDeviceEvent[]): void {
    for (const e of events) this.#addToDevice.run(e.sender, e.type, JSON.stringify(e.content));
  }

  /** The oldest queued to-device messages. */
  toDevice(limit = 1000): InboxToDevice[] {
    return this.#toDevice.all(limit).map((r) => ({
      id: r.id,
      sender: r.sender,
      type: r.type,
      content: JSON.parse(r.content) as JsonObject,
    }));
  }

  /** Drops the queued messages up to and including `id` (the crypto layer handled them). */
  ackToDevice(id: number): void {
    this.#ackToDevice.run(id);
  }

  /**
   * Drops the oldest queued to-device messages until the inbox is within `limits`; returns how
   * many were dropped.
   */
  trimToDevice(limits: InboxLimits = TO_DEVICE_INBOX_MAX): number {
    let dropped = 0;
    const byCount = this.#beyondCount.get(limits.count);
    if (byCount) dropped += this.#ackToDevice.run(byCount.id).changes;
    const byBytes = this.#beyondBytes.get(limits.bytes);
    if (byBytes) dropped += this.#ackToDevice.run(byBytes.id).changes;
    return dropped;
  }

  /** Records device list changes; a later change of the same user replaces an earlier one. */
  addDeviceListChanges(lists: { changed: readonly string[]; left: readonly string[] }): void {
    for (const u of lists.changed) this.#setDeviceChange.run(u, 'changed');
    for (const u of lists.left) this.#setDeviceChange.run(u, 'left');
  }

  /** Pending device list changes. */
  deviceListChanges(): { changed: string[]; left: string[] } {
    const out = { changed: [] as string[], left: [] as string[] };
    for (const r of this.#deviceChanges.all()) {
      (r.change === 'left' ? out.left : out.changed).push(r.user_id);
    }
    return out;
  }

  /** Forgets the pending device list changes (the crypto layer took them). */
  clearDeviceListChanges(): void {
    this.#clearDeviceChanges.run();
  }

  /**
   * Replaces the one-time key counts with those of the latest response (spec: an algorithm not
   * listed counts as zero).
   */
  setOtkCounts(counts: Record<string, number>): void {
    this.#clearOtk.run();
    for (const [alg, n] of Object.entries(counts)) {
      this.#setCount.run(OTK_PREFIX + alg, JSON.stringify(n));
    }
  }

  /** The latest one-time key counts by algorithm. */
  otkCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.#otkCounts.all()) {
      out[r.key.slice(OTK_PREFIX.length)] = JSON.parse(r.value) as number;
    }
    return out;
  }

  /** Stores the latest `device_unused_fallback_key_types`. */
  setUnusedFallbackKeyTypes(types: readonly string[]): void {
    this.#setCount.run(FALLBACK_KEY, JSON.stringify(types));
  }

  /** The latest `device_unused_fallback_key_types`, if the server ever sent it. */
  unusedFallbackKeyTypes(): string[] | undefined {
    const r = this.#getCount.get(FALLBACK_KEY);
    return r ? (JSON.parse(r.value) as string[]) : undefined;
  }
}
