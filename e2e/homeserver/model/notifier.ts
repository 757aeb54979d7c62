/**
 * The single stream position every change bumps, and the long-poll wake-up.
 * Sync tokens and pagination tokens are both positions in this stream.
 */
export class Notifier {
  #pos: number;
  #waiters = new Set<() => void>();

  constructor(start: number) {
    this.#pos = start;
  }

  get pos(): number {
    return this.#pos;
  }

  /** Takes the next position for a change, and wakes waiting long-polls after the current tick. */
  next(): number {
    this.#pos += 1;
    if (this.#waiters.size) queueMicrotask(() => this.#wake());
    return this.#pos;
  }

  #wake() {
    const ws = [...this.#waiters];
    this.#waiters.clear();
    for (const w of ws) w();
  }

  /** Resolves on the next change, after `ms`, or when `signal` aborts; returns true when woken by a change. */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(onChange);
        signal?.removeEventListener('abort', onAbort);
        resolve(woken);
      };
      const onChange = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.#waiters.add(onChange);
      signal?.addEventListener('abort', onAbort);
    });
  }

  /** Wakes every waiter (used when shutting down). */
  wakeAll() {
    this.#wake();
  }
}
