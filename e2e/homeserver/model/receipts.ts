import { Collection, type Persistence } from '../store';
import type { JsonObject } from '../validate';
import type { Notifier } from './notifier';

/** One user's receipt of one type (and thread) in a room. */
export type Receipt = {
  room_id: string;
  type: string;
  user_id: string;
  event_id: string;
  /** Stream position of the event the receipt points at, to keep receipts moving forward. */
  event_pos: number;
  ts: number;
  thread_id?: string;
  pos: number;
};

/** Read receipts (`m.read`, `m.read.private`), public ones shared in the room. */
export class Receipts {
  readonly #items: Collection<Receipt>;
  /** Receipt keys by room, so a room's receipts are found without scanning all. */
  readonly #byRoom = new Map<string, Set<string>>();

  constructor(
    persist: Persistence,
    loaded: Map<string, Map<string, unknown>>,
    private readonly notifier: Notifier,
  ) {
    this.#items = new Collection('receipt', persist, loaded.get('receipt'));
    for (const [key, r] of this.#items.entries()) this.#index(r.room_id, key);
  }

  #index(roomId: string, key: string) {
    let set = this.#byRoom.get(roomId);
    if (!set) this.#byRoom.set(roomId, (set = new Set()));
    set.add(key);
  }

  /** Records a receipt unless it would move backwards. Returns whether it changed. */
  put(r: Omit<Receipt, 'pos'>): boolean {
    const key = `${r.room_id}|${r.type}|${r.thread_id ?? ''}|${r.user_id}`;
    const old = this.#items.get(key);
    if (old && old.event_pos >= r.event_pos) return false;
    this.#items.set(key, { ...r, pos: this.notifier.next() });
    this.#index(r.room_id, key);
    return true;
  }

  /** The position of the latest event `userId` has read in the room (any receipt type). */
  readUpTo(roomId: string, userId: string): number {
    let max = 0;
    for (const type of ['m.read', 'm.read.private']) {
      for (const thread of ['', 'main']) {
        const r = this.#items.get(`${roomId}|${type}|${thread}|${userId}`);
        if (r) max = Math.max(max, r.event_pos);
      }
    }
    return max;
  }

  /** The `m.receipt` content of changes in (since, upTo] that `viewer` may see, or undefined. */
  eventFor(roomId: string, viewer: string, since: number, upTo: number): JsonObject | undefined {
    const content: Record<string, Record<string, Record<string, JsonObject>>> = {};
    let any = false;
    for (const key of this.#byRoom.get(roomId) ?? []) {
      const r = this.#items.get(key)!;
      if (r.pos <= since || r.pos > upTo) continue;
      if (r.type === 'm.read.private' && r.user_id !== viewer) continue;
      const byType = (content[r.event_id] ??= {});
      const byUser = (byType[r.type] ??= {});
      byUser[r.user_id] = r.thread_id ? { ts: r.ts, thread_id: r.thread_id } : { ts: r.ts };
      any = true;
    }
    return any ? content : undefined;
  }
}
