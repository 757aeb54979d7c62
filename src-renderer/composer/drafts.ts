/**
 * The composer's drafts: kept by the core per room (across restarts, never sent to the server),
 * with a copy here for an instant switch back to a room.
 */
import type { Bridge, ComposerDraft } from '../../src-main/ipc/contract';

const cache = new Map<string, ComposerDraft>();

/** Typing pauses this long before the draft is written. */
const SAVE_DELAY_MS = 400;

const isEmpty = (d: ComposerDraft) => !d.text && !d.replyTo;

/** One room's draft: read once when the composer opens, written as it changes. */
export class DraftKeeper {
  readonly #roomId: string;
  readonly #bridge: Bridge | undefined;
  readonly #read: () => ComposerDraft;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The core's draft is known (or being replaced): an empty one may be written. */
  #known: boolean;

  /** `read` gives the draft as it is now, when it is written. */
  constructor(roomId: string, bridge: Bridge | undefined, read: () => ComposerDraft) {
    this.#roomId = roomId;
    this.#bridge = bridge;
    this.#read = read;
    this.#known = cache.has(roomId) || !bridge;
  }

  /** The draft known without asking the core (this session's last one). */
  get cached(): ComposerDraft | undefined {
    return cache.get(this.#roomId);
  }

  /** The core's draft, when there is none in this session's copy. */
  async load(): Promise<ComposerDraft | undefined> {
    if (this.#known || !this.#bridge) return undefined;
    const r = await this.#bridge.invoke('drafts.get', { roomId: this.#roomId });
    this.#known = true;
    return r.ok ? r.value.draft : undefined;
  }

  /** Writes the draft soon (after typing pauses). */
  schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
  }

  /**
   * Writes the draft now (an empty one removes it; not before the core's is known, so leaving
   * a room at once does not erase it).
   */
  save(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const roomId = this.#roomId;
    const draft = this.#read();
    if (isEmpty(draft) && !this.#known) return;
    this.#known = true;
    if (isEmpty(draft)) cache.delete(roomId);
    else cache.set(roomId, draft);
    void this.#bridge?.invoke('drafts.set', isEmpty(draft) ? { roomId } : { roomId, draft });
  }
}
