/**
 * Typing notifications from keystrokes: `true` once when typing starts (again every
 * `refreshMs` while it goes on, so the server's timeout never lapses), `false` after `idleMs`
 * without a keystroke, on send, on blur, or when the text is emptied. Never repeats a state.
 */
export class TypingNotifier {
  readonly #send: (typing: boolean) => void;
  readonly #idleMs: number;
  readonly #refreshMs: number;
  #active = false;
  #lastSent = 0;
  #idle: ReturnType<typeof setTimeout> | undefined;

  constructor(send: (typing: boolean) => void, idleMs = 5_000, refreshMs = 20_000) {
    this.#send = send;
    this.#idleMs = idleMs;
    this.#refreshMs = refreshMs;
  }

  /** The user changed the text; `hasText` is whether anything is left in it. */
  input(hasText: boolean): void {
    if (!hasText) {
      this.stop();
      return;
    }
    const now = Date.now();
    if (!this.#active || now - this.#lastSent >= this.#refreshMs) {
      this.#active = true;
      this.#lastSent = now;
      this.#send(true);
    }
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.stop(), this.#idleMs);
  }

  /** Typing stopped (sent, blurred, idle, emptied): tells the server once. */
  stop(): void {
    clearTimeout(this.#idle);
    this.#idle = undefined;
    if (!this.#active) return;
    this.#active = false;
    this.#send(false);
  }
}
