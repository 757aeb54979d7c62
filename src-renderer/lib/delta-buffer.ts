/**
 * Holds the deltas pushed while a load is in flight, so they can be applied on top of its
 * answer. The renderer's one such buffer: the room list around `rooms.list`, a timeline around
 * each page it replaces its window with, the bridge around `events.since` after a reconnect.
 *
 * One load counts at a time: starting another, or {@link cancel}, supersedes the one in
 * flight; it then resolves to `undefined` and what it held is dropped (the newer load's answer,
 * asked for later, covers it).
 */
export class DeltaBuffer<T> {
  #held: T[] | undefined;
  #generation = 0;

  /** Whether a load is in flight, so deltas are being held. */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  /** Keeps `delta` for the load in flight; `false` when there is none (nothing is kept). */
  hold(delta: T): boolean {
    if (!this.#held) return false;
    this.#held.push(delta);
    return true;
  }

  /**
   * Runs `request`, holding deltas until it settles. Resolves to its result and the deltas
   * held meanwhile, in arrival order; to `undefined` when another load or {@link cancel}
   * superseded it. If `request` rejects, the holding stops and the error propagates.
   */
  async load<R>(request: () => Promise<R>): Promise<{ result: R; held: T[] } | undefined> {
    const generation = ++this.#generation;
    this.#held = [];
    let result: R;
    try {
      result = await request();
    } catch (err) {
      if (generation === this.#generation) this.#held = undefined;
      throw err;
    }
    if (generation !== this.#generation) return undefined;
    const held = this.#held ?? [];
    this.#held = undefined;
    return { result, held };
  }

  /** Stops holding and drops what was held; the load in flight resolves to `undefined`. */
  cancel(): void {
    this.#generation++;
    this.#held = undefined;
  }
}
