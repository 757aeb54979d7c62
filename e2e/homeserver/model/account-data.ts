import { Collection, type Persistence } from '../store';
import type { JsonObject } from '../validate';
import type { Notifier } from './notifier';

type Entry = { user_id: string; room_id: string; type: string; content: JsonObject; pos: number };

/** Global and per-room account data, with the stream position of each change. */
export class AccountData {
  readonly #items: Collection<Entry>;

  constructor(
    persist: Persistence,
    loaded: Map<string, Map<string, unknown>>,
    private readonly notifier: Notifier,
  ) {
    this.#items = new Collection('account_data', persist, loaded.get('account_data'));
  }

  get(userId: string, roomId: string, type: string): JsonObject | undefined {
    return this.#items.get(`${userId}|${roomId}|${type}`)?.content;
  }

  set(userId: string, roomId: string, type: string, content: JsonObject): void {
    const pos = this.notifier.next();
    this.#items.set(`${userId}|${roomId}|${type}`, {
      user_id: userId,
      room_id: roomId,
      type,
      content,
      pos,
    });
  }

  /** Changes in (since, upTo] for the user: global when roomId is '' , else that room's. */
  changed(
    userId: string,
    roomId: string,
    since: number,
    upTo: number,
  ): { type: string; content: JsonObject }[] {
    const out: { type: string; content: JsonObject }[] = [];
    for (const e of this.#items.values()) {
      if (e.user_id === userId && e.room_id === roomId && e.pos > since && e.pos <= upTo) {
        out.push({ type: e.type, content: e.content });
      }
    }
    return out;
  }

  /** Room ids with room account data changed in (since, upTo]. */
  changedRooms(userId: string, since: number, upTo: number): Set<string> {
    const out = new Set<string>();
    for (const e of this.#items.values()) {
      if (e.user_id === userId && e.room_id && e.pos > since && e.pos <= upTo) out.add(e.room_id);
    }
    return out;
  }
}
