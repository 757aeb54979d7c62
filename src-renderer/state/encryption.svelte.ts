/* eslint-disable svelte/prefer-svelte-reactivity -- the maps are never mutated: each change
   builds a new Map into a $state.raw field. */
import type { Bridge, CryptoStatus, UserCrypto, UserId } from '../../src-main/ipc/contract';
import { getBridge } from '../lib/bridge';

/**
 * The active account's encryption: its status (keys, cross-signing, backup), loaded once and
 * then kept current by `crypto.status` events; and the devices and trust of the users someone
 * looked at, read with `crypto.userDevices` when first needed and again whenever the core says
 * with `crypto.devicesChanged` that they changed. Nothing is polled.
 */
export class EncryptionState {
  readonly #bridge: Bridge | undefined;
  #status = $state.raw<CryptoStatus | undefined>();
  #statusError = $state<string | undefined>();
  #users = $state.raw<ReadonlyMap<UserId, UserCrypto>>(new Map());
  #userErrors = $state.raw<ReadonlyMap<UserId, string>>(new Map());
  /** Users asked for (loaded or failed): the ones `crypto.devicesChanged` refreshes. */
  readonly #watched = new Set<UserId>();
  /** The latest read per user: an older answer arriving late is dropped. */
  readonly #reads = new Map<UserId, number>();
  #statusRead = 0;
  #epoch = 0;

  constructor(bridge: Bridge | undefined) {
    this.#bridge = bridge;
    bridge?.on('crypto.status', ({ data }) => {
      this.#statusRead++; // newer than any read in flight
      this.#status = data;
      this.#statusError = undefined;
    });
    bridge?.on('crypto.devicesChanged', ({ data }) => {
      for (const userId of data.userIds) if (this.#watched.has(userId)) void this.#read(userId);
    });
  }

  /** This session's encryption state, once loaded. */
  get status(): CryptoStatus | undefined {
    return this.#status;
  }

  /** Why the status could not be read, for people. */
  get statusError(): string | undefined {
    return this.#statusError;
  }

  /** Reads the status unless it is known already (events keep it current after that). */
  async loadStatus(): Promise<void> {
    if (this.#status) return;
    const bridge = this.#bridge;
    if (!bridge) {
      this.#statusError = 'Not connected to the core';
      return;
    }
    const read = ++this.#statusRead;
    const result = await bridge.invoke('crypto.status', {});
    if (read !== this.#statusRead) return;
    if (result.ok) this.#status = result.value;
    this.#statusError = result.ok ? undefined : result.error.message;
  }

  /** A user's devices and trust, if read already (see {@link watch}). */
  user(userId: UserId): UserCrypto | undefined {
    return this.#users.get(userId);
  }

  /** Why a user's devices could not be read. */
  userError(userId: UserId): string | undefined {
    return this.#userErrors.get(userId);
  }

  /** Reads a user's devices the first time they are needed; they stay current after that. */
  watch(userId: UserId): void {
    if (this.#watched.has(userId)) return;
    this.#watched.add(userId);
    void this.#read(userId);
  }

  /** Reads a user's devices again (e.g. "Try again" after an error). */
  refresh(userId: UserId): Promise<void> {
    this.#watched.add(userId);
    return this.#read(userId);
  }

  /** Accepts that a user's identity changed; resolves to an error message, or `undefined`. */
  async acknowledgeIdentity(userId: UserId): Promise<string | undefined> {
    const result = await this.#bridge?.invoke('crypto.acknowledgeIdentity', { userId });
    if (!result) return 'Not connected to the core';
    if (!result.ok) return result.error.message;
    await this.#read(userId);
    return undefined;
  }

  /** Forgets everything (another account, or signed out). */
  reset(): void {
    this.#epoch++;
    this.#statusRead++;
    this.#status = undefined;
    this.#statusError = undefined;
    this.#users = new Map();
    this.#userErrors = new Map();
    this.#watched.clear();
    this.#reads.clear();
  }

  async #read(userId: UserId): Promise<void> {
    const bridge = this.#bridge;
    if (!bridge) return;
    const epoch = this.#epoch;
    const read = (this.#reads.get(userId) ?? 0) + 1;
    this.#reads.set(userId, read);
    const result = await bridge.invoke('crypto.userDevices', { userId });
    if (epoch !== this.#epoch || this.#reads.get(userId) !== read) return;
    const errors = new Map(this.#userErrors);
    if (result.ok) {
      this.#users = new Map(this.#users).set(userId, result.value);
      errors.delete(userId);
    } else {
      errors.set(userId, result.error.message);
    }
    this.#userErrors = errors;
  }
}

/** The app's one encryption state. */
export const encryption = new EncryptionState(getBridge());
